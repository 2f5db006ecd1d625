import { QueryEditorProps } from '@grafana/data';
import { ComboboxOption, InlineFieldRow } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { DteTrustOptions, QueryType, TrustQuery, VariableKind } from '../types';
import { ChoiceField, ModelPicker, OptionField, OptionsField, QueryFields } from './fields/queryFields';

type Props = QueryEditorProps<DataSource, TrustQuery, DteTrustOptions, TrustQuery>;

const LABEL_WIDTH = 20;

export const VARIABLE_KIND_OPTIONS: Array<ComboboxOption<VariableKind>> = [
  { label: 'Models', value: VariableKind.Models, description: 'Registered model names' },
  { label: 'Versions', value: VariableKind.Versions, description: 'Versions of a model' },
  { label: 'Aliases', value: VariableKind.Aliases, description: 'Aliases of a model' },
  { label: 'Experiments', value: VariableKind.Experiments, description: 'MLflow experiment names' },
  { label: 'Metrics', value: VariableKind.Metrics, description: 'Metric names, optionally of some experiments' },
  { label: 'Projects', value: VariableKind.Projects, description: 'Evidently projects' },
  { label: 'Features', value: VariableKind.Features, description: 'Data columns in drift reports' },
  { label: 'Sensitive features', value: VariableKind.SensitiveFeatures, description: 'Fairness sensitive features' },
  { label: 'Groups', value: VariableKind.Groups, description: 'Groups of a sensitive feature' },
  { label: 'Rules', value: VariableKind.Rules, description: 'Compliance rule ids' },
];

// Which filters narrow each kind (the backend reads the same query fields).
const MODEL_FILTERED: VariableKind[] = [
  VariableKind.Versions,
  VariableKind.Aliases,
  VariableKind.Metrics,
  VariableKind.Features,
  VariableKind.SensitiveFeatures,
  VariableKind.Groups,
];

/** Template variable editor: the variable kind and, for some kinds, the model or experiments it lists for. */
export function VariableQueryEditor({ query: stored, onChange, datasource }: Props) {
  // A variable saved by hand or by an older editor may hold no query object at all.
  const query: TrustQuery = stored && typeof stored === 'object' ? stored : { refId: 'variable' };
  const kind = query.variable ?? VariableKind.Models;
  const update = (patch: Partial<TrustQuery>) =>
    onChange({ ...query, ...patch, queryType: QueryType.Variable, variable: patch.variable ?? kind });

  return (
    <QueryFields editor={{ query, datasource, update }}>
      <InlineFieldRow>
        <ChoiceField<VariableKind>
          id="variable-kind"
          label="List"
          labelWidth={LABEL_WIDTH}
          options={VARIABLE_KIND_OPTIONS}
          value={kind}
          width={30}
          onChange={(variable) => update({ variable })}
        />
      </InlineFieldRow>
      {MODEL_FILTERED.includes(kind) && (
        <InlineFieldRow>
          <ModelPicker
            idPrefix="variable"
            labelWidth={LABEL_WIDTH}
            tooltip="Narrow to one model; another variable such as $model works too"
          />
        </InlineFieldRow>
      )}
      {kind === VariableKind.Metrics && (
        <InlineFieldRow>
          <OptionsField
            id="variable-experiments"
            label="Experiments"
            labelWidth={LABEL_WIDTH}
            field="experiments"
            kind={VariableKind.Experiments}
          />
        </InlineFieldRow>
      )}
      {kind === VariableKind.Features && (
        <InlineFieldRow>
          <OptionField
            id="variable-project"
            label="Project"
            labelWidth={LABEL_WIDTH}
            field="project"
            kind={VariableKind.Projects}
          />
        </InlineFieldRow>
      )}
      {kind === VariableKind.Groups && (
        <InlineFieldRow>
          <OptionField
            id="variable-sensitive-feature"
            label="Sensitive feature"
            labelWidth={LABEL_WIDTH}
            field="sensitiveFeature"
            kind={VariableKind.SensitiveFeatures}
            params={{ model: query.model }}
          />
        </InlineFieldRow>
      )}
    </QueryFields>
  );
}
