import { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { Combobox, ComboboxOption, InlineField, InlineFieldRow } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { AnnotationKind, DteTrustOptions, QueryType, TrustQuery, VariableKind } from '../types';
import { OptionSelect } from './OptionSelect';

type Props = QueryEditorProps<DataSource, TrustQuery, DteTrustOptions> & {
  annotation?: AnnotationQuery<TrustQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<TrustQuery>) => void;
};

const LABEL_WIDTH = 20;

export const ANNOTATION_KIND_OPTIONS: Array<ComboboxOption<AnnotationKind>> = [
  { label: 'Model versions registered', value: AnnotationKind.ModelVersions },
  { label: 'Stage or alias changes', value: AnnotationKind.Stages },
  { label: 'Drift detected', value: AnnotationKind.Drift },
  { label: 'Fairness threshold breached', value: AnnotationKind.Fairness },
  { label: 'Compliance rule failed', value: AnnotationKind.Compliance },
];

/** Annotation editor: which events to mark on the time axis, optionally for one model. */
export function AnnotationQueryEditor({ query: stored, onChange, datasource }: Props) {
  // A new annotation has no target yet.
  const query: TrustQuery = stored ?? { refId: 'Anno' };
  const kind = query.annotation ?? AnnotationKind.ModelVersions;
  const update = (patch: Partial<TrustQuery>) =>
    onChange({ ...query, ...patch, queryType: QueryType.Annotations, annotation: patch.annotation ?? kind });

  return (
    <InlineFieldRow>
      <InlineField label="Events" labelWidth={LABEL_WIDTH} htmlFor="annotation-kind">
        <Combobox<AnnotationKind>
          id="annotation-kind"
          options={ANNOTATION_KIND_OPTIONS}
          value={kind}
          width={34}
          onChange={(v) => update({ annotation: v.value })}
        />
      </InlineField>
      <InlineField label="Model" labelWidth={10} htmlFor="annotation-model" tooltip="Empty marks every model">
        <OptionSelect
          inputId="annotation-model"
          datasource={datasource}
          kind={VariableKind.Models}
          value={query.model}
          onChange={(model) => update({ model })}
        />
      </InlineField>
    </InlineFieldRow>
  );
}
