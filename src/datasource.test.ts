import {
  AnnotationQuery,
  DataQueryRequest,
  DataSourceInstanceSettings,
  getDefaultTimeRange,
  ScopedVars,
  TypedVariableModel,
} from '@grafana/data';
import { BackendSrv, setBackendSrv, setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { lastValueFrom, of } from 'rxjs';

import { DataSource } from './datasource';
import { DteTrustOptions, Format, QueryType, TrustQuery, VariableKind } from './types';

/**
 * A template service that substitutes $name and ${name} the way Grafana's does: scoped variables
 * first, a multi-value variable passed to the format function as an array, and without a format
 * function joined as {a,b}.
 */
function fakeTemplateSrv(variables: Record<string, string | string[]>): TemplateSrv {
  return {
    getVariables: () => Object.keys(variables).map((name) => ({ name }) as TypedVariableModel),
    containsTemplate: (target?: string) => !!target && /\$/.test(target),
    updateTimeRange: () => {},
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) =>
      (target ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
        const name = (braced ?? bare)!;
        const value = scopedVars?.[name]?.value ?? variables[name];
        if (value === undefined) {
          return match;
        }
        if (typeof format === 'function') {
          return format(value);
        }
        return Array.isArray(value) ? `{${value.join(',')}}` : String(value);
      }),
  } as TemplateSrv;
}

const settings = {
  id: 1,
  uid: 'dte-trust',
  type: 'dte-trust-datasource',
  name: 'DTE Trust',
  access: 'proxy',
  jsonData: {},
  readOnly: false,
  meta: { id: 'dte-trust-datasource', name: 'DTE Trust', type: 'datasource', info: {} },
} as unknown as DataSourceInstanceSettings<DteTrustOptions>;

function request(targets: TrustQuery[]): DataQueryRequest<TrustQuery> {
  return {
    targets,
    range: getDefaultTimeRange(),
    scopedVars: {},
    requestId: 'test',
    interval: '1m',
    intervalMs: 60000,
    timezone: 'utc',
    app: 'dashboard',
    startTime: 0,
  } as DataQueryRequest<TrustQuery>;
}

interface FetchOptions {
  url: string;
  method: string;
  data?: { queries: TrustQuery[] };
  params?: Record<string, string>;
}

/**
 * A Grafana backend: POST /api/ds/query answers with the given per-refId results (as the Go plugin
 * does), GET resource calls with the given body.
 */
function fakeBackend(results: Record<string, unknown> = {}, resource: unknown = []) {
  const fetch = jest.fn((options: FetchOptions) =>
    of({
      data: options.method === 'GET' ? resource : { results },
      status: 200,
      ok: true,
      headers: new Headers(),
      url: options.url,
      type: 'basic',
      redirected: false,
    })
  );
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return { fetch };
}

const variableFrame = {
  schema: {
    name: 'options',
    fields: [
      { name: 'text', type: 'string' },
      { name: 'value', type: 'string' },
    ],
  },
  data: {
    values: [
      ['fraud-detector', 'churn'],
      ['fraud-detector', 'churn-v2'],
    ],
  },
};

