import { Input } from '@grafana/ui';
import React, { useState } from 'react';

import { SettingFieldProps, SettingRow } from './settingFields';
import { SettingKey, useSettings } from './settingsContext';

export interface NumberSettingProps extends SettingFieldProps {
  setting: SettingKey<number>;
  /** A whole number: the Go side decodes the key into an int, and a fraction would fail the whole decode. */
  integer?: boolean;
  /** 0 is a meaningful value (it turns something off), not only numbers above it. */
  allowZero?: boolean;
  width?: number;
}

/** Checks a typed number; returns the value to store (undefined for empty: the backend default) or an error. */
export function parsePositive(text: string, integer = false, allowZero = false): { value?: number; error?: string } {
  const t = text.trim();
  if (t === '') {
    return {};
  }
  const n = Number(t);
  if (!Number.isFinite(n)) {
    return { error: 'Enter a number, or leave empty for the default' };
  }
  if (integer && !Number.isSafeInteger(n)) {
    return { error: 'Enter a whole number, or leave empty for the default' };
  }
  if (allowZero && n < 0) {
    return { error: 'Enter 0 or a number above it, or leave empty for the default' };
  }
  if (!allowZero && n <= 0) {
    return { error: 'Enter a number greater than 0, or leave empty for the default' };
  }
  return { value: n };
}

/**
 * A positive number setting, stored in jsonData as a JSON number. Empty removes the key (the backend
 * default applies); an invalid entry is shown with an error and not stored.
 */
export function NumberSetting({ setting, integer, allowZero, width = 12, ...field }: NumberSettingProps) {
  const { jsonData, setJson } = useSettings();
  const value = jsonData[setting];
  // The text being typed, while it differs from the stored value (e.g. an invalid entry).
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const text = draft ?? (value === undefined ? '' : String(value));
  const { error } = parsePositive(text, integer, allowZero);

  return (
    <SettingRow {...field} error={error}>
      <Input
        id={field.id}
        type="number"
        min={integer && !allowZero ? 1 : 0}
        step={integer ? 1 : 'any'}
        value={text}
        placeholder={field.placeholder}
        width={width}
        onChange={(e) => {
          const next = e.currentTarget.value;
          setDraft(next);
          const parsed = parsePositive(next, integer, allowZero);
          if (!parsed.error && parsed.value !== value) {
            setJson(setting, parsed.value);
          }
        }}
        onBlur={() => {
          if (!parsePositive(text, integer, allowZero).error) {
            setDraft(undefined);
          }
        }}
      />
    </SettingRow>
  );
}
