import { QueryEditorProps, SelectableValue } from '@grafana/data';
import {
  Combobox,
  ComboboxOption,
  InlineField,
  InlineLabel,
  InlineFieldRow,
  InlineSwitch,
  MultiCombobox,
  RadioButtonGroup,
  Stack,
  Text,
  TextLink,
} from '@grafana/ui';
import React, { ComponentType } from 'react';

import type { DataSource } from '../datasource';
import {
  DEFAULT_DIFFERENCE_MAX,
  DEFAULT_RATIO_MIN,
  DEFAULT_STALE_AFTER,
  DteTrustOptions,
  EVIDENCE_DIMENSIONS,
  Format,
  QUERY_TYPE_HELP,
  QueryType,
  Source,
  TrustQuery,
  VariableKind,
} from '../types';
import {
  asNumber,
  asText,
  asTextOrUnset,
  ChoiceField,
  InputField,
  ModelPicker,
  OptionField,
  OptionsField,
  QueryFields,
  TagsField,
  useQueryFields,
} from './fields/queryFields';
import { useBackendCheck } from './useBackendCheck';

type Props = QueryEditorProps<DataSource, TrustQuery, DteTrustOptions>;

const LABEL_WIDTH = 18;

const QUERY_TYPE_LABELS: Array<[QueryType, string]> = [
  [QueryType.Accuracy, 'Accuracy'],
  [QueryType.Drift, 'Drift'],
  [QueryType.Fairness, 'Fairness'],
  [QueryType.Compliance, 'Compliance'],
  [QueryType.TrustScore, 'Trust score'],
  [QueryType.Freshness, 'Evidence freshness'],
  [QueryType.Quality, 'Data quality'],
  [QueryType.Explainability, 'Explainability'],
  [QueryType.Runs, 'Runs'],
  [QueryType.Models, 'Models'],
];

const QUERY_TYPE_OPTIONS: Array<ComboboxOption<QueryType>> = QUERY_TYPE_LABELS.map(([value, label]) => ({
  label,
  value,
  description: QUERY_TYPE_HELP[value].description,
}));

/** MLflow registry stages; others can be typed. */
const STAGE_OPTIONS: Array<ComboboxOption<string>> = ['Production', 'Staging', 'Archived', 'None'].map((s) => ({
  label: s,
  value: s,
}));

const FORMAT_OPTIONS: Array<SelectableValue<Format>> = [
  { label: 'Time series', value: Format.Timeseries, description: 'History, one series per label set' },
  { label: 'Latest', value: Format.Latest, description: 'Latest value per label set; for stats and alert rules' },
  { label: 'Table', value: Format.Table, description: 'Evidence rows with thresholds, status and links' },
];

const SOURCE_OPTIONS: Array<ComboboxOption<string>> = [
  { label: 'MLflow', value: Source.MLflow },
  { label: 'Evidently', value: Source.Evidently },
  { label: 'Fairlearn', value: Source.Fairlearn },
  { label: 'Great Expectations', value: Source.GreatExpectations },
  { label: 'Policy', value: Source.Policy },
  { label: 'SHAP', value: Source.Shap },
];

const DIMENSION_TYPES: QueryType[] = [
  QueryType.Accuracy,
  QueryType.Drift,
  QueryType.Quality,
  QueryType.Explainability,
  QueryType.Fairness,
  QueryType.Compliance,
  QueryType.TrustScore,
  QueryType.Freshness,
];

/** Dimension types computed by the policy source from the others' evidence: no source to narrow to. */
const NO_SOURCE_TYPES: QueryType[] = [QueryType.Freshness];

const EVIDENCE_DIMENSION_OPTIONS: Array<ComboboxOption<string>> = EVIDENCE_DIMENSIONS.map((d) => ({
  label: d,
  value: d,
}));

// Fields more than one query type shows.

function ExperimentsField() {
  return (
    <OptionsField
      id="query-experiments"
      label="Experiments"
      labelWidth={LABEL_WIDTH}
      field="experiments"
      kind={VariableKind.Experiments}
    />
  );
}

function MetricsField() {
  const { query } = useQueryFields();
  return (
    <OptionsField
      id="query-metrics"
      label="Metrics"
      labelWidth={LABEL_WIDTH}
      tooltip="Metric names to keep; empty keeps all"
      field="metrics"
      kind={VariableKind.Metrics}
      params={{ model: query.model, experiments: query.experiments, source: query.source }}
    />
  );
}

