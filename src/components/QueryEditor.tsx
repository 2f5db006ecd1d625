import { QueryEditorProps, SelectableValue } from '@grafana/data';
import {
  Combobox,
  ComboboxOption,
  InlineField,
  InlineFieldRow,
  InlineLabel,
  InlineSwitch,
  Input,
  RadioButtonGroup,
  TagsInput,
} from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import {
  DEFAULT_DIFFERENCE_MAX,
  DEFAULT_RATIO_MIN,
  DteTrustOptions,
  Format,
  QueryType,
  Source,
  TrustQuery,
  VariableKind,
} from '../types';
import { OptionMultiSelect } from './OptionMultiSelect';
import { OptionSelect } from './OptionSelect';

type Props = QueryEditorProps<DataSource, TrustQuery, DteTrustOptions>;

const LABEL_WIDTH = 18;

const QUERY_TYPE_OPTIONS: Array<ComboboxOption<QueryType>> = [
  { label: 'Accuracy', value: QueryType.Accuracy, description: 'Model quality metrics from MLflow runs and Evidently' },
  { label: 'Drift', value: QueryType.Drift, description: 'Dataset and feature drift from Evidently' },
  { label: 'Fairness', value: QueryType.Fairness, description: 'Group metrics and disparities from fairness results' },
  {
    label: 'Compliance',
    value: QueryType.Compliance,
    description: 'Policy rules evaluated over evidence and metadata',
  },
  { label: 'Trust score', value: QueryType.TrustScore, description: 'One score per model across the dimensions' },
  { label: 'Data quality', value: QueryType.Quality, description: 'Evidently data quality and test results' },
  { label: 'Runs', value: QueryType.Runs, description: 'MLflow runs as a table' },
  { label: 'Models', value: QueryType.Models, description: 'Registered models, versions, aliases and stages' },
];

const FORMAT_OPTIONS: Array<SelectableValue<Format>> = [
  { label: 'Time series', value: Format.Timeseries, description: 'History, one series per label set' },
  { label: 'Latest', value: Format.Latest, description: 'Latest value per label set; for stats and alert rules' },
  { label: 'Table', value: Format.Table, description: 'Evidence rows with thresholds, status and links' },
];

const SOURCE_OPTIONS: Array<ComboboxOption<string>> = [
  { label: 'MLflow', value: Source.MLflow },
  { label: 'Evidently', value: Source.Evidently },
  { label: 'Fairlearn', value: Source.Fairlearn },
  { label: 'Policy', value: Source.Policy },
];

