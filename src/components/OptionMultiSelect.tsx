import { ComboboxOption, MultiCombobox } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { OptionParams, VariableKind } from '../types';
import { useOptions } from './useOptions';

interface Props {
  datasource: DataSource;
  kind: VariableKind;
  params?: OptionParams;
  value?: string[];
  onChange: (values: string[]) => void;
  /** Id of the element labelling the input (MultiCombobox does not take an input id). */
  labelId: string;
  placeholder?: string;
  width?: number;
}

/** A multi-value dropdown fed by the backend's options route; custom values and variables allowed. */
export function OptionMultiSelect({
  datasource,
  kind,
  params,
  value,
  onChange,
  labelId,
  placeholder,
  width = 50,
}: Props) {
  const loadOptions = useOptions(datasource, kind, params);
  return (
    <MultiCombobox<string>
      aria-labelledby={labelId}
      options={loadOptions}
      value={(value ?? []).map((v) => ({ label: v, value: v }))}
      isClearable
      createCustomValue
      onChange={(items: Array<ComboboxOption<string>>) => onChange(items.map((i) => i.value).filter((v) => v !== ''))}
      placeholder={placeholder ?? 'all'}
      width={width}
    />
  );
}