/**
 * MLflow run filter and the number of runs searched (accuracy) or listed (runs). The backend checks
 * the filter against MLflow's search grammar while it is typed.
 */
function RunFields() {
  const { query, datasource } = useQueryFields();
  const runs = query.queryType === QueryType.Runs;
  const filterError = useBackendCheck((text) => datasource.validate('runFilter', text), query.runFilter);
  return (
    <>
      <InputField
        id="query-run-filter"
        label="Run filter"
        labelWidth={LABEL_WIDTH}
        tooltip="MLflow search filter: clauses joined by AND (no OR), e.g. params.model_type = 'xgb' and metrics.auc > 0.8"
        field="runFilter"
        parse={asText}
        placeholder="params.model_type = 'xgb'"
        width={60}
        error={filterError}
      />
      <InputField
        id="query-limit"
        label="Limit"
        labelWidth={10}
        tooltip={runs ? 'Max runs; empty or 0 returns all' : 'Max runs; default 100'}
        field="limit"
        parse={asNumber}
        type="number"
        min={0}
        placeholder={runs ? 'all' : '100'}
        width={10}
      />
    </>
  );
}

/** Evidently file sources only: the backend reads `path` from the raw query (pkg/source/evidently). */
function EvidentlyPathField() {
  return (
    <InputField
      id="query-path"
      label="Evidently path"
      labelWidth={LABEL_WIDTH}
      tooltip="Narrows Evidently exports to a file or directory relative to a configured Evidently path or workspace (no absolute paths, no ..). Empty reads them all."
      field="path"
      parse={asTextOrUnset}
      placeholder="project-a/snapshots"
      width={40}
    />
  );
}

// The fields of each query type, under the model.

function AccuracyFields() {
  const { query, update } = useQueryFields();
  return (
    <>
      <InlineFieldRow>
        <ExperimentsField />
      </InlineFieldRow>
      <InlineFieldRow>
        <MetricsField />
      </InlineFieldRow>
      <InlineFieldRow>
        <RunFields />
        <InlineField
          label="History"
          labelWidth={10}
          htmlFor="query-history"
          tooltip="Full metric history, or only each run's latest values"
        >
          <InlineSwitch
            id="query-history"
            value={query.history ?? true}
            onChange={(e) => update({ history: e.currentTarget.checked })}
          />
        </InlineField>
      </InlineFieldRow>
      {(query.source === Source.Evidently || query.path) && (
        <InlineFieldRow>
          <EvidentlyPathField />
        </InlineFieldRow>
      )}
    </>
  );
}

function RunsFields() {
  return (
    <>
      <InlineFieldRow>
        <ExperimentsField />
      </InlineFieldRow>
      <InlineFieldRow>
        <RunFields />
      </InlineFieldRow>
      <InlineFieldRow>
        <MetricsField />
      </InlineFieldRow>
      <InlineFieldRow>
        <TagsField
          id="query-params"
          label="Params"
          labelWidth={LABEL_WIDTH}
          tooltip="Param columns"
          field="params"
          placeholder="param name, Enter"
        />
        <TagsField
          id="query-tags"
          label="Tags"
          labelWidth={10}
          tooltip="Tag columns"
          field="tags"
          placeholder="tag name, Enter"
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <TagsField
          id="query-order-by"
          label="Order by"
          labelWidth={LABEL_WIDTH}
          tooltip="MLflow order_by clauses, e.g. metrics.f1 DESC"
          field="orderBy"
          placeholder="attributes.start_time DESC, Enter"
        />
      </InlineFieldRow>
    </>
  );
}

