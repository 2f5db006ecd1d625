import { DataSourceSettings } from '@grafana/data';
import { BackendSrv, BackendSrvRequest, setBackendSrv } from '@grafana/runtime';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';
import { of } from 'rxjs';

import { DteTrustOptions, DteTrustSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<DteTrustOptions, DteTrustSecureJsonData>;

function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'dte-trust',
    orgId: 1,
    name: 'DTE Trust',
    type: 'dte-trust-datasource',
    typeName: 'DTE Trust',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    ...overrides,
  } as Settings;
}

/** Renders the editor the way Grafana does: it owns the settings and feeds every change back. */
function setup(initial: Settings) {
  const onOptionsChange = jest.fn();
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onOptionsChange(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Host />);
  const last = (): Settings => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { onOptionsChange, last, user: userEvent.setup({ delay: null }) };
}

describe('ConfigEditor', () => {
  it('stores the typed MLflow URL in jsonData', async () => {
    const { last, user } = setup(settings());
    await user.type(screen.getByLabelText('Tracking URL'), 'http://mlflow:5000');
    expect(last().jsonData.mlflowUrl).toBe('http://mlflow:5000');
    expect(screen.queryByText(/without the \/api/)).not.toBeInTheDocument();
  });

  it('warns when the MLflow URL carries the API suffix', () => {
    setup(settings({ jsonData: { mlflowUrl: 'http://mlflow:5000/api/2.0/mlflow' } }));
    expect(screen.getByText(/without the \/api\/2.0\/mlflow suffix/)).toBeInTheDocument();
  });

  it('shows user and password only for basic auth and keeps the password out of jsonData', async () => {
    const { last, user } = setup(settings());
    expect(screen.queryByLabelText('User')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();

    await user.click(screen.getByRole('radio', { name: 'Basic' }));
    expect(last().jsonData.mlflowAuth).toBe('basic');

    await user.type(screen.getByLabelText('User'), 'admin');
    await user.type(screen.getByLabelText('Password'), 's3cret');

    const saved = last();
    expect(saved.jsonData.mlflowUser).toBe('admin');
    expect(saved.secureJsonData?.mlflowPassword).toBe('s3cret');
    expect(JSON.stringify(saved.jsonData)).not.toContain('s3cret');
    expect(screen.queryByLabelText('Token')).not.toBeInTheDocument();
  });

  it('takes a bearer token (Databricks) as a secret', async () => {
    const { last, user } = setup(settings());
    await user.click(screen.getByRole('radio', { name: 'Bearer token' }));
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Token'), 'dapi123');
    expect(last().jsonData.mlflowAuth).toBe('bearer');
    expect(last().secureJsonData?.mlflowToken).toBe('dapi123');
    expect(JSON.stringify(last().jsonData)).not.toContain('dapi123');
  });

  it('resets a configured secret so a new one can be entered', async () => {
    const { last, user } = setup(
      settings({ jsonData: { mlflowAuth: 'bearer' }, secureJsonFields: { mlflowToken: true } })
    );
    const token = screen.getByLabelText('Token');
    expect(token).toBeDisabled();
    expect(token).toHaveValue('configured');

    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.mlflowToken).toBe(false);
    expect(last().secureJsonData?.mlflowToken).toBe('');

    const fresh = screen.getByLabelText('Token');
    expect(fresh).toBeEnabled();
    await user.type(fresh, 'new-token');
    expect(last().secureJsonData?.mlflowToken).toBe('new-token');
  });

  it('takes a custom CA certificate as a secret once enabled', async () => {
    const { last, user } = setup(settings());
    expect(screen.queryByLabelText('CA cert')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('With CA cert'));
    expect(last().jsonData.tlsAuthWithCACert).toBe(true);
    await user.type(screen.getByLabelText('CA cert'), '-----BEGIN CERTIFICATE-----');
    expect(last().secureJsonData?.tlsCACert).toBe('-----BEGIN CERTIFICATE-----');
    expect(JSON.stringify(last().jsonData)).not.toContain('BEGIN CERTIFICATE');
  });

  it('stores extra header names in jsonData and their values as secrets', async () => {
    const { last, user } = setup(settings());
    await user.click(screen.getByRole('button', { name: 'Add header' }));
    await user.type(screen.getByLabelText('Header 1'), 'X-Api-Key');
    await user.type(screen.getByLabelText('Value'), 'k-123');
    expect(last().jsonData.httpHeaderName1).toBe('X-Api-Key');
    expect(last().secureJsonData?.httpHeaderValue1).toBe('k-123');
    expect(JSON.stringify(last().jsonData)).not.toContain('k-123');

    await user.click(screen.getByRole('button', { name: 'Add header' }));
    expect(screen.getByLabelText('Header 2')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Remove header 1' }));
    expect(last().jsonData).not.toHaveProperty('httpHeaderName1');
    expect(last().secureJsonData?.httpHeaderValue1).toBe('');
    expect(screen.queryByLabelText('Header 1')).not.toBeInTheDocument();
  });

  it('stores Evidently paths one per line as a list', async () => {
    const { last, user } = setup(settings());
    const paths = screen.getByLabelText('Export paths');
    await user.type(paths, '/data/reports{Enter}{Enter}  /data/more.json  ');
    await user.tab();
    expect(last().jsonData.evidentlyPaths).toEqual(['/data/reports', '/data/more.json']);
  });

  it('stores the Evidently UI secret and the policy rules where the backend reads them', async () => {
    const { last, user } = setup(settings());
    await user.type(screen.getByLabelText('UI secret'), 'evi');
    expect(last().secureJsonData?.evidentlyUiSecret).toBe('evi');
    await user.type(screen.getByLabelText('Max file size (MB)'), '128');
    expect(last().jsonData.evidentlyMaxFileMB).toBe(128);
    await user.type(screen.getByLabelText('Policy rules (YAML)'), 'rules: [[]');
    expect(last().jsonData.policyRules).toBe('rules: []');
  });

  it('shows the error the backend finds in the policy rules being typed', async () => {
    const fetch = jest.fn((options: BackendSrvRequest) =>
      of({
        data: String(options.data.text).includes('1 +')
          ? { ok: false, error: 'rule bad: ERROR: <input>:1:4: Syntax error' }
          : { ok: true },
        status: 200,
        ok: true,
        headers: new Headers(),
        url: options.url,
        type: 'basic',
        redirected: false,
      })
    );
    setBackendSrv({ fetch } as unknown as BackendSrv);
    const { user } = setup(settings({ jsonData: { policyRules: '- id: bad\n  expr: "1 +"\n' } }));
    expect(await screen.findByText('rule bad: ERROR: <input>:1:4: Syntax error')).toBeInTheDocument();
    const sent = fetch.mock.calls[0][0];
    expect(sent).toMatchObject({
      method: 'POST',
      url: '/api/datasources/uid/dte-trust/resources/validate/rules',
      data: { text: '- id: bad\n  expr: "1 +"\n' },
      showErrorAlert: false,
    });

    await user.clear(screen.getByLabelText('Policy rules (YAML)'));
    await user.type(screen.getByLabelText('Policy rules (YAML)'), '- id: ok{enter}  expr: "true"');
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    expect(fetch.mock.calls[1][0].data).toEqual({ text: '- id: ok\n  expr: "true"' });
    expect(screen.queryByText(/Syntax error/)).not.toBeInTheDocument();
  });

  describe('TLS', () => {
    it('takes the client certificate and key as secrets and the server name as jsonData', async () => {
      const { last, user } = setup(settings());
      expect(screen.queryByLabelText('Client cert')).not.toBeInTheDocument();
      await user.click(screen.getByLabelText('With client cert'));
      expect(last().jsonData.tlsAuth).toBe(true);

      await user.click(screen.getByLabelText('Client cert'));
      await user.paste('-----BEGIN CERTIFICATE-----client');
      await user.click(screen.getByLabelText('Client key'));
      await user.paste('-----BEGIN PRIVATE KEY-----k3y');
      await user.type(screen.getByLabelText('Server name'), 'mlflow.internal');

      const saved = last();
      expect(saved.secureJsonData?.tlsClientCert).toBe('-----BEGIN CERTIFICATE-----client');
      expect(saved.secureJsonData?.tlsClientKey).toBe('-----BEGIN PRIVATE KEY-----k3y');
      expect(saved.jsonData.serverName).toBe('mlflow.internal');
      expect(JSON.stringify(saved.jsonData)).not.toContain('BEGIN');
      expect(JSON.stringify(saved.jsonData)).not.toContain('k3y');
    });

    it('resets a configured client key', async () => {
      const { last, user } = setup(settings({ jsonData: { tlsAuth: true }, secureJsonFields: { tlsClientKey: true } }));
      expect(screen.getByLabelText('Client key')).toBeDisabled();
      await user.click(screen.getByRole('button', { name: 'Reset' }));
      expect(last().secureJsonFields.tlsClientKey).toBe(false);
      expect(last().secureJsonData?.tlsClientKey).toBe('');
      expect(screen.getByLabelText('Client key')).toBeEnabled();
    });
  });

  describe('Evidently MLflow artifacts', () => {
    it('stores runs and experiments as lists and max runs as a whole number', async () => {
      const { last, user } = setup(settings());
      await user.type(screen.getByLabelText('MLflow runs'), 'abc123{Enter}def456');
      await user.type(screen.getByLabelText('MLflow experiments'), 'monitoring');
      await user.type(screen.getByLabelText('MLflow artifact path'), 'evidently');
      await user.type(screen.getByLabelText('MLflow max runs'), '20');
      await user.tab();

      const saved = last().jsonData;
      expect(saved.evidentlyMlflowRuns).toEqual(['abc123', 'def456']);
      expect(saved.evidentlyMlflowExperiments).toEqual(['monitoring']);
      expect(saved.evidentlyMlflowArtifactPath).toBe('evidently');
      expect(saved.evidentlyMlflowMaxRuns).toBe(20);
    });

    it('stores the cache settings, 0 turning the cache off, and refuses a negative time', async () => {
      const { last, user } = setup(settings());
      await user.type(screen.getByLabelText('Cache (seconds)'), '0');
      expect(last().jsonData.cacheSeconds).toBe(0);
      await user.type(screen.getByLabelText('Cache size (MB)'), '128');
      expect(last().jsonData.cacheMaxMB).toBe(128);
      await user.clear(screen.getByLabelText('Cache (seconds)'));
      await user.type(screen.getByLabelText('Cache (seconds)'), '-5');
      expect(screen.getByText(/Enter 0 or a number above it/)).toBeInTheDocument();
      expect(last().jsonData.cacheSeconds).toBeUndefined();
    });

    it('stores the answer size limit as a number and the allowed hosts as a list', async () => {
      const { last, user } = setup(settings());
      await user.type(screen.getByLabelText('Max answer size (MB)'), '16');
      expect(last().jsonData.maxResponseMB).toBe(16);
      await user.type(screen.getByLabelText('Allowed hosts'), 'mlflow.internal:5000{Enter}*.example.org');
      await user.tab(); // a list is stored when the field loses focus
      expect(last().jsonData.allowedHosts).toEqual(['mlflow.internal:5000', '*.example.org']);
    });

    it('refuses a fraction for a whole-number setting', async () => {
      const { onOptionsChange, user } = setup(settings({ jsonData: { evidentlyMlflowMaxRuns: 50 } }));
      const maxRuns = screen.getByLabelText('MLflow max runs');
      await user.clear(maxRuns);
      await user.type(maxRuns, '2.5');
      expect(screen.getByText(/Enter a whole number/)).toBeInTheDocument();
      const stored = onOptionsChange.mock.calls.map((c) => c[0].jsonData.evidentlyMlflowMaxRuns);
      expect(stored).not.toContain(2.5);
    });
  });

  describe('Fairlearn', () => {
    it('stores the CSV column mapping as an object, not a string', async () => {
      const { last, user } = setup(settings());
      await user.click(screen.getByLabelText('CSV column mapping'));
      await user.paste('{"files": "summaries/*.csv", "sensitive_features": ["sex"], "metrics": {"accuracy": "Acc"}}');
      await user.tab();
      expect(last().jsonData.fairlearnCsvColumns).toEqual({
        files: 'summaries/*.csv',
        sensitive_features: ['sex'],
        metrics: { accuracy: 'Acc' },
      });
    });

    it('shows an error for a mapping the backend would reject and keeps it out of jsonData', async () => {
      const { onOptionsChange, user } = setup(settings());
      await user.click(screen.getByLabelText('CSV column mapping'));
      await user.paste('{"sensitive_features": "sex"}');
      await user.tab();
      expect(screen.getByText(/sensitive_features must be a list of column names/)).toBeInTheDocument();
      expect(onOptionsChange).not.toHaveBeenCalled();
    });

    it('turns MLflow reading off as a boolean and stores artifact dirs and key patterns', async () => {
      const { last, user } = setup(settings());
      const fromMlflow = screen.getByLabelText('Read from MLflow');
      expect(fromMlflow).toBeChecked();
      await user.click(fromMlflow);
      expect(last().jsonData.fairlearnMlflow).toBe(false);

      await user.type(screen.getByLabelText('MLflow artifact dirs'), 'fair');
      await user.tab();
      expect(last().jsonData.fairlearnArtifactPaths).toEqual(['fair']);

      await user.click(screen.getByLabelText('Overall key pattern'));
      await user.paste('^overall_(?P<metric>.+)$');
      expect(last().jsonData.fairlearnOverallKeyPattern).toBe('^overall_(?P<metric>.+)$');
      expect(screen.queryByText(/Lacks the named group/)).not.toBeInTheDocument();
    });

    it('flags a key pattern without its required named groups', () => {
      setup(settings({ jsonData: { fairlearnDisparityKeyPattern: '^fairness_(.+)$' } }));
      expect(screen.getByText('Lacks the named group (?P<metric>...)')).toBeInTheDocument();
    });
  });

  describe('Great Expectations', () => {
    it('stores result paths and artifact dirs as lists and MLflow reading as a boolean', async () => {
      const { last, user } = setup(settings());
      await user.type(screen.getByLabelText('GX result paths'), '/data/gx');
      await user.tab();
      expect(last().jsonData.gxPaths).toEqual(['/data/gx']);
      await user.type(screen.getByLabelText('GX artifact dirs'), 'validations');
      await user.tab();
      expect(last().jsonData.gxArtifactPaths).toEqual(['validations']);
      const fromMlflow = screen.getByLabelText('Read GX results from MLflow');
      expect(fromMlflow).toBeChecked();
      await user.click(fromMlflow);
      expect(last().jsonData.gxMlflow).toBe(false);
    });
  });

  describe('Compliance', () => {
    it('stores the policy limits as numbers and the weights as an object', async () => {
      const { last, user } = setup(settings());
      await user.type(screen.getByLabelText('Evidence max age (days)'), '90');
      await user.type(screen.getByLabelText('Max model versions'), '25');
      await user.type(screen.getByLabelText('Rule cost limit'), '5000');
      await user.click(screen.getByLabelText('Trust score weights'));
      await user.paste('{"fairness": 2, "drift": 0.5}');
      await user.tab();

      const saved = last().jsonData;
      expect(saved.policyEvidenceDays).toBe(90);
      expect(saved.policyMaxModelVersions).toBe(25);
      expect(saved.policyCostLimit).toBe(5000);
      expect(saved.trustScoreWeights).toEqual({ fairness: 2, drift: 0.5 });
    });

    it('refuses weights for an unknown dimension', async () => {
      const { onOptionsChange, user } = setup(settings({ jsonData: { trustScoreWeights: { fairness: 2 } } }));
      const weights = screen.getByLabelText('Trust score weights');
      await user.clear(weights);
      await user.click(weights);
      await user.paste('{"speed": 1}');
      await user.tab();
      expect(screen.getByText(/unknown dimension "speed"/)).toBeInTheDocument();
      const stored = onOptionsChange.mock.calls.map((c) => c[0].jsonData.trustScoreWeights);
      expect(stored).not.toContainEqual({ speed: 1 });
    });
  });
});
