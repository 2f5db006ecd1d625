import { DataSourceJsonData, DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import React, { ReactNode } from 'react';
import { lastValueFrom } from 'rxjs';

import { DteTrustOptions, DteTrustSecureJsonData, ValidationKind, ValidationResult } from '../../types';
import { editorContext } from './editorContext';

export type SettingsEditorProps = DataSourcePluginOptionsEditorProps<DteTrustOptions, DteTrustSecureJsonData>;

/** The plugin's own jsonData keys (not Grafana's common ones, not the numbered header names). */
type OwnKey = Exclude<keyof DteTrustOptions, keyof DataSourceJsonData | `httpHeaderName${number}`>;

/** The plugin's jsonData keys whose value is exactly of type V. */
export type SettingKey<V> = {
  [K in OwnKey]-?: [NonNullable<DteTrustOptions[K]>] extends [V]
    ? [V] extends [NonNullable<DteTrustOptions[K]>]
      ? K
      : never
    : never;
}[OwnKey];

/** Secrets the config editor writes to secureJsonData (header values are the headers editor's). */
export type SecretKey = Exclude<keyof DteTrustSecureJsonData, `httpHeaderValue${number}`>;

/** One secret as SecretInput and SecretTextArea take it. */
export interface SecretBinding {
  isConfigured: boolean;
  value: string;
  onReset: () => void;
  onChange: (value: string) => void;
}

export interface SettingsEditor {
  jsonData: DteTrustOptions;
  setJson: <K extends keyof DteTrustOptions>(key: K, value: DteTrustOptions[K]) => void;
  secret: (key: SecretKey) => SecretBinding;
  /** Has the data source's backend check a text being typed (POST validate/{kind}). */
  validate: (kind: ValidationKind, text: string) => Promise<ValidationResult>;
}

const [EditorProvider, useSettings] = editorContext<SettingsEditor>('setting fields');
/** The settings being edited, for the setting fields. */
export { useSettings };

/** Reading and writing the datasource settings being edited, for the setting fields inside it. */
export function SettingsProvider({
  options,
  onOptionsChange,
  children,
}: SettingsEditorProps & { children: ReactNode }) {
  const { jsonData } = options;
  const secureJsonFields = options.secureJsonFields ?? {};
  const secureJsonData = options.secureJsonData ?? {};

  const editor: SettingsEditor = {
    jsonData,
    // The config editor has no DataSource instance; the resource route of the data source being
    // edited is called directly. The check reads no settings, so unsaved changes do not matter.
    validate: async (kind, text) => {
      const response = await lastValueFrom(
        getBackendSrv().fetch<ValidationResult>({
          method: 'POST',
          url: `/api/datasources/uid/${encodeURIComponent(options.uid)}/resources/validate/${kind}`,
          data: { text },
          showErrorAlert: false,
        })
      );
      return response.data;
    },
    setJson: (key, value) => onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value } }),
    // Secrets go to secureJsonData only; Grafana encrypts them and never sends them back, it only
    // reports in secureJsonFields that they are set.
    secret: (key) => ({
      isConfigured: Boolean(secureJsonFields[key]),
      value: secureJsonData[key] ?? '',
      onReset: () =>
        onOptionsChange({
          ...options,
          secureJsonFields: { ...secureJsonFields, [key]: false },
          secureJsonData: { ...secureJsonData, [key]: '' },
        }),
      onChange: (value) => onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } }),
    }),
  };
  return <EditorProvider value={editor}>{children}</EditorProvider>;
}
