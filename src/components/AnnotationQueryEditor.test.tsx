import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import type { DataSource } from '../datasource';
import { AnnotationKind, QueryType, TrustQuery } from '../types';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ getVariables: () => [] }),
}));

describe('AnnotationQueryEditor', () => {
  it('marks drift detections of one model', async () => {
    const getOptions = jest.fn(async () => [{ text: 'churn', value: 'churn' }]);
    const onChange = jest.fn();
    const user = userEvent.setup({ delay: null });
    const { rerender } = render(
      <AnnotationQueryEditor
        query={undefined as unknown as TrustQuery}
        datasource={{ getOptions } as unknown as DataSource}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    expect(screen.getByLabelText('Events')).toHaveValue('Model versions registered');

    await user.click(screen.getByLabelText('Events'));
    await user.click(await screen.findByRole('option', { name: 'Drift detected' }));
    const chosen: TrustQuery = onChange.mock.calls[0][0];
    expect(chosen).toMatchObject({ queryType: QueryType.Annotations, annotation: AnnotationKind.Drift });

    rerender(
      <AnnotationQueryEditor
        query={chosen}
        datasource={{ getOptions } as unknown as DataSource}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    await user.click(screen.getByLabelText('Model'));
    await user.click(await screen.findByRole('option', { name: 'churn' }));
    expect(onChange.mock.calls[1][0]).toMatchObject({
      queryType: QueryType.Annotations,
      annotation: AnnotationKind.Drift,
      model: 'churn',
    });
  });
});

describe('AnnotationQueryEditor for evidence freshness', () => {
  it('marks evidence appearing and going stale after a chosen time', async () => {
    const onChange = jest.fn();
    const user = userEvent.setup({ delay: null });
    const datasource = { getOptions: jest.fn(async () => []) } as unknown as DataSource;
    const { rerender } = render(
      <AnnotationQueryEditor
        query={{ refId: 'Anno' }}
        datasource={datasource}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    expect(screen.queryByLabelText('Stale after')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Events'));
    await user.click(await screen.findByRole('option', { name: 'Evidence appeared or went stale' }));
    const chosen: TrustQuery = onChange.mock.calls[0][0];
    expect(chosen).toMatchObject({ queryType: QueryType.Annotations, annotation: AnnotationKind.Freshness });

    rerender(
      <AnnotationQueryEditor query={chosen} datasource={datasource} onChange={onChange} onRunQuery={() => {}} />
    );
    const stale = screen.getByLabelText('Stale after');
    expect(stale).toHaveAttribute('placeholder', '30d');
    await user.type(stale, '9');
    expect(onChange.mock.calls[onChange.mock.calls.length - 1][0]).toMatchObject({
      annotation: AnnotationKind.Freshness,
      staleAfter: '9',
    });
  });
});
