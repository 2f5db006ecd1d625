import { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { ComboboxOption, InlineFieldRow } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { AnnotationKind, DEFAULT_STALE_AFTER, DteTrustOptions, QueryType, TrustQuery } from '../types';
import { asTextOrUnset, ChoiceField, InputField, ModelPicker, QueryFields } from './fields/queryFields';

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
  { label: 'Evidence appeared or went stale', value: AnnotationKind.Freshness },
];

/** Annotation editor: which events to mark on the time axis, optionally for one model. */
export function AnnotationQueryEditor({ query: stored, onChange, datasource }: Props) {
  // A new annotation has no target yet.
  const query: TrustQuery = stored ?? { refId: 'Anno' };
  const kind = query.annotation ?? AnnotationKind.ModelVersions;
  const update = (patch: Partial<TrustQuery>) =>
    onChange({ ...query, ...patch, queryType: QueryType.Annotations, annotation: patch.annotation ?? kind });

  return (
    <QueryFields editor={{ query, datasource, update }}>
      <InlineFieldRow>
        <ChoiceField<AnnotationKind>
          id="annotation-kind"
          label="Events"
          labelWidth={LABEL_WIDTH}
          options={ANNOTATION_KIND_OPTIONS}
          value={kind}
          width={34}
          onChange={(annotation) => update({ annotation })}
        />
        <ModelPicker idPrefix="annotation" labelWidth={10} tooltip="Empty marks every model" />
      </InlineFieldRow>
      {kind === AnnotationKind.Freshness && (
        <InlineFieldRow>
          <InputField
            id="annotation-stale-after"
            label="Stale after"
            labelWidth={LABEL_WIDTH}
            tooltip="Evidence goes stale when nothing newer came within this long: 30d, 12h, 1w"
            field="staleAfter"
            parse={asTextOrUnset}
            placeholder={DEFAULT_STALE_AFTER}
            width={10}
          />
        </InlineFieldRow>
      )}
    </QueryFields>
  );
}
