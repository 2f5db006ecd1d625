import { TextArea } from '@grafana/ui';
import React, { useState } from 'react';

interface Props {
  id: string;
  value?: string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  rows?: number;
}

/** Edits a list of strings (paths, URLs) one per line; the list is committed when the field loses focus. */
export function LinesInput({ id, value, onChange, placeholder, rows = 3 }: Props) {
  const joined = (value ?? []).join('\n');
  // The text being typed, until it is committed; blank lines stay while typing.
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const text = draft ?? joined;

  const commit = () => {
    setDraft(undefined);
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (lines.join('\n') !== joined) {
      onChange(lines);
    }
  };

  return (
    <TextArea
      id={id}
      value={text}
      rows={rows}
      placeholder={placeholder}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={commit}
    />
  );
}
