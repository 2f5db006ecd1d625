import { Combobox, ComboboxOption, InlineField, InlineLabel, Input, TagsInput } from '@grafana/ui';
import React, { ComponentProps, ReactNode } from 'react';

import type { DataSource } from '../../datasource';
import { LIST_FIELDS, OptionParams, STRING_FIELDS, TrustQuery, VariableKind } from '../../types';
import { OptionMultiSelect } from '../OptionMultiSelect';
import { OptionSelect } from '../OptionSelect';
import { editorContext } from './editorContext';

/** The query being edited, for the query fields inside an editor. */
export interface QueryFieldsEditor {
  query: TrustQuery;
  datasource: DataSource;
  /** Applies a change; run is false for typed text, which runs the query when it loses focus instead. */
  update: (patch: Partial<TrustQuery>, run?: boolean) => void;
  /** Runs the query; editors that run nothing themselves (variables, annotations) leave it out. */
  onRunQuery?: () => void;
}

const [EditorProvider, useQueryFields] = editorContext<QueryFieldsEditor>('query fields');
/** The query being edited, for the query fields. */
export { useQueryFields };

export function QueryFields({ editor, children }: { editor: QueryFieldsEditor; children: ReactNode }) {
  return <EditorProvider value={editor}>{children}</EditorProvider>;
}

type StringField = (typeof STRING_FIELDS)[number];
type ListField = (typeof LIST_FIELDS)[number];
type NumberField = {
  [K in keyof TrustQuery]-?: NonNullable<TrustQuery[K]> extends number ? K : never;
}[keyof TrustQuery];

/** The datasource, a query field's value and the change of it, as the fields' inputs take them. */
function useBoundField<K extends StringField | ListField>(field: K) {
  const { query, datasource, update } = useQueryFields();
  return { datasource, value: query[field], onChange: (value: TrustQuery[K]) => update({ [field]: value }) };
}

/** What every query field is given: its input's id, its label, the label's width and a tooltip. */
export interface QueryFieldProps {
  id: string;
  label: string;
  labelWidth: number;
  tooltip?: string;
}

interface ChoiceFieldProps<T extends string> extends QueryFieldProps {
  options: Array<ComboboxOption<T>>;
  value: T;
  width: number;
  onChange: (value: T) => void;
}

/** One of a fixed list (query type, variable kind, annotation kind); what it changes is the editor's. */
export function ChoiceField<T extends string>({
  id,
  label,
  labelWidth,
  tooltip,
  onChange,
  ...box
}: ChoiceFieldProps<T>) {
  return (
    <InlineField label={label} labelWidth={labelWidth} htmlFor={id} tooltip={tooltip}>
      <Combobox<T> id={id} {...box} onChange={(option) => onChange(option.value)} />
    </InlineField>
  );
}

interface OptionFieldProps extends QueryFieldProps {
  /** The query field the value goes to. */
  field: StringField;
  /** What the backend lists, narrowed by params. */
  kind: VariableKind;
  params?: OptionParams;
  width?: number;
}

/** One value of a query field, picked from the backend's options (or typed, or a dashboard variable); runs the query. */
export function OptionField({ id, label, labelWidth, tooltip, field, ...select }: OptionFieldProps) {
  const bound = useBoundField(field);
  return (
    <InlineField label={label} labelWidth={labelWidth} htmlFor={id} tooltip={tooltip}>
      <OptionSelect inputId={id} {...bound} {...select} />
    </InlineField>
  );
}

interface OptionsFieldProps extends Omit<OptionFieldProps, 'field' | 'width'> {
  field: ListField;
}

/**
 * Several values of a list query field, picked from the backend's options; runs the query. The
 * dropdown takes no input id, so `${id}-label` is the id of the label naming it.
 */
export function OptionsField({ id, label, labelWidth, tooltip, field, ...select }: OptionsFieldProps) {
  const bound = useBoundField(field);
  const labelId = `${id}-label`;
  return (
    <InlineField
      label={
        <InlineLabel id={labelId} width={labelWidth} tooltip={tooltip}>
          {label}
        </InlineLabel>
      }
    >
      <OptionMultiSelect labelId={labelId} {...bound} {...select} />
    </InlineField>
  );
}

type InputProps = Pick<ComponentProps<typeof Input>, 'placeholder' | 'width' | 'type' | 'min' | 'max' | 'step'>;

interface InputFieldProps<K extends StringField | NumberField> extends QueryFieldProps, InputProps {
  field: K;
  /** The query value of the typed text. */
  parse: (text: string) => TrustQuery[K];
  /** Marks the field invalid and is shown under it. */
  error?: string;
}

/** The typed text as it stands, empty included. */
export const asText = (text: string) => text;
/** The typed text, or no value for empty text. */
export const asTextOrUnset = (text: string) => text || undefined;
/** The typed number, or no value for empty text. */
export const asNumber = (text: string) => (text.trim() === '' ? undefined : Number(text));

/** A typed query field: every keystroke updates the query, which runs when the field loses focus. */
export function InputField<K extends StringField | NumberField>({
  id,
  label,
  labelWidth,
  tooltip,
  field,
  parse,
  error,
  ...input
}: InputFieldProps<K>) {
  const { query, update, onRunQuery } = useQueryFields();
  return (
    <InlineField label={label} labelWidth={labelWidth} htmlFor={id} tooltip={tooltip} invalid={!!error} error={error}>
      <Input
        id={id}
        value={query[field] ?? ''}
        onChange={(e) => update({ [field]: parse(e.currentTarget.value) }, false)}
        onBlur={onRunQuery}
        {...input}
      />
    </InlineField>
  );
}

interface TagsFieldProps extends QueryFieldProps {
  field: ListField;
  placeholder: string;
}

/** A list query field of free names (columns, order_by clauses), each entered with Enter; runs the query. */
export function TagsField({ id, label, labelWidth, tooltip, field, placeholder }: TagsFieldProps) {
  const { value, onChange } = useBoundField(field);
  return (
    <InlineField label={label} labelWidth={labelWidth} htmlFor={id} tooltip={tooltip}>
      <TagsInput id={id} tags={value ?? []} placeholder={placeholder} width={40} onChange={onChange} />
    </InlineField>
  );
}

/** What the model picker offers besides the model, each narrowed to the model chosen. */
const MODEL_PARTS = [
  { field: 'version', label: 'Version', kind: VariableKind.Versions, width: 16 },
  { field: 'alias', label: 'Alias', kind: VariableKind.Aliases, width: 20 },
] as const;

interface ModelPickerProps {
  /** The inputs' ids are `${idPrefix}-model`, `-version` and `-alias`. */
  idPrefix: string;
  labelWidth: number;
  tooltip?: string;
  /** Also pick a version and an alias of the model. */
  withVersion?: boolean;
}

/** The model a query, variable or annotation is for, and optionally its version and alias. */
export function ModelPicker({ idPrefix, labelWidth, tooltip, withVersion = false }: ModelPickerProps) {
  const { query } = useQueryFields();
  const ofModel = { model: query.model };
  return (
    <>
      <OptionField
        id={`${idPrefix}-model`}
        label="Model"
        labelWidth={labelWidth}
        tooltip={tooltip}
        field="model"
        kind={VariableKind.Models}
      />
      {withVersion &&
        MODEL_PARTS.map(({ field, ...part }) => (
          <OptionField
            key={field}
            id={`${idPrefix}-${field}`}
            labelWidth={10}
            field={field}
            params={ofModel}
            {...part}
          />
        ))}
    </>
  );
}
