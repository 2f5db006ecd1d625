import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import type { DataSource } from '../datasource';
import {
  Format,
  OptionItem,
  OptionParams,
  QUERY_TYPE_HELP,
  QueryType,
  TrustQuery,
  ValidationKind,
  ValidationResult,
  VariableKind,
} from '../types';
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
  [VariableKind.Projects]: [{ text: 'credit-scoring', value: 'credit-scoring' }],
  [VariableKind.Aliases]: [{ text: 'champion', value: 'champion' }],
};

/** The backend's run filter check, as far as these tests need it: OR is refused. */
async function fakeValidate(_kind: ValidationKind, text: string): Promise<ValidationResult> {
  return / or /i.test(text)
    ? { ok: false, error: 'OR is not supported by MLflow search filters: join clauses with AND' }
    : { ok: true };
}

function fakeDatasource() {
  const getOptions = jest.fn(async (kind: VariableKind, _params?: OptionParams) => OPTIONS[kind] ?? []);
  const validate = jest.fn(fakeValidate);
  return { datasource: { getOptions, validate } as unknown as DataSource, getOptions, validate };
}

/** Renders the editor the way a panel does: it owns the query and feeds every change back. */
function setup(initial: TrustQuery) {
  const { datasource, getOptions, validate } = fakeDatasource();
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
  return { getOptions, validate, onChange, onRunQuery, last, user: userEvent.setup({ delay: null }) };
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

  it('offers feature, sensitive feature and group for explainability, asking SHAP for the options', async () => {
    const { last, getOptions, user } = setup({ refId: 'A', queryType: QueryType.Accuracy, model: 'credit' });
    await user.click(screen.getByLabelText('Query type'));
    await user.click(await screen.findByRole('option', { name: /Explainability/ }));
    expect(last().queryType).toBe(QueryType.Explainability);
    expect(screen.getByText(QUERY_TYPE_HELP[QueryType.Explainability].description)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /docs/i })).toHaveAttribute(
      'href',
      expect.stringContaining('docs/shap-format.md#the-explainability-query')
    );
    expect(screen.getByLabelText('Feature')).toBeInTheDocument();
    expect(screen.getByLabelText('Sensitive feature')).toBeInTheDocument();
    expect(screen.getByLabelText('Group')).toBeInTheDocument();
    expect(screen.queryByLabelText('Max difference')).not.toBeInTheDocument();

    await user.click(screen.getByLabelText('Feature'));
    await waitFor(() =>
      expect(getOptions).toHaveBeenCalledWith(
        VariableKind.Features,
        expect.objectContaining({ model: 'credit', source: 'shap' })
      )
    );
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

describe('QueryEditor for models, data quality and trust score queries', () => {
  /** Picks a query type from the query type dropdown. */
  async function chooseType(user: ReturnType<typeof userEvent.setup>, name: RegExp) {
    await user.click(screen.getByLabelText('Query type'));
    await user.click(await screen.findByRole('option', { name }));
  }

  /** Labels of the fields each query type may show, to check which ones it leaves out. */
  const TYPE_FIELDS = [
    'Experiments',
    'Run filter',
    'Limit',
    'History',
    'Params',
    'Order by',
    'Project',
    'Feature',
    'Evidently path',
    'Sensitive feature',
    'Group',
    'Max difference',
    'Rules',
  ];
  const expectOnly = (shown: string[]) => {
    for (const label of TYPE_FIELDS) {
      if (shown.includes(label)) {
        expect(screen.getByLabelText(label)).toBeInTheDocument();
      } else {
        expect(screen.queryByLabelText(label)).not.toBeInTheDocument();
      }
    }
  };

  it('lists models narrowed by model, alias and stage: no version, format or source', async () => {
    const { getOptions, last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Accuracy });
    await chooseType(user, /Models/);

    expect(last()).toEqual({ refId: 'A', queryType: QueryType.Models, format: Format.Timeseries });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByLabelText('Query type')).toHaveValue('Models');
    expect(screen.getByLabelText('Model')).toBeInTheDocument();
    expect(screen.queryByLabelText('Version')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Alias')).toBeInTheDocument();
    expect(screen.getByLabelText('Stage')).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Latest' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Source')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Metrics')).not.toBeInTheDocument();
    expectOnly([]);

    await user.click(screen.getByLabelText('Model'));
    await user.click(await screen.findByRole('option', { name: 'churn' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Models, {});
    expect(last()).toEqual({ refId: 'A', queryType: QueryType.Models, format: Format.Timeseries, model: 'churn' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);

    await user.click(screen.getByLabelText('Alias'));
    await user.click(await screen.findByRole('option', { name: 'champion' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Aliases, { model: 'churn' });
    await user.click(screen.getByLabelText('Stage'));
    await user.click(await screen.findByRole('option', { name: 'Production' }));
    expect(last()).toEqual({
      refId: 'A',
      queryType: QueryType.Models,
      format: Format.Timeseries,
      model: 'churn',
      alias: 'champion',
      stage: 'Production',
    });
    expect(onRunQuery).toHaveBeenCalledTimes(4);
  });

  it('shows the stage of a saved models query', async () => {
    const saved = setup({ refId: 'A', queryType: QueryType.Models, stage: 'Staging' });
    expect(screen.getByLabelText('Stage')).toHaveValue('Staging');
    expect(saved.onChange).not.toHaveBeenCalled();
  });

  it('takes a stage typed by hand', async () => {
    const { last, user } = setup({ refId: 'A', queryType: QueryType.Models });
    await user.type(screen.getByLabelText('Stage'), 'Shadow');
    await user.click(await screen.findByRole('option', { name: /Shadow/ }));
    expect(last().stage).toBe('Shadow');
  });

  it('narrows a data quality query to an Evidently project, path and metrics', async () => {
    const { getOptions, last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Accuracy });
    await chooseType(user, /Data quality/);
    expect(last()).toEqual({ refId: 'A', queryType: QueryType.Quality, format: Format.Timeseries });

    expect(screen.getByRole('radio', { name: 'Latest' })).toBeInTheDocument();
    expect(screen.getByLabelText('Source')).toBeInTheDocument();
    expect(screen.getByLabelText('Model')).toBeInTheDocument();
    expect(screen.getByLabelText('Version')).toBeInTheDocument();
    expect(screen.getByLabelText('Alias')).toBeInTheDocument();
    expect(screen.getByLabelText('Metrics')).toBeInTheDocument();
    expect(screen.getByLabelText('Evidently path')).toHaveAttribute('placeholder', 'project-a/snapshots');
    expectOnly(['Project', 'Evidently path']);

    await user.click(screen.getByLabelText('Source'));
    await user.click(await screen.findByRole('option', { name: 'Evidently' }));
    await user.click(screen.getByLabelText('Project'));
    await user.click(await screen.findByRole('option', { name: 'credit-scoring' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Projects, {});

    onRunQuery.mockClear();
    await user.type(screen.getByLabelText('Evidently path'), 'credit/snapshots');
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.click(screen.getByLabelText('Metrics'));
    await user.click(await screen.findByRole('option', { name: 'f1' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Metrics, { source: 'evidently' });
    await waitFor(() =>
      expect(last()).toEqual({
        refId: 'A',
        queryType: QueryType.Quality,
        format: Format.Timeseries,
        source: 'evidently',
        project: 'credit-scoring',
        path: 'credit/snapshots',
        metrics: ['f1'],
      })
    );
  });

  it('clears the Evidently path of a data quality query to no value', async () => {
    const { last, user } = setup({ refId: 'A', queryType: QueryType.Quality, path: 'x' });
    await user.clear(screen.getByLabelText('Evidently path'));
    expect(last()).toEqual({ refId: 'A', queryType: QueryType.Quality, path: undefined });
  });

  it('scores one model version with the latest values of some metrics', async () => {
    const { getOptions, last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Accuracy });
    await chooseType(user, /Trust score/);
    expect(last()).toEqual({ refId: 'A', queryType: QueryType.TrustScore, format: Format.Timeseries });

    expect(screen.getByLabelText('Source')).toBeInTheDocument();
    expect(screen.getByLabelText('Model')).toBeInTheDocument();
    expect(screen.getByLabelText('Version')).toBeInTheDocument();
    expect(screen.getByLabelText('Alias')).toBeInTheDocument();
    expect(screen.getByLabelText('Metrics')).toBeInTheDocument();
    expectOnly([]);

    await user.click(screen.getByRole('radio', { name: 'Latest' }));
    await user.click(screen.getByLabelText('Model'));
    await user.click(await screen.findByRole('option', { name: 'fraud-detector' }));
    await user.click(screen.getByLabelText('Version'));
    await user.click(await screen.findByRole('option', { name: '1' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Versions, { model: 'fraud-detector' });

    await user.click(screen.getByLabelText('Metrics'));
    await user.click(await screen.findByRole('option', { name: 'accuracy' }));
    expect(getOptions).toHaveBeenCalledWith(VariableKind.Metrics, { model: 'fraud-detector' });
    await waitFor(() =>
      expect(last()).toEqual({
        refId: 'A',
        queryType: QueryType.TrustScore,
        format: Format.Latest,
        model: 'fraud-detector',
        version: '1',
        metrics: ['accuracy'],
      })
    );
    // Every choice ran the query: the type, the format, the model, the version and the metric.
    expect(onRunQuery).toHaveBeenCalledTimes(5);
  });
});

describe('QueryEditor help, thresholds and checks', () => {
  it.each(Object.entries(QUERY_TYPE_HELP).filter(([t]) => t !== QueryType.Variable && t !== QueryType.Annotations))(
    'describes the %s query type in one line with a link to its docs',
    (queryType, help) => {
      setup({ refId: 'A', queryType: queryType as QueryType });
      expect(screen.getByText(help.description)).toBeInTheDocument();
      const link = screen.getByRole('link', { name: /Docs/ });
      expect(link).toHaveAttribute('href', help.docs);
      expect(help.docs).toMatch(
        /^https:\/\/github\.com\/dte-trust\/dte-trust\/blob\/main\/(README\.md|docs\/[a-z-]+\.md)#[a-z-]+$/
      );
    }
  );

  it('sets the drift share threshold of a drift query, and only of drift', async () => {
    const { last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Drift });
    const field = screen.getByLabelText('Drift share threshold');
    expect(field).toHaveAttribute('min', '0');
    expect(field).toHaveAttribute('max', '1');
    await user.type(field, '0.3');
    expect(last().driftShareThreshold).toBe(0.3);
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();
    await user.clear(field);
    expect(last().driftShareThreshold).toBeUndefined();

    await user.click(screen.getByLabelText('Query type'));
    await user.click(await screen.findByRole('option', { name: /Data quality/ }));
    expect(screen.queryByLabelText('Drift share threshold')).not.toBeInTheDocument();
  });

  it('shows the error the backend finds in a run filter once typing pauses', async () => {
    const { validate, user } = setup({ refId: 'A', queryType: QueryType.Runs });
    await user.type(screen.getByLabelText('Run filter'), 'metrics.a > 1 or metrics.b > 2');
    expect(
      await screen.findByText('OR is not supported by MLflow search filters: join clauses with AND')
    ).toBeInTheDocument();
    // debounced: one check of the whole text, not one per keystroke
    expect(validate).toHaveBeenCalledTimes(1);
    expect(validate).toHaveBeenCalledWith('runFilter', 'metrics.a > 1 or metrics.b > 2');

    await user.clear(screen.getByLabelText('Run filter'));
    await user.type(screen.getByLabelText('Run filter'), 'metrics.a > 1');
    await waitFor(() => expect(validate).toHaveBeenLastCalledWith('runFilter', 'metrics.a > 1'));
    expect(screen.queryByText(/OR is not supported/)).not.toBeInTheDocument();
  });

  it('checks the run filter of a saved accuracy query, but not one holding a dashboard variable', async () => {
    const { validate } = setup({ refId: 'A', queryType: QueryType.Accuracy, runFilter: 'params.a = $x' });
    // longer than the check's delay, inside act: the dropdowns settle their positions meanwhile
    await act(() => new Promise((r) => setTimeout(r, 500)));
    expect(validate).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Run filter')).toHaveValue('params.a = $x');
  });
});

describe('QueryEditor for evidence freshness', () => {
  it('narrows freshness to some dimensions with a staleness threshold, without a source', async () => {
    const { last, onRunQuery, user } = setup({ refId: 'A', queryType: QueryType.Accuracy });
    await user.click(screen.getByLabelText('Query type'));
    await user.click(await screen.findByRole('option', { name: /Evidence freshness/ }));
    expect(last().queryType).toBe(QueryType.Freshness);
    expect(screen.getByText(QUERY_TYPE_HELP[QueryType.Freshness].description)).toBeInTheDocument();
    expect(screen.queryByLabelText('Source')).not.toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Latest' })).toBeInTheDocument();

    const stale = screen.getByLabelText('Stale after');
    expect(stale).toHaveAttribute('placeholder', '30d');
    await user.type(stale, '7d');
    expect(last().staleAfter).toBe('7d');
    onRunQuery.mockClear();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();
    await user.clear(stale);
    expect(last().staleAfter).toBeUndefined();

    await user.click(screen.getByLabelText('Dimensions'));
    await user.click(await screen.findByRole('option', { name: 'fairness' }));
    expect(last().dimensions).toEqual(['fairness']);
    await user.click(await screen.findByRole('option', { name: 'drift' }));
    expect(last().dimensions).toEqual(['fairness', 'drift']);
  });
});
