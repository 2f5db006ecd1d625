import { Combobox, ComboboxOption } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { OptionParams, VariableKind } from '../types';
import { useOptions } from './useOptions';

interface Props {
  datasource: DataSource;
  kind: VariableKind;
  params?: OptionParams;
  value?: string;
  onChange: (value: string | undefined) => void;
  inputId: string;
  placeholder?: string;
  width?: number;
}

/** A single-value dropdown fed by the backend's options route; custom values and variables allowed. */
export function OptionSelect({ datasource, kind, params, value, onChange, inputId, placeholder, width = 30 }: Props) {
  const loadOptions = useOptions(datasource, kind, params);
  return (
    <Combobox<string>
      id={inputId}
      options={loadOptions}
      value={value ? { label: value, value } : null}
      isClearable
      createCustomValue
      onChange={(option: ComboboxOption<string> | null) => onChange(option?.value || undefined)}
      placeholder={placeholder ?? 'any'}
      width={width}
    />
  );
}
