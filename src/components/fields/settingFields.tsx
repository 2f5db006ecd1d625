import { SelectableValue } from '@grafana/data';
import { InlineField, InlineSwitch, Input, RadioButtonGroup, SecretInput, SecretTextArea, TextArea } from '@grafana/ui';
import React, { ComponentProps } from 'react';

import { DteTrustOptions, ValidationKind } from '../../types';
import { useBackendCheck } from '../useBackendCheck';
import { LinesInput } from './LinesInput';
import { SecretKey, SettingKey, useSettings } from './settingsContext';

export const LABEL_WIDTH = 26;
const WIDTH = 50;

/** What every setting field is given: its input's id, its label, tooltip and placeholder. */
export interface SettingFieldProps {
  id: string;
  label: string;
  tooltip?: string;
  placeholder?: string;
}

interface SettingRowProps {
  id?: string;
  label: string;
  tooltip?: string;
  /** Marks the setting invalid and is shown under it. */
  error?: string;
  /** The input itself: InlineField looks at its type (a RadioButtonGroup is labelled as a fieldset). */
  children: ComponentProps<typeof InlineField>['children'];
}

/** The labelled row one setting stands in. */
export function SettingRow({ id, label, tooltip, error, children }: SettingRowProps) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} htmlFor={id} tooltip={tooltip} invalid={!!error} error={error}>
      {children}
    </InlineField>
  );
}

export interface TextSettingProps extends SettingFieldProps {
  setting: SettingKey<string>;
  /** A problem with the value, shown under the field (the value is stored all the same). */
  check?: (value: string | undefined) => string | undefined;
  /** The backend checks the value while it is typed, with the parser that reads it (POST validate/{kind}). */
  backendCheck?: ValidationKind;
  /** A text area of this many rows instead of a one-line input. */
  rows?: number;
  cols?: number;
}

/** A text setting stored in jsonData as typed. */
export function TextSetting({ setting, check, backendCheck, rows, cols, ...field }: TextSettingProps) {
  const { jsonData, setJson, validate } = useSettings();
  const value = jsonData[setting];
  const backendError = useBackendCheck((text) => validate(backendCheck!, text), backendCheck ? value : undefined);
  const input = { id: field.id, value: value ?? '', placeholder: field.placeholder };
  const onChange = (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setJson(setting, e.currentTarget.value);
  return (
    <SettingRow {...field} error={check?.(value) ?? backendError}>
      {rows ? (
        <TextArea {...input} rows={rows} cols={cols} onChange={onChange} />
      ) : (
        <Input {...input} width={WIDTH} onChange={onChange} />
      )}
    </SettingRow>
  );
}

export interface SecretSettingProps extends SettingFieldProps {
  setting: SecretKey;
  /** A text area (PEM certificates and keys) instead of a one-line input. */
  multiline?: boolean;
}

/** A secret, written to secureJsonData and shown only as configured once saved. */
export function SecretSetting({ setting, multiline, ...field }: SecretSettingProps) {
  const { onChange, ...secret } = useSettings().secret(setting);
  const input = { id: field.id, placeholder: field.placeholder, ...secret };
  return (
    <SettingRow {...field}>
      {multiline ? (
        <SecretTextArea {...input} cols={60} rows={6} onChange={(e) => onChange(e.currentTarget.value)} />
      ) : (
        <SecretInput {...input} width={WIDTH} onChange={(e) => onChange(e.currentTarget.value)} />
      )}
    </SettingRow>
  );
}

export interface ListSettingProps extends SettingFieldProps {
  setting: SettingKey<string[]>;
  /** A problem with the list, shown under the field (the list is stored all the same). */
  check?: (value: string[]) => string | undefined;
}

/** A list of strings (paths, URLs, names) edited one per line. */
export function ListSetting({ setting, check, ...field }: ListSettingProps) {
  const { jsonData, setJson } = useSettings();
  const value = jsonData[setting];
  return (
    <SettingRow {...field} error={value ? check?.(value) : undefined}>
      <LinesInput
        id={field.id}
        value={jsonData[setting]}
        placeholder={field.placeholder}
        onChange={(v) => setJson(setting, v)}
      />
    </SettingRow>
  );
}

export interface SwitchSettingProps extends SettingFieldProps {
  setting: SettingKey<boolean>;
  /** What an unset key means to the backend. */
  defaultValue?: boolean;
}

/** An on/off setting stored in jsonData as a boolean. */
export function SwitchSetting({ setting, defaultValue = false, ...field }: SwitchSettingProps) {
  const { jsonData, setJson } = useSettings();
  return (
    <SettingRow {...field}>
      <InlineSwitch
        id={field.id}
        value={jsonData[setting] ?? defaultValue}
        onChange={(e) => setJson(setting, e.currentTarget.checked)}
      />
    </SettingRow>
  );
}

/** jsonData keys holding one of a few fixed values. */
type ChoiceKey = 'mlflowAuth';
type Choice = NonNullable<DteTrustOptions[ChoiceKey]>;

export interface ChoiceSettingProps extends Omit<SettingFieldProps, 'id' | 'placeholder'> {
  setting: ChoiceKey;
  options: Array<SelectableValue<Choice>>;
  /** What an unset key means to the backend. */
  defaultValue: Choice;
}

/** One of a few fixed values, picked with radio buttons. */
export function ChoiceSetting({ setting, options, defaultValue, ...field }: ChoiceSettingProps) {
  const { jsonData, setJson } = useSettings();
  return (
    <SettingRow {...field}>
      <RadioButtonGroup<Choice>
        options={options}
        value={jsonData[setting] ?? defaultValue}
        onChange={(v) => setJson(setting, v)}
      />
    </SettingRow>
  );
}
