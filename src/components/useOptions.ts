import { ComboboxOption } from '@grafana/ui';
import { getTemplateSrv } from '@grafana/runtime';
import { useMemo } from 'react';

import type { DataSource } from '../datasource';
import { OptionItem, OptionParams, VariableKind } from '../types';

export type OptionsLoader = (input: string) => Promise<Array<ComboboxOption<string>>>;

/**
 * Returns an async options loader for a Combobox: options of one kind from the backend route
 * GET /options/{kind} (fetched once per kind and filter, then filtered as the user types),
 * followed by the dashboard's template variables so a query can be written against `$model`.
 */
export function useOptions(datasource: DataSource, kind: VariableKind, params: OptionParams = {}): OptionsLoader {
  const key = JSON.stringify([kind, params]);
  return useMemo(() => {
    const [k, p] = JSON.parse(key) as [VariableKind, OptionParams];
    return createLoader(datasource, k, p);
  }, [datasource, key]);
}

function createLoader(datasource: DataSource, kind: VariableKind, params: OptionParams): OptionsLoader {
  let items: Promise<OptionItem[]> | undefined;
  return async (input: string) => {
    if (!items) {
      items = datasource.getOptions(kind, params);
      // A failed load is retried on the next keystroke or opening instead of being cached.
      items.catch(() => (items = undefined));
    }
    const options: Array<ComboboxOption<string>> = [
      ...(await items).map((i) => ({ label: i.text, value: i.value })),
      ...variableOptions(),
    ];
    const needle = input.trim().toLowerCase();
    return needle === ''
      ? options
      : options.filter((o) => `${o.label ?? ''} ${o.value}`.toLowerCase().includes(needle));
  };
}

function variableOptions(): Array<ComboboxOption<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Dashboard variable' }));
}
