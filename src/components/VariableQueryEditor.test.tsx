import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import type { DataSource } from '../datasource';
import { OptionItem, OptionParams, QueryType, TrustQuery, VariableKind } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ getVariables: () => [] }),
}));

const OPTIONS: Partial<Record<VariableKind, OptionItem[]>> = {
  [VariableKind.Models]: [{ text: 'fraud-detector', value: 'fraud-detector' }],
  [VariableKind.Experiments]: [
    { text: 'fraud-training', value: 'fraud-training' },
    { text: 'fraud-eval', value: 'fraud-eval' },
  ],
};

function setup(initial: TrustQuery) {
  const getOptions = jest.fn(async (kind: VariableKind, _params?: OptionParams) => OPTIONS[kind] ?? []);
  const datasource = { getOptions } as unknown as DataSource;
  const onChange = jest.fn();
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <VariableQueryEditor
        query={query}
        datasource={datasource}
        onRunQuery={() => {}}
        onChange={(q) => {
          onChange(q);
          setQuery(q);
        }}
      />
    );
  }
  render(<Host />);
  const last = (): TrustQuery => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  return { getOptions, last, user: userEvent.setup({ delay: null }) };
}

describe('VariableQueryEditor', () => {
  it('lists models by default, without filters', () => {
    setup({ refId: 'A' });
    expect(screen.getByLabelText('List')).toHaveValue('Models');
    expect(screen.queryByLabelText('Model')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Experiments')).not.toBeInTheDocument();
  });

  it('makes a versions variable for one model', async () => {
    const { getOptions, last, user } = setup({ refId: 'A', queryType: QueryType.Variable });
    await user.click(screen.getByLabelText('List'));
    await user.click(await screen.findByRole('option', { name: /Versions/ }));
    expect(last()).toMatchObject({ queryType: QueryType.Variable, variable: VariableKind.Versions });

    await user.click(screen.getByLabelText('Model'));
    await user.click(await screen.findByRole('option', { name: 'fraud-detector' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Models, {});
    expect(last()).toMatchObject({
      queryType: QueryType.Variable,
      variable: VariableKind.Versions,
      model: 'fraud-detector',
    });
  });

  it('makes a metrics variable narrowed to experiments', async () => {
    const { last, user } = setup({ refId: 'A', queryType: QueryType.Variable });
    await user.click(screen.getByLabelText('List'));
    await user.click(await screen.findByRole('option', { name: /Metrics/ }));
    await user.click(screen.getByLabelText('Experiments'));
    await user.click(await screen.findByRole('option', { name: 'fraud-eval' }));
    expect(last()).toMatchObject({ variable: VariableKind.Metrics, experiments: ['fraud-eval'] });
  });

  it('asks for the sensitive feature of a groups variable', async () => {
    const { user } = setup({ refId: 'A', queryType: QueryType.Variable });
    await user.click(screen.getByLabelText('List'));
    await user.click(await screen.findByRole('option', { name: /Groups/ }));
    expect(screen.getByLabelText('Sensitive feature')).toBeInTheDocument();
    expect(screen.getByLabelText('Model')).toBeInTheDocument();
  });

  it('starts from a models variable when the stored query is not an object', () => {
    setup('' as unknown as TrustQuery);
    expect(screen.getByLabelText('List')).toHaveValue('Models');
  });
});
