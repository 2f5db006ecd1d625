import {
  AnnotationQuery,
  CoreApp,
  DataFrame,
  DataQueryRequest,
  DataSourceInstanceSettings,
  getDefaultTimeRange,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { AnnotationQueryEditor } from './components/AnnotationQueryEditor';
import {
  AnnotationKind,
  DEFAULT_QUERY,
  DteTrustOptions,
  LIST_FIELDS,
  OptionItem,
  OptionParams,
  QueryType,
  STRING_FIELDS,
  TrustQuery,
  ValidationKind,
  ValidationResult,
  VariableKind,
} from './types';
import { TrustVariableSupport } from './variables';

// Joins the values of a multi-value variable inside one list entry; split again right after.
const LIST_SEPARATOR = '\u001f';

export class DataSource extends DataSourceWithBackend<TrustQuery, DteTrustOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<DteTrustOptions>) {
    super(instanceSettings);
    this.variables = new TrustVariableSupport(this);
    // Annotation queries run on the backend like any other query, as queryType "annotations".
    this.annotations = {
      QueryEditor: AnnotationQueryEditor,
      getDefaultQuery: () => ({ queryType: QueryType.Annotations, annotation: AnnotationKind.ModelVersions }),
      prepareQuery: (anno: AnnotationQuery<TrustQuery>) => {
        const target = anno.target;
        return {
          ...target,
          refId: target?.refId || 'Anno',
          queryType: QueryType.Annotations,
          annotation: target?.annotation || AnnotationKind.ModelVersions,
        };
      },
    };
  }

  getDefaultQuery(_: CoreApp): Partial<TrustQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: TrustQuery): boolean {
    return !query.hide;
  }

  /**
   * Interpolates dashboard variables into every string and string-list field. In list fields a
   * multi-value variable becomes one entry per value, so `metrics: ['$metric']` with $metric =
   * {accuracy, f1} becomes `metrics: ['accuracy', 'f1']`.
   */
  applyTemplateVariables(query: TrustQuery, scopedVars: ScopedVars): TrustQuery {
    const out: TrustQuery = { ...query };
    for (const key of STRING_FIELDS) {
      const value = query[key];
      if (typeof value === 'string' && value !== '') {
        out[key] = this.interpolate(value, scopedVars);
      }
    }
    for (const key of LIST_FIELDS) {
      const values = query[key];
      if (Array.isArray(values)) {
        out[key] = this.interpolateList(values, scopedVars);
      }
    }
    return out;
  }

  /**
   * Answers a template-variable query on the backend (queryType "variable") and returns its
   * text/value rows.
   */
  async metricFindQuery(
    query: Partial<TrustQuery>,
    options?: LegacyMetricFindQueryOptions
  ): Promise<MetricFindValue[]> {
    const request = {
      targets: [{ ...query, refId: query.refId || 'variable', queryType: QueryType.Variable }],
      range: options?.range ?? getDefaultTimeRange(),
      scopedVars: options?.scopedVars ?? {},
      requestId: `dte-trust-variable-${Date.now()}`,
      interval: '1m',
      intervalMs: 60_000,
      timezone: 'browser',
      app: CoreApp.Unknown,
      startTime: Date.now(),
    } as DataQueryRequest<TrustQuery>;
    const response = await lastValueFrom(this.query(request));
    const error = response.errors?.[0];
    if (error) {
      throw new Error(error.message ?? 'variable query failed');
    }
    return framesToMetricFindValues(response.data as DataFrame[]);
  }

  /**
   * Loads dropdown options from the backend route GET /options/{kind}. Dashboard variables in the
   * filters are interpolated first, so a query editor on a `$model` dashboard lists that model's versions.
   */
  async getOptions(kind: VariableKind, params: OptionParams = {}): Promise<OptionItem[]> {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) {
      if (Array.isArray(value)) {
        const list = this.interpolateList(value, {});
        if (list.length > 0) {
          query[key] = list.join(',');
        }
      } else if (typeof value === 'string' && value.trim() !== '') {
        query[key] = this.interpolate(value, {});
      }
    }
    const items = await this.getResource<OptionItem[] | null>(`options/${kind}`, query);
    return (items ?? []).map((item) => ({
      text: String(item.text ?? item.value),
      value: String(item.value ?? item.text),
    }));
  }

  /**
   * Has the backend check a text with the parser that reads it when the query runs (POST
   * validate/{kind}): a run filter against MLflow's search grammar, policy rules YAML.
   */
  async validate(kind: ValidationKind, text: string): Promise<ValidationResult> {
    return this.postResource<ValidationResult>(`validate/${kind}`, { text });
  }

  private interpolate(value: string, scopedVars: ScopedVars): string {
    return getTemplateSrv().replace(value, scopedVars);
  }

  private interpolateList(values: string[], scopedVars: ScopedVars): string[] {
    const joinMulti = (value: unknown) => (Array.isArray(value) ? value.join(LIST_SEPARATOR) : String(value));
    const out: string[] = [];
    for (const entry of values) {
      for (const part of getTemplateSrv().replace(entry, scopedVars, joinMulti).split(LIST_SEPARATOR)) {
        const item = part.trim();
        if (item !== '' && !out.includes(item)) {
          out.push(item);
        }
      }
    }
    return out;
  }
}

/** Maps variable frames (fields `text` and `value`, else the first field) to MetricFindValue rows. */
export function framesToMetricFindValues(frames: DataFrame[]): MetricFindValue[] {
  const out: MetricFindValue[] = [];
  for (const frame of frames ?? []) {
    const text = frame.fields.find((f) => f.name === 'text') ?? frame.fields[0];
    const value = frame.fields.find((f) => f.name === 'value') ?? text;
    if (!text) {
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      const t = text.values[i];
      const v = value.values[i];
      out.push({ text: String(t ?? v), value: v ?? t });
    }
  }
  return out;
}