describe('DataSource', () => {
  beforeEach(() => {
    setTemplateSrv(
      fakeTemplateSrv({ model: 'fraud-detector', metric: ['accuracy', 'f1'], experiment: ['train', 'eval'] })
    );
  });

  it('expands a multi-value variable into the metrics list', () => {
    const ds = new DataSource(settings);
    const out = ds.applyTemplateVariables(
      { refId: 'A', queryType: QueryType.Accuracy, metrics: ['$metric', 'roc_auc', 'f1'], limit: 5 },
      {}
    );
    expect(out.metrics).toEqual(['accuracy', 'f1', 'roc_auc']);
    expect(out.limit).toBe(5);
  });

  it('interpolates every string and list field and prefers scoped variables', () => {
    const ds = new DataSource(settings);
    const out = ds.applyTemplateVariables(
      {
        refId: 'A',
        queryType: QueryType.Runs,
        model: '$model',
        version: '${version}',
        runFilter: "tags.model = '$model'",
        experiments: ['${experiment}'],
        params: ['$metric'],
        rules: ['owner-$model'],
      },
      { version: { text: '3', value: '3' } }
    );
    expect(out).toMatchObject({
      model: 'fraud-detector',
      version: '3',
      runFilter: "tags.model = 'fraud-detector'",
      experiments: ['train', 'eval'],
      params: ['accuracy', 'f1'],
      rules: ['owner-fraud-detector'],
    });
  });

  it('skips hidden queries', () => {
    const ds = new DataSource(settings);
    expect(ds.filterQuery({ refId: 'A', queryType: QueryType.Drift, hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'B', queryType: QueryType.Drift })).toBe(true);
  });

  it('sends the interpolated query to the backend', async () => {
    const { fetch } = fakeBackend({ A: { frames: [] } });
    const ds = new DataSource(settings);
    await lastValueFrom(
      ds.query(request([{ refId: 'A', queryType: QueryType.Fairness, model: '$model', metrics: ['$metric'] }]))
    );
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0][0].url).toMatch(/^\/api\/ds\/query/);
    const sent = fetch.mock.calls[0][0].data!.queries;
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      refId: 'A',
      queryType: 'fairness',
      model: 'fraud-detector',
      metrics: ['accuracy', 'f1'],
    });
  });

  it('defaults new queries to the latest trust score, which needs no model and answers with any source', () => {
    const ds = new DataSource(settings);
    expect(ds.getDefaultQuery('dashboard' as never)).toEqual({ queryType: 'trust_score', format: Format.Latest });
  });

  it('has the backend check a text with POST validate/{kind}', async () => {
    const fetch = jest.fn((options: FetchOptions) =>
      of({
        data: { ok: false, error: 'clause 1: identifier "accuracy": write entity.key' },
        status: 200,
        ok: true,
        headers: new Headers(),
        url: options.url,
        type: 'basic',
        redirected: false,
      })
    );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const ds = new DataSource(settings);
    await expect(ds.validate('runFilter', 'accuracy > 0.9')).resolves.toEqual({
      ok: false,
      error: 'clause 1: identifier "accuracy": write entity.key',
    });
    const sent = fetch.mock.calls[0][0];
    expect(sent.method).toBe('POST');
    expect(sent.url).toMatch(/\/resources\/validate\/runFilter$/);
    expect(sent.data).toEqual({ text: 'accuracy > 0.9' });
  });

  it('answers a variable query from the backend frame text and value fields', async () => {
    const { fetch } = fakeBackend({ variable: { frames: [variableFrame] } });
    const ds = new DataSource(settings);
    const values = await ds.metricFindQuery({ variable: VariableKind.Versions, model: '$model' });
    expect(values).toEqual([
      { text: 'fraud-detector', value: 'fraud-detector' },
      { text: 'churn', value: 'churn-v2' },
    ]);
    expect(fetch.mock.calls[0][0].data!.queries[0]).toMatchObject({
      queryType: 'variable',
      variable: 'versions',
      model: 'fraud-detector',
    });
  });

  it('runs template variables through the variable support', async () => {
    fakeBackend({ A: { frames: [variableFrame] } });
    const ds = new DataSource(settings);
    const variables = ds.variables as unknown as {
      query: (r: DataQueryRequest<TrustQuery>) => ReturnType<DataSource['query']>;
    };
    const response = await lastValueFrom(
      variables.query(request([{ refId: 'A', queryType: QueryType.Variable, variable: VariableKind.Models }]))
    );
    expect(response.data.map((v: { text: string }) => v.text)).toEqual(['fraud-detector', 'churn']);
  });

  it('reports a variable query error instead of an empty list', async () => {
    fakeBackend({ variable: { error: 'mlflow registered-models/search: 401 Unauthorized', status: 500 } });
    const ds = new DataSource(settings);
    await expect(ds.metricFindQuery({ variable: VariableKind.Models })).rejects.toThrow(/401 Unauthorized/);
  });

  it('loads dropdown options from GET options/{kind} with interpolated filters', async () => {
    const { fetch } = fakeBackend({}, [{ text: 'v1 (production)', value: '1' }]);
    const ds = new DataSource(settings);
    const options = await ds.getOptions(VariableKind.Versions, {
      model: '$model',
      experiments: ['$experiment', 'extra'],
      project: '',
    });
    expect(options).toEqual([{ text: 'v1 (production)', value: '1' }]);
    const { url, method, params } = fetch.mock.calls[0][0];
    expect(method).toBe('GET');
    expect(url).toBe('/api/datasources/uid/dte-trust/resources/options/versions');
    expect(params).toEqual({ model: 'fraud-detector', experiments: 'train,eval,extra' });
  });

  it('turns annotation queries into backend queries of type annotations', () => {
    const ds = new DataSource(settings);
    const anno = {
      name: 'Releases',
      enable: true,
      iconColor: 'blue',
      target: { refId: '', model: 'churn' } as TrustQuery,
    } as AnnotationQuery<TrustQuery>;
    expect(ds.annotations?.prepareQuery?.(anno)).toEqual({
      refId: 'Anno',
      model: 'churn',
      queryType: 'annotations',
      annotation: 'model_versions',
    });
  });
});
