import { InlineField, Input } from '@grafana/ui';
import React, { useState } from 'react';

interface Props {
  id: string;
  label: string;
  labelWidth: number;
  tooltip?: string;
  value?: number;
  onChange: (value: number | undefined) => void;
  placeholder?: string;
  /** A whole number: the Go side decodes the key into an int, and a fraction would fail the whole decode. */
  integer?: boolean;
  width?: number;
}

/** Checks a typed number; returns the value to store (undefined for empty: the backend default) or an error. */
export function parsePositive(text: string, integer = false): { value?: number; error?: string } {
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
  if (n <= 0) {
    return { error: 'Enter a number greater than 0, or leave empty for the default' };
  }
  return { value: n };
}

/**
 * A positive number setting, stored in jsonData as a JSON number. Empty removes the key (the backend
 * default applies); an invalid entry is shown with an error and not stored.
 */
export function NumberField({
  id,
  label,
  labelWidth,
  tooltip,
  value,
  onChange,
  placeholder,
  integer,
  width = 12,
}: Props) {
  // The text being typed, while it differs from the stored value (e.g. an invalid entry).
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const text = draft ?? (value === undefined ? '' : String(value));
  const { error } = parsePositive(text, integer);

  return (
    <InlineField label={label} labelWidth={labelWidth} htmlFor={id} tooltip={tooltip} invalid={!!error} error={error}>
      <Input
        id={id}
        type="number"
        min={integer ? 1 : 0}
        step={integer ? 1 : 'any'}
        value={text}
        placeholder={placeholder}
        width={width}
        onChange={(e) => {
          const next = e.currentTarget.value;
          setDraft(next);
          const parsed = parsePositive(next, integer);
          if (!parsed.error && parsed.value !== value) {
            onChange(parsed.value);
          }
        }}
        onBlur={() => {
          if (!parsePositive(text, integer).error) {
            setDraft(undefined);
          }
        }}
      />
    </InlineField>
  );
}
