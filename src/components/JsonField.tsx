import { InlineField, TextArea } from '@grafana/ui';
import React, { useState } from 'react';

interface Props<T> {
  id: string;
  label: string;
  labelWidth: number;
  tooltip?: string;
  value?: T;
  onChange: (value: T | undefined) => void;
  /** Checks the parsed JSON: an error message, or undefined when it has the shape the backend decodes. */
  validate: (parsed: unknown) => string | undefined;
  placeholder?: string;
  rows?: number;
  cols?: number;
}

/**
 * A structured jsonData setting (an object or a list) edited as JSON text. The text is checked when
 * the field loses focus: valid JSON of the right shape is stored as the parsed value (not as a
 * string), empty text removes the key, anything else is shown with an error and not stored.
 */
export function JsonField<T>({
  id,
  label,
  labelWidth,
  tooltip,
  value,
  onChange,
  validate,
  placeholder,
  rows = 6,
  cols = 60,
}: Props<T>) {
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
        onChange(undefined);
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
    onChange(parsed as T);
  };

  return (
    <InlineField label={label} labelWidth={labelWidth} htmlFor={id} tooltip={tooltip} invalid={!!error} error={error}>
      <TextArea
        id={id}
        value={text}
        rows={rows}
        cols={cols}
        placeholder={placeholder}
        onChange={(e) => {
          setDraft(e.currentTarget.value);
          setError(undefined);
        }}
        onBlur={commit}
      />
    </InlineField>
  );
}
