import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Button, InlineField, InlineFieldRow, Input, SecretInput, Stack } from '@grafana/ui';
import React from 'react';

import { DteTrustOptions, DteTrustSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<DteTrustOptions, DteTrustSecureJsonData>;

const NAME_PREFIX = 'httpHeaderName';
const VALUE_PREFIX = 'httpHeaderValue';

/** Header numbers in use, from jsonData.httpHeaderNameN. */
export function headerIndexes(jsonData: DteTrustOptions): number[] {
  return Object.keys(jsonData)
    .map((k) => (k.startsWith(NAME_PREFIX) ? Number(k.slice(NAME_PREFIX.length)) : NaN))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b);
}

/**
 * Extra HTTP headers sent to every upstream, in Grafana's convention: the name in
 * jsonData.httpHeaderNameN, the value in secureJsonData.httpHeaderValueN. Removing a header leaves
 * its number unused rather than renumbering, because a stored secret value cannot be moved.
 */
export function HeadersEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = options.secureJsonData ?? {};
  const indexes = headerIndexes(jsonData);

  const setName = (n: number, name: string) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, [`${NAME_PREFIX}${n}`]: name } });

  const setValue = (n: number, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [`${VALUE_PREFIX}${n}`]: value } });

  const resetValue = (n: number) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [`${VALUE_PREFIX}${n}`]: false },
      secureJsonData: { ...secureJsonData, [`${VALUE_PREFIX}${n}`]: '' },
    });

  const add = () => {
    let n = 1;
    while (indexes.includes(n)) {
      n++;
    }
    setName(n, '');
  };

  const remove = (n: number) => {
    const nextJson = { ...jsonData };
    delete nextJson[`${NAME_PREFIX}${n}`];
    onOptionsChange({
      ...options,
      jsonData: nextJson,
      secureJsonFields: { ...secureJsonFields, [`${VALUE_PREFIX}${n}`]: false },
      secureJsonData: { ...secureJsonData, [`${VALUE_PREFIX}${n}`]: '' },
    });
  };

  return (
    <Stack direction="column" gap={1}>
      {indexes.map((n) => (
        <InlineFieldRow key={n}>
          <InlineField label={`Header ${n}`} labelWidth={24} htmlFor={`header-name-${n}`}>
            <Input
              id={`header-name-${n}`}
              value={jsonData[`${NAME_PREFIX}${n}`] ?? ''}
              placeholder="X-Header-Name"
              width={30}
              onChange={(e) => setName(n, e.currentTarget.value)}
            />
          </InlineField>
          <InlineField label="Value" labelWidth={10} htmlFor={`header-value-${n}`}>
            <SecretInput
              id={`header-value-${n}`}
              isConfigured={Boolean(secureJsonFields?.[`${VALUE_PREFIX}${n}`])}
              value={secureJsonData[`${VALUE_PREFIX}${n}`] ?? ''}
              placeholder="value"
              width={30}
              onReset={() => resetValue(n)}
              onChange={(e) => setValue(n, e.currentTarget.value)}
            />
          </InlineField>
          <Button
            variant="secondary"
            icon="trash-alt"
            aria-label={`Remove header ${n}`}
            onClick={() => remove(n)}
            type="button"
          />
        </InlineFieldRow>
      ))}
      <div>
        <Button variant="secondary" icon="plus" onClick={add} type="button">
          Add header
        </Button>
      </div>
    </Stack>
  );
}