const DIMENSION_TYPES: QueryType[] = [
  QueryType.Accuracy,
  QueryType.Drift,
  QueryType.Quality,
  QueryType.Fairness,
  QueryType.Compliance,
  QueryType.TrustScore,
];

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType = query.queryType ?? QueryType.Accuracy;
  const isDimension = DIMENSION_TYPES.includes(queryType);

  // Dropdowns, switches and radios run the query at once; text inputs run it when they lose focus.
  const set = (patch: Partial<TrustQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text));

  const modelFilter = { model: query.model };
  const modelFields = (
    <>
      <InlineField label="Model" labelWidth={LABEL_WIDTH} htmlFor="query-model">
        <OptionSelect
          inputId="query-model"
          datasource={datasource}
          kind={VariableKind.Models}
          value={query.model}
          onChange={(model) => set({ model })}
        />
      </InlineField>
      {queryType !== QueryType.Models && (
        <>
          <InlineField label="Version" labelWidth={10} htmlFor="query-version">
            <OptionSelect
              inputId="query-version"
              datasource={datasource}
              kind={VariableKind.Versions}
              params={modelFilter}
              value={query.version}
              width={16}
              onChange={(version) => set({ version })}
            />
          </InlineField>
          <InlineField label="Alias" labelWidth={10} htmlFor="query-alias">
            <OptionSelect
              inputId="query-alias"
              datasource={datasource}
              kind={VariableKind.Aliases}
              params={modelFilter}
              value={query.alias}
              width={20}
              onChange={(alias) => set({ alias })}
            />
          </InlineField>
        </>
      )}
    </>
  );

  const experimentsField = (
    <InlineField
      label={
        <InlineLabel id="query-experiments-label" width={LABEL_WIDTH}>
          Experiments
        </InlineLabel>
      }
    >
      <OptionMultiSelect
        labelId="query-experiments-label"
        datasource={datasource}
        kind={VariableKind.Experiments}
        value={query.experiments}
        onChange={(experiments) => set({ experiments })}
      />
    </InlineField>
  );

  const metricsField = (
    <InlineField
      label={
        <InlineLabel id="query-metrics-label" width={LABEL_WIDTH} tooltip="Metric names to keep; empty keeps all">
          Metrics
        </InlineLabel>
      }
    >
      <OptionMultiSelect
        labelId="query-metrics-label"
        datasource={datasource}
        kind={VariableKind.Metrics}
        params={{ model: query.model, experiments: query.experiments, source: query.source }}
        value={query.metrics}
        onChange={(metrics) => set({ metrics })}
      />
    </InlineField>
  );

  const runFilterField = (
    <InlineField
      label="Run filter"
      labelWidth={LABEL_WIDTH}
      htmlFor="query-run-filter"
      tooltip="MLflow search filter, e.g. params.model_type = 'xgb' and metrics.auc > 0.8"
    >
      <Input
        id="query-run-filter"
        value={query.runFilter ?? ''}
        placeholder="params.model_type = 'xgb'"
        width={60}
        onChange={(e) => set({ runFilter: e.currentTarget.value }, false)}
        onBlur={onRunQuery}
      />
    </InlineField>
  );

  const limitField = (
    <InlineField
      label="Limit"
      labelWidth={10}
      htmlFor="query-limit"
      tooltip={queryType === QueryType.Runs ? 'Max runs; empty or 0 returns all' : 'Max runs; default 100'}
    >
      <Input
        id="query-limit"
        type="number"
        min={0}
        value={query.limit ?? ''}
        placeholder={queryType === QueryType.Runs ? 'all' : '100'}
        width={10}
        onChange={(e) => set({ limit: numberOrUndefined(e.currentTarget.value) }, false)}
        onBlur={onRunQuery}
      />
    </InlineField>
  );

  // Evidently file sources only: the backend reads `path` from the raw query (pkg/source/evidently).
  const pathField = (
    <InlineField
      label="Evidently path"
      labelWidth={LABEL_WIDTH}
      htmlFor="query-path"
      tooltip="Narrows Evidently exports to a file or directory relative to a configured Evidently path or workspace (no absolute paths, no ..). Empty reads them all."
    >
      <Input
        id="query-path"
        value={query.path ?? ''}
        placeholder="project-a/snapshots"
        width={40}
        onChange={(e) => set({ path: e.currentTarget.value || undefined }, false)}
        onBlur={onRunQuery}
      />
    </InlineField>
  );

  return (
    <>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL_WIDTH} htmlFor="query-type">
          <Combobox<QueryType>
            id="query-type"
            options={QUERY_TYPE_OPTIONS}
            value={queryType}
            width={24}
            onChange={(v) => set({ queryType: v.value, format: query.format ?? Format.Timeseries })}
          />
        </InlineField>
        {isDimension && (
          <InlineField label="Format" labelWidth={10}>
            <RadioButtonGroup<Format>
              options={FORMAT_OPTIONS}
              value={query.format ?? Format.Timeseries}
              onChange={(format) => set({ format })}
            />
          </InlineField>
        )}
        {isDimension && (
          <InlineField label="Source" labelWidth={10} htmlFor="query-source">
            <Combobox<string>
              id="query-source"
              options={SOURCE_OPTIONS}
              value={query.source ?? null}
              placeholder="All sources"
              isClearable
              width={18}
              onChange={(v) => set({ source: v?.value || undefined })}
            />
          </InlineField>
        )}
      </InlineFieldRow>

      <InlineFieldRow>{modelFields}</InlineFieldRow>

      {queryType === QueryType.Accuracy && (
        <>
          <InlineFieldRow>{experimentsField}</InlineFieldRow>
          <InlineFieldRow>{metricsField}</InlineFieldRow>
          <InlineFieldRow>
            {runFilterField}
            {limitField}
            <InlineField
              label="History"
              labelWidth={10}
              htmlFor="query-history"
              tooltip="Full metric history, or only each run's latest values"
            >
              <InlineSwitch
                id="query-history"
                value={query.history ?? true}
                onChange={(e) => set({ history: e.currentTarget.checked })}
              />
            </InlineField>
          </InlineFieldRow>
          {(query.source === Source.Evidently || query.path) && <InlineFieldRow>{pathField}</InlineFieldRow>}
        </>
      )}

      {queryType === QueryType.Runs && (
        <>
          <InlineFieldRow>{experimentsField}</InlineFieldRow>
          <InlineFieldRow>
            {runFilterField}
            {limitField}
          </InlineFieldRow>
          <InlineFieldRow>{metricsField}</InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Params" labelWidth={LABEL_WIDTH} htmlFor="query-params" tooltip="Param columns">
              <TagsInput
                id="query-params"
                tags={query.params ?? []}
                placeholder="param name, Enter"
                width={40}
                onChange={(params) => set({ params })}
              />
            </InlineField>
            <InlineField label="Tags" labelWidth={10} htmlFor="query-tags" tooltip="Tag columns">
              <TagsInput
                id="query-tags"
                tags={query.tags ?? []}
                placeholder="tag name, Enter"
                width={40}
                onChange={(tags) => set({ tags })}
              />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField
              label="Order by"
              labelWidth={LABEL_WIDTH}
              htmlFor="query-order-by"
              tooltip="MLflow order_by clauses, e.g. metrics.f1 DESC"
            >
              <TagsInput
                id="query-order-by"
                tags={query.orderBy ?? []}
                placeholder="attributes.start_time DESC, Enter"
                width={40}
                onChange={(orderBy) => set({ orderBy })}
              />
            </InlineField>
          </InlineFieldRow>
        </>
      )}

      {(queryType === QueryType.Drift || queryType === QueryType.Quality) && (
        <>
          <InlineFieldRow>
            <InlineField label="Project" labelWidth={LABEL_WIDTH} htmlFor="query-project" tooltip="Evidently project">
              <OptionSelect
                inputId="query-project"
                datasource={datasource}
                kind={VariableKind.Projects}
                value={query.project}
                onChange={(project) => set({ project })}
              />
            </InlineField>
            {queryType === QueryType.Drift && (
              <InlineField label="Feature" labelWidth={10} htmlFor="query-feature" tooltip="Data column">
                <OptionSelect
                  inputId="query-feature"
                  datasource={datasource}
                  kind={VariableKind.Features}
                  params={{ model: query.model, project: query.project }}
                  value={query.feature}
                  onChange={(feature) => set({ feature })}
                />
              </InlineField>
            )}
          </InlineFieldRow>
          <InlineFieldRow>{metricsField}</InlineFieldRow>
          <InlineFieldRow>{pathField}</InlineFieldRow>
        </>
      )}

      {queryType === QueryType.Fairness && (
        <>
          <InlineFieldRow>
            <InlineField label="Sensitive feature" labelWidth={LABEL_WIDTH} htmlFor="query-sensitive-feature">
              <OptionSelect
                inputId="query-sensitive-feature"
                datasource={datasource}
                kind={VariableKind.SensitiveFeatures}
                params={modelFilter}
                value={query.sensitiveFeature}
                onChange={(sensitiveFeature) => set({ sensitiveFeature })}
              />
            </InlineField>
            <InlineField label="Group" labelWidth={10} htmlFor="query-group">
              <OptionSelect
                inputId="query-group"
                datasource={datasource}
                kind={VariableKind.Groups}
                params={{ model: query.model, sensitiveFeature: query.sensitiveFeature }}
                value={query.group}
                onChange={(group) => set({ group })}
              />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>{metricsField}</InlineFieldRow>
          <InlineFieldRow>
            <InlineField
              label="Max difference"
              labelWidth={LABEL_WIDTH}
              htmlFor="query-difference-max"
              tooltip="A between-group difference above this fails (e.g. demographic parity difference)"
            >
              <Input
                id="query-difference-max"
                type="number"
                step={0.01}
                min={0}
                value={query.differenceMax ?? ''}
                placeholder={String(DEFAULT_DIFFERENCE_MAX)}
                width={10}
                onChange={(e) => set({ differenceMax: numberOrUndefined(e.currentTarget.value) }, false)}
                onBlur={onRunQuery}
              />
            </InlineField>
            <InlineField
              label="Min ratio"
              labelWidth={12}
              htmlFor="query-ratio-min"
              tooltip="A between-group ratio below this fails; 0.8 is the four-fifths rule"
            >
              <Input
                id="query-ratio-min"
                type="number"
                step={0.01}
                min={0}
                max={1}
                value={query.ratioMin ?? ''}
                placeholder={String(DEFAULT_RATIO_MIN)}
                width={10}
                onChange={(e) => set({ ratioMin: numberOrUndefined(e.currentTarget.value) }, false)}
                onBlur={onRunQuery}
              />
            </InlineField>
          </InlineFieldRow>
        </>
      )}

      {queryType === QueryType.Compliance && (
        <InlineFieldRow>
          <InlineField
            label={
              <InlineLabel
                id="query-rules-label"
                width={LABEL_WIDTH}
                tooltip="Rule ids to evaluate; empty evaluates all"
              >
                Rules
              </InlineLabel>
            }
          >
            <OptionMultiSelect
              labelId="query-rules-label"
              datasource={datasource}
              kind={VariableKind.Rules}
              params={modelFilter}
              value={query.rules}
              onChange={(rules) => set({ rules })}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {queryType === QueryType.TrustScore && <InlineFieldRow>{metricsField}</InlineFieldRow>}
    </>
  );
}
