import { TextArea } from '@grafana/ui';
import React, { useState } from 'react';

import { DteTrustOptions } from '../../types';
import { SettingFieldProps, SettingRow } from './settingFields';
import { useSettings } from './settingsContext';

/** jsonData keys holding an object or a list, edited as JSON text. */
type StructuredKey = 'fairlearnCsvColumns' | 'trustScoreWeights' | 'packWeights';

export interface JsonSettingProps extends SettingFieldProps {
  setting: StructuredKey;
  /** Checks the parsed JSON: an error message, or undefined when it has the shape the backend decodes. */
  validate: (parsed: unknown) => string | undefined;
  rows?: number;
  cols?: number;
}

/**
 * A structured jsonData setting (an object or a list) edited as JSON text. The text is checked when
 * the field loses focus: valid JSON of the right shape is stored as the parsed value (not as a
 * string), empty text removes the key, anything else is shown with an error and not stored.
 */
export function JsonSetting({ setting, validate, rows = 6, cols = 60, ...field }: JsonSettingProps) {
  const { jsonData, setJson } = useSettings();
  const value = jsonData[setting];
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const text = draft ?? (value === undefined || value === null ? '' : JSON.stringify(value, null, 2));

  const commit = () => {
    if (draft === undefined) {
      return;
    }
    if (draft.trim() === '') {
      setError(undefined);
      setDraft(undefined);
      if (value !== undefined) {
        setJson(setting, undefined);
      }
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(draft);
    } catch (e) {
      setError(`Not saved: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
      return;
    }
    const problem = validate(parsed);
    if (problem) {
      setError(`Not saved: ${problem}`);
      return;
    }
    setError(undefined);
    setDraft(undefined);
    setJson(setting, parsed as DteTrustOptions[StructuredKey]);
  };

  return (
    <SettingRow {...field} error={error}>
      <TextArea
        id={field.id}
        value={text}
        rows={rows}
        cols={cols}
        placeholder={field.placeholder}
        onChange={(e) => {
          setDraft(e.currentTarget.value);
          setError(undefined);
        }}
        onBlur={commit}
      />
    </SettingRow>
  );
}
