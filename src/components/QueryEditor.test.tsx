import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import type { DataSource } from '../datasource';
import { Format, OptionItem, OptionParams, QueryType, TrustQuery, VariableKind } from '../types';
import { QueryEditor } from './QueryEditor';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ getVariables: () => [{ name: 'model' }] }),
}));

const OPTIONS: Partial<Record<VariableKind, OptionItem[]>> = {
  [VariableKind.Models]: [
    { text: 'fraud-detector', value: 'fraud-detector' },
    { text: 'churn', value: 'churn' },
  ],
  [VariableKind.Versions]: [
    { text: '1', value: '1' },
    { text: '2', value: '2' },
  ],
  [VariableKind.Metrics]: [
    { text: 'accuracy', value: 'accuracy' },
    { text: 'f1', value: 'f1' },
  ],
};

function fakeDatasource() {
  const getOptions = jest.fn(async (kind: VariableKind, _params?: OptionParams) => OPTIONS[kind] ?? []);
  return { datasource: { getOptions } as unknown as DataSource, getOptions };
}

/** Renders the editor the way a panel does: it owns the query and feeds every change back. */
function setup(initial: TrustQuery) {
  const { datasource, getOptions } = fakeDatasource();
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={datasource}
        onChange={(q) => {
          onChange(q);
          setQuery(q);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Host />);
  const last = (): TrustQuery => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  return { getOptions, onChange, onRunQuery, last, user: userEvent.setup({ delay: null }) };
}

describe('QueryEditor', () => {
  it('shows the accuracy fields for an accuracy query', () => {
    setup({ refId: 'A', queryType: QueryType.Accuracy });
    expect(screen.getByLabelText('Experiments')).toBeInTheDocument();
    expect(screen.getByLabelText('Metrics')).toBeInTheDocument();
    expect(screen.getByLabelText('Run filter')).toBeInTheDocument();
    expect(screen.queryByLabelText('Sensitive feature')).not.toBeInTheDocument();
  });

  it('switches to the fairness fields when the query type changes', async () => {
    const { last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Accuracy });
    await user.click(screen.getByLabelText('Query type'));
    await user.click(await screen.findByRole('option', { name: /Fairness/ }));

    expect(last().queryType).toBe(QueryType.Fairness);
    expect(onRunQuery).toHaveBeenCalled();
    expect(screen.getByLabelText('Sensitive feature')).toBeInTheDocument();
    expect(screen.getByLabelText('Group')).toBeInTheDocument();
    expect(screen.getByLabelText('Max difference')).toHaveAttribute('placeholder', '0.1');
    expect(screen.getByLabelText('Min ratio')).toHaveAttribute('placeholder', '0.8');
    expect(screen.queryByLabelText('Run filter')).not.toBeInTheDocument();
  });

  it('offers project and feature for drift and rules for compliance', async () => {
    const { user } = setup({ refId: 'A', queryType: QueryType.Drift });
    expect(screen.getByLabelText('Project')).toBeInTheDocument();
    expect(screen.getByLabelText('Feature')).toBeInTheDocument();

    await user.click(screen.getByLabelText('Query type'));
    await user.click(await screen.findByRole('option', { name: /Compliance/ }));
    expect(screen.getByLabelText('Rules')).toBeInTheDocument();
    expect(screen.queryByLabelText('Project')).not.toBeInTheDocument();
  });

  it('selects a model from the options the backend returns and runs the query', async () => {
    const { getOptions, last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Accuracy });
    await user.click(screen.getByLabelText('Model'));
    await user.click(await screen.findByRole('option', { name: 'fraud-detector' }));

    expect(getOptions).toHaveBeenCalledWith(VariableKind.Models, {});
    expect(last().model).toBe('fraud-detector');
    expect(onRunQuery).toHaveBeenCalled();

    // The versions dropdown asks the backend for the chosen model's versions.
    await user.click(screen.getByLabelText('Version'));
    await user.click(await screen.findByRole('option', { name: '2' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Versions, { model: 'fraud-detector' });
    expect(last()).toMatchObject({ model: 'fraud-detector', version: '2' });
  });

  it('offers dashboard variables and accepts a custom model name', async () => {
    const { last, user } = setup({ refId: 'A', queryType: QueryType.Accuracy });
    await user.click(screen.getByLabelText('Model'));
    expect(await screen.findByRole('option', { name: /\$model/ })).toBeInTheDocument();

    await user.type(screen.getByLabelText('Model'), 'my-own-model');
    await user.click(await screen.findByRole('option', { name: /my-own-model/ }));
    expect(last().model).toBe('my-own-model');
  });

  it('keeps several metrics chosen from the options', async () => {
    const { last, user } = setup({ refId: 'A', queryType: QueryType.Accuracy, model: 'churn' });
    await user.click(screen.getByLabelText('Metrics'));
    await user.click(await screen.findByRole('option', { name: 'accuracy' }));
    await user.click(await screen.findByRole('option', { name: 'f1' }));
    await waitFor(() => expect(last().metrics).toEqual(['accuracy', 'f1']));
  });

  it('sets the frame format for alert-friendly latest values', async () => {
    const { last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Drift });
    await user.click(screen.getByRole('radio', { name: 'Latest' }));
    expect(last().format).toBe(Format.Latest);
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('runs the query when a typed run filter loses focus', async () => {
    const { last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Runs });
    await user.type(screen.getByLabelText('Run filter'), "params.model_type = 'xgb'");
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(last().runFilter).toBe("params.model_type = 'xgb'");
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('narrows a drift query to an Evidently path', async () => {
    const { last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Drift });
    await user.type(screen.getByLabelText('Evidently path'), 'proj/a');
    expect(last().path).toBe('proj/a');
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('offers the Evidently path on accuracy queries only for the Evidently source', () => {
    setup({ refId: 'A', queryType: QueryType.Accuracy });
    expect(screen.queryByLabelText('Evidently path')).not.toBeInTheDocument();
  });

  it('shows the Evidently path of an accuracy query narrowed to Evidently', () => {
    setup({ refId: 'A', queryType: QueryType.Accuracy, source: 'evidently', path: 'reports' });
    expect(screen.getByLabelText('Evidently path')).toHaveValue('reports');
  });
});