/** Drift and data quality: an Evidently project and, for drift, a data column. */
function EvidentlyFields() {
  const { query } = useQueryFields();
  return (
    <>
      <InlineFieldRow>
        <OptionField
          id="query-project"
          label="Project"
          labelWidth={LABEL_WIDTH}
          tooltip="Evidently project"
          field="project"
          kind={VariableKind.Projects}
        />
        {query.queryType === QueryType.Drift && (
          <OptionField
            id="query-feature"
            label="Feature"
            labelWidth={10}
            tooltip="Data column"
            field="feature"
            kind={VariableKind.Features}
            params={{ model: query.model, project: query.project }}
          />
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <MetricsField />
      </InlineFieldRow>
      {query.queryType === QueryType.Drift && (
        <InlineFieldRow>
          <InputField
            id="query-drift-share-threshold"
            label="Drift share threshold"
            labelWidth={LABEL_WIDTH}
            tooltip="Dataset drift when this share (0 to 1) of columns drifted; sets the threshold and status of drift_share and decides dataset_drift. Empty keeps each report's own drift_share parameter (Evidently's default 0.5)."
            field="driftShareThreshold"
            parse={asNumber}
            type="number"
            step={0.05}
            min={0}
            max={1}
            placeholder="report's"
            width={12}
          />
        </InlineFieldRow>
      )}
      <InlineFieldRow>
        <EvidentlyPathField />
      </InlineFieldRow>
    </>
  );
}

function FairnessFields() {
  const { query } = useQueryFields();
  return (
    <>
      <InlineFieldRow>
        <OptionField
          id="query-sensitive-feature"
          label="Sensitive feature"
          labelWidth={LABEL_WIDTH}
          field="sensitiveFeature"
          kind={VariableKind.SensitiveFeatures}
          params={{ model: query.model }}
        />
        <OptionField
          id="query-group"
          label="Group"
          labelWidth={10}
          field="group"
          kind={VariableKind.Groups}
          params={{ model: query.model, sensitiveFeature: query.sensitiveFeature }}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <MetricsField />
      </InlineFieldRow>
      <InlineFieldRow>
        <InputField
          id="query-difference-max"
          label="Max difference"
          labelWidth={LABEL_WIDTH}
          tooltip="A between-group difference above this fails (e.g. demographic parity difference)"
          field="differenceMax"
          parse={asNumber}
          type="number"
          step={0.01}
          min={0}
          placeholder={String(DEFAULT_DIFFERENCE_MAX)}
          width={10}
        />
        <InputField
          id="query-ratio-min"
          label="Min ratio"
          labelWidth={12}
          tooltip="A between-group ratio below this fails; 0.8 is the four-fifths rule"
          field="ratioMin"
          parse={asNumber}
          type="number"
          step={0.01}
          min={0}
          max={1}
          placeholder={String(DEFAULT_RATIO_MIN)}
          width={10}
        />
      </InlineFieldRow>
    </>
  );
}

function ExplainabilityFields() {
  const { query } = useQueryFields();
  return (
    <>
      <InlineFieldRow>
        <OptionField
          id="query-shap-feature"
          label="Feature"
          labelWidth={LABEL_WIDTH}
          tooltip="Model input feature; empty keeps all"
          field="feature"
          kind={VariableKind.Features}
          params={{ model: query.model, source: Source.Shap }}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <OptionField
          id="query-shap-sensitive-feature"
          label="Sensitive feature"
          labelWidth={LABEL_WIDTH}
          tooltip="Attribution within the groups of this feature; empty shows the overall attribution"
          field="sensitiveFeature"
          kind={VariableKind.SensitiveFeatures}
          params={{ model: query.model, source: Source.Shap }}
        />
        <OptionField
          id="query-shap-group"
          label="Group"
          labelWidth={10}
          field="group"
          kind={VariableKind.Groups}
          params={{ model: query.model, sensitiveFeature: query.sensitiveFeature, source: Source.Shap }}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <MetricsField />
      </InlineFieldRow>
    </>
  );
}

function ComplianceFields() {
  const { query } = useQueryFields();
  return (
    <InlineFieldRow>
      <OptionsField
        id="query-rules"
        label="Rules"
        labelWidth={LABEL_WIDTH}
        tooltip="Rule ids to evaluate; empty evaluates all"
        field="rules"
        kind={VariableKind.Rules}
        params={{ model: query.model }}
      />
    </InlineFieldRow>
  );
}

/** Models: the registry's versions narrowed to an alias and a stage. */
function ModelsFields() {
  const { query, update } = useQueryFields();
  return (
    <InlineFieldRow>
      <OptionField
        id="query-alias"
        label="Alias"
        labelWidth={LABEL_WIDTH}
        tooltip="Only the version this alias points to"
        field="alias"
        kind={VariableKind.Aliases}
        params={{ model: query.model }}
      />
      <InlineField label="Stage" labelWidth={10} htmlFor="query-stage" tooltip="Only versions in this registry stage">
        <Combobox<string>
          id="query-stage"
          options={STAGE_OPTIONS}
          value={query.stage ?? null}
          placeholder="Any stage"
          isClearable
          createCustomValue
          width={20}
          onChange={(v) => update({ stage: v?.value || undefined })}
        />
      </InlineField>
    </InlineFieldRow>
  );
}

function TrustScoreFields() {
  return (
    <InlineFieldRow>
      <MetricsField />
    </InlineFieldRow>
  );
}

/** Freshness: which evidence dimensions, and how old evidence may be before it is stale. */
function FreshnessFields() {
  const { query, update } = useQueryFields();
  return (
    <InlineFieldRow>
      <InlineField
        label={
          <InlineLabel
            id="query-dimensions-label"
            htmlFor="query-dimensions"
            width={LABEL_WIDTH}
            tooltip="Evidence dimensions to report; empty reports every dimension a configured source serves"
          >
            Dimensions
          </InlineLabel>
        }
      >
        {/* Grafana 13's MultiCombobox takes the input id, 12's only aria-labelledby: both are given. */}
        <MultiCombobox<string>
          id="query-dimensions"
          aria-labelledby="query-dimensions-label"
          options={EVIDENCE_DIMENSION_OPTIONS}
          value={(query.dimensions ?? []).map((d) => ({ label: d, value: d }))}
          isClearable
          placeholder="all"
          width={40}
          onChange={(items: Array<ComboboxOption<string>>) =>
            update({ dimensions: items.length > 0 ? items.map((i) => i.value) : undefined })
          }
        />
      </InlineField>
      <InputField
        id="query-stale-after"
        label="Stale after"
        labelWidth={12}
        tooltip="How old the newest evidence may be and still count as present (evidence_present 1): 30d, 12h, 1w. Sets the threshold and status of evidence_age_seconds."
        field="staleAfter"
        parse={asTextOrUnset}
        placeholder={DEFAULT_STALE_AFTER}
        width={10}
      />
    </InlineFieldRow>
  );
}

/** What each query type shows besides its type, format, source and model. */
const TYPE_FIELDS: Partial<Record<QueryType, ComponentType>> = {
  [QueryType.Accuracy]: AccuracyFields,
  [QueryType.Runs]: RunsFields,
  [QueryType.Models]: ModelsFields,
  [QueryType.Drift]: EvidentlyFields,
  [QueryType.Quality]: EvidentlyFields,
  [QueryType.Fairness]: FairnessFields,
  [QueryType.Explainability]: ExplainabilityFields,
  [QueryType.Compliance]: ComplianceFields,
  [QueryType.TrustScore]: TrustScoreFields,
  [QueryType.Freshness]: FreshnessFields,
};

/** One line on what the query type returns, and where it is documented. */
function QueryTypeHelp({ queryType }: { queryType: QueryType }) {
  const help = QUERY_TYPE_HELP[queryType];
  return (
    <Stack direction="row" gap={1} alignItems="baseline">
      <Text color="secondary" variant="bodySmall">
        {help.description}
      </Text>
      <TextLink href={help.docs} external variant="bodySmall">
        Docs
      </TextLink>
    </Stack>
  );
}

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType = query.queryType ?? QueryType.Accuracy;
  const isDimension = DIMENSION_TYPES.includes(queryType);
  const TypeFields = TYPE_FIELDS[queryType];

  // Dropdowns, switches and radios run the query at once; text inputs run it when they lose focus.
  const set = (patch: Partial<TrustQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  return (
    <QueryFields editor={{ query, datasource, update: set, onRunQuery }}>
      <InlineFieldRow>
        <ChoiceField<QueryType>
          id="query-type"
          label="Query type"
          labelWidth={LABEL_WIDTH}
          options={QUERY_TYPE_OPTIONS}
          value={queryType}
          width={24}
          onChange={(v) => set({ queryType: v, format: query.format ?? Format.Timeseries })}
        />
        {isDimension && (
          <InlineField label="Format" labelWidth={10}>
            <RadioButtonGroup<Format>
              options={FORMAT_OPTIONS}
              value={query.format ?? Format.Timeseries}
              onChange={(format) => set({ format })}
            />
          </InlineField>
        )}
        {isDimension && !NO_SOURCE_TYPES.includes(queryType) && (
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
      <QueryTypeHelp queryType={queryType} />

      <InlineFieldRow>
        <ModelPicker idPrefix="query" labelWidth={LABEL_WIDTH} withVersion={queryType !== QueryType.Models} />
      </InlineFieldRow>

      {TypeFields && <TypeFields />}
    </QueryFields>
  );
}
