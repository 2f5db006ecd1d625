import { QueryEditorProps } from '@grafana/data';
import { Combobox, ComboboxOption, InlineField, InlineFieldRow, InlineLabel } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { DteTrustOptions, QueryType, TrustQuery, VariableKind } from '../types';
import { OptionMultiSelect } from './OptionMultiSelect';
import { OptionSelect } from './OptionSelect';

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
    <>
      <InlineFieldRow>
        <InlineField label="List" labelWidth={LABEL_WIDTH} htmlFor="variable-kind">
          <Combobox<VariableKind>
            id="variable-kind"
            options={VARIABLE_KIND_OPTIONS}
            value={kind}
            width={30}
            onChange={(v) => update({ variable: v.value })}
          />
        </InlineField>
      </InlineFieldRow>
      {MODEL_FILTERED.includes(kind) && (
        <InlineFieldRow>
          <InlineField
            label="Model"
            labelWidth={LABEL_WIDTH}
            htmlFor="variable-model"
            tooltip="Narrow to one model; another variable such as $model works too"
          >
            <OptionSelect
              inputId="variable-model"
              datasource={datasource}
              kind={VariableKind.Models}
              value={query.model}
              onChange={(model) => update({ model })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {kind === VariableKind.Metrics && (
        <InlineFieldRow>
          <InlineField
            label={
              <InlineLabel id="variable-experiments-label" width={LABEL_WIDTH}>
                Experiments
              </InlineLabel>
            }
          >
            <OptionMultiSelect
              labelId="variable-experiments-label"
              datasource={datasource}
              kind={VariableKind.Experiments}
              value={query.experiments}
              onChange={(experiments) => update({ experiments })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {kind === VariableKind.Features && (
        <InlineFieldRow>
          <InlineField label="Project" labelWidth={LABEL_WIDTH} htmlFor="variable-project">
            <OptionSelect
              inputId="variable-project"
              datasource={datasource}
              kind={VariableKind.Projects}
              value={query.project}
              onChange={(project) => update({ project })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {kind === VariableKind.Groups && (
        <InlineFieldRow>
          <InlineField label="Sensitive feature" labelWidth={LABEL_WIDTH} htmlFor="variable-sensitive-feature">
            <OptionSelect
              inputId="variable-sensitive-feature"
              datasource={datasource}
              kind={VariableKind.SensitiveFeatures}
              params={{ model: query.model }}
              value={query.sensitiveFeature}
              onChange={(sensitiveFeature) => update({ sensitiveFeature })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </>
  );
}
