import { FieldSet } from '@grafana/ui';
import React, { ComponentType, ReactNode } from 'react';

import { DteTrustOptions } from '../../types';
import { JsonSetting, JsonSettingProps } from './JsonSetting';
import { NumberSetting, NumberSettingProps } from './NumberSetting';
import {
  ChoiceSetting,
  ChoiceSettingProps,
  ListSetting,
  ListSettingProps,
  SecretSetting,
  SecretSettingProps,
  SwitchSetting,
  SwitchSettingProps,
  TextSetting,
  TextSettingProps,
} from './settingFields';
import { useSettings } from './settingsContext';

/** One setting of a section, described by the props of the field that edits it. */
export type SettingSpec = (
  | ({ type: 'text' } & TextSettingProps)
  | ({ type: 'secret' } & SecretSettingProps)
  | ({ type: 'list' } & ListSettingProps)
  | ({ type: 'number' } & NumberSettingProps)
  | ({ type: 'switch' } & SwitchSettingProps)
  | ({ type: 'choice' } & ChoiceSettingProps)
  | ({ type: 'json' } & JsonSettingProps)
) & {
  /** Shown only while this holds of the settings, e.g. the password only for basic authentication. */
  when?: (jsonData: DteTrustOptions) => boolean;
};

/** The field that edits each type of setting. */
const FIELDS: { [T in SettingSpec['type']]: ComponentType<Extract<SettingSpec, { type: T }>> } = {
  text: TextSetting,
  secret: SecretSetting,
  list: ListSetting,
  number: NumberSetting,
  switch: SwitchSetting,
  choice: ChoiceSetting,
  json: JsonSetting,
};

function renderSetting(spec: SettingSpec) {
  // FIELDS pairs every type with the field taking its spec, which TypeScript cannot follow through a lookup.
  const Field = FIELDS[spec.type] as ComponentType<SettingSpec>;
  return <Field key={spec.setting} {...spec} />;
}

interface SectionProps {
  label: string;
  /** The settings of the section, in order; those whose `when` does not hold are left out. */
  settings?: SettingSpec[];
  /** Anything else the section holds, after its settings. */
  children?: ReactNode;
}

/** A titled group of datasource settings. */
export function Section({ label, settings = [], children }: SectionProps) {
  const { jsonData } = useSettings();
  return (
    <FieldSet label={label}>
      {settings.filter((s) => !s.when || s.when(jsonData)).map(renderSetting)}
      {children}
    </FieldSet>
  );
}
