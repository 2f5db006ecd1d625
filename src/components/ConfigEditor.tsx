import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import {
  FieldSet,
  InlineField,
  InlineSwitch,
  Input,
  RadioButtonGroup,
  SecretInput,
  SecretTextArea,
  TextArea,
} from '@grafana/ui';
import React from 'react';

import { DteTrustOptions, DteTrustSecureJsonData, MLflowAuth } from '../types';
import { HeadersEditor } from './HeadersEditor';
import { LinesInput } from './LinesInput';

type Props = DataSourcePluginOptionsEditorProps<DteTrustOptions, DteTrustSecureJsonData>;
type SecretKey = 'mlflowPassword' | 'mlflowToken' | 'tlsCACert' | 'evidentlyUiSecret';

const LABEL_WIDTH = 26;
const WIDTH = 50;

const AUTH_OPTIONS: Array<{ label: string; value: MLflowAuth; description: string }> = [
  { label: 'None', value: 'none', description: 'No authentication' },
  { label: 'Basic', value: 'basic', description: 'User and password (mlflow server --app-name basic-auth)' },
  { label: 'Bearer token', value: 'bearer', description: 'Access token, e.g. a Databricks personal access token' },
];

export function ConfigEditor(props: Props) {
  const { options, onOptionsChange } = props;
  const { jsonData } = options;
  const secureJsonFields = options.secureJsonFields ?? {};
  const secureJsonData = options.secureJsonData ?? {};
  const auth: MLflowAuth = jsonData.mlflowAuth ?? 'none';

  const setJson = <K extends keyof DteTrustOptions>(key: K, value: DteTrustOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value } });

  // Secrets go to secureJsonData only; Grafana encrypts them and never sends them back, it only
  // reports in secureJsonFields that they are set.
  const setSecret = (key: SecretKey, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } });

  const resetSecret = (key: SecretKey) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });

  const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text));

  const urlError =
    jsonData.mlflowUrl && /\/api(\/|$)/.test(jsonData.mlflowUrl)
      ? 'Use the server base URL, without the /api/2.0/mlflow suffix'
      : undefined;

  return (
    <>
      <FieldSet label="MLflow">
        <InlineField
          label="Tracking URL"
          labelWidth={LABEL_WIDTH}
          htmlFor="mlflow-url"
          tooltip="Base URL of the MLflow tracking server or Databricks workspace, e.g. http://mlflow:5000"
          invalid={!!urlError}
          error={urlError}
        >
          <Input
            id="mlflow-url"
            value={jsonData.mlflowUrl ?? ''}
            placeholder="http://localhost:5000"
            width={WIDTH}
            onChange={(e) => setJson('mlflowUrl', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField
          label="UI URL for links"
          labelWidth={LABEL_WIDTH}
          htmlFor="mlflow-ui-url"
          tooltip="Base URL of the MLflow UI in evidence links, when browsers reach MLflow at another address than Grafana does. Empty uses the tracking URL."
        >
          <Input
            id="mlflow-ui-url"
            value={jsonData.mlflowUiUrl ?? ''}
            width={WIDTH}
            onChange={(e) => setJson('mlflowUiUrl', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField
          label="Authentication"
          labelWidth={LABEL_WIDTH}
          tooltip="Databricks-hosted MLflow: bearer token with a personal access token"
        >
          <RadioButtonGroup<MLflowAuth>
            options={AUTH_OPTIONS}
            value={auth}
            onChange={(v) => setJson('mlflowAuth', v)}
          />
        </InlineField>
        {auth === 'basic' && (
          <>
            <InlineField label="User" labelWidth={LABEL_WIDTH} htmlFor="mlflow-user">
              <Input
                id="mlflow-user"
                value={jsonData.mlflowUser ?? ''}
                width={WIDTH}
                onChange={(e) => setJson('mlflowUser', e.currentTarget.value)}
              />
            </InlineField>
            <InlineField label="Password" labelWidth={LABEL_WIDTH} htmlFor="mlflow-password">
              <SecretInput
                id="mlflow-password"
                isConfigured={Boolean(secureJsonFields.mlflowPassword)}
                value={secureJsonData.mlflowPassword ?? ''}
                width={WIDTH}
                onReset={() => resetSecret('mlflowPassword')}
                onChange={(e) => setSecret('mlflowPassword', e.currentTarget.value)}
              />
            </InlineField>
          </>
        )}
        {auth === 'bearer' && (
          <InlineField label="Token" labelWidth={LABEL_WIDTH} htmlFor="mlflow-token">
            <SecretInput
              id="mlflow-token"
              isConfigured={Boolean(secureJsonFields.mlflowToken)}
              value={secureJsonData.mlflowToken ?? ''}
              width={WIDTH}
              onReset={() => resetSecret('mlflowToken')}
              onChange={(e) => setSecret('mlflowToken', e.currentTarget.value)}
            />
          </InlineField>
        )}
        <InlineField
          label="Default model"
          labelWidth={LABEL_WIDTH}
          htmlFor="default-model"
          tooltip="Registered model used by queries that name none"
        >
          <Input
            id="default-model"
            value={jsonData.defaultModel ?? ''}
            width={WIDTH}
            onChange={(e) => setJson('defaultModel', e.currentTarget.value)}
          />
        </InlineField>
      </FieldSet>

      <FieldSet label="Connection">
        <InlineField
          label="Skip TLS verify"
          labelWidth={LABEL_WIDTH}
          htmlFor="tls-skip-verify"
          tooltip="Accept any server certificate. Only for testing."
        >
          <InlineSwitch
            id="tls-skip-verify"
            value={jsonData.tlsSkipVerify ?? false}
            onChange={(e) => setJson('tlsSkipVerify', e.currentTarget.checked)}
          />
        </InlineField>
        <InlineField
          label="With CA cert"
          labelWidth={LABEL_WIDTH}
          htmlFor="tls-ca-enabled"
          tooltip="Verify servers against a custom certificate authority"
        >
          <InlineSwitch
            id="tls-ca-enabled"
            value={jsonData.tlsAuthWithCACert ?? false}
            onChange={(e) => setJson('tlsAuthWithCACert', e.currentTarget.checked)}
          />
        </InlineField>
        {jsonData.tlsAuthWithCACert && (
          <InlineField label="CA cert" labelWidth={LABEL_WIDTH} htmlFor="tls-ca-cert">
            <SecretTextArea
              id="tls-ca-cert"
              isConfigured={Boolean(secureJsonFields.tlsCACert)}
              value={secureJsonData.tlsCACert ?? ''}
              placeholder="-----BEGIN CERTIFICATE-----"
              cols={60}
              rows={6}
              onReset={() => resetSecret('tlsCACert')}
              onChange={(e) => setSecret('tlsCACert', e.currentTarget.value)}
            />
          </InlineField>
        )}
        <InlineField
          label="Timeout (seconds)"
          labelWidth={LABEL_WIDTH}
          htmlFor="timeout-seconds"
          tooltip="Limit for one query or health check"
        >
          <Input
            id="timeout-seconds"
            type="number"
            min={1}
            value={jsonData.timeoutSeconds ?? ''}
            placeholder="30"
            width={12}
            onChange={(e) => setJson('timeoutSeconds', numberOrUndefined(e.currentTarget.value))}
          />
        </InlineField>
        <InlineField
          label="Max concurrent requests"
          labelWidth={LABEL_WIDTH}
          htmlFor="mlflow-max-concurrency"
          tooltip="Requests in flight toward MLflow"
        >
          <Input
            id="mlflow-max-concurrency"
            type="number"
            min={1}
            value={jsonData.mlflowMaxConcurrency ?? ''}
            placeholder="4"
            width={12}
            onChange={(e) => setJson('mlflowMaxConcurrency', numberOrUndefined(e.currentTarget.value))}
          />
        </InlineField>
      </FieldSet>

      <FieldSet label="MLflow HTTP headers">
        <HeadersEditor {...props} />
      </FieldSet>

      <FieldSet label="Evidently">
        <InlineField
          label="Export paths"
          labelWidth={LABEL_WIDTH}
          htmlFor="evidently-paths"
          tooltip="Directories or files with Evidently reports, test suites and snapshots, one per line (paths on the Grafana server)"
        >
          <LinesInput
            id="evidently-paths"
            value={jsonData.evidentlyPaths}
            placeholder="/var/lib/evidence/evidently"
            onChange={(v) => setJson('evidentlyPaths', v)}
          />
        </InlineField>
        <InlineField
          label="Workspaces"
          labelWidth={LABEL_WIDTH}
          htmlFor="evidently-workspaces"
          tooltip="Evidently workspace directories (<workspace>/<project>/snapshots), one per line"
        >
          <LinesInput
            id="evidently-workspaces"
            value={jsonData.evidentlyWorkspaces}
            placeholder="/var/lib/evidence/workspace"
            onChange={(v) => setJson('evidentlyWorkspaces', v)}
          />
        </InlineField>
        <InlineField label="UI service URL" labelWidth={LABEL_WIDTH} htmlFor="evidently-ui-url">
          <Input
            id="evidently-ui-url"
            value={jsonData.evidentlyUiUrl ?? ''}
            placeholder="http://localhost:8000"
            width={WIDTH}
            onChange={(e) => setJson('evidentlyUiUrl', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField label="UI secret" labelWidth={LABEL_WIDTH} htmlFor="evidently-ui-secret">
          <SecretInput
            id="evidently-ui-secret"
            isConfigured={Boolean(secureJsonFields.evidentlyUiSecret)}
            value={secureJsonData.evidentlyUiSecret ?? ''}
            width={WIDTH}
            onReset={() => resetSecret('evidentlyUiSecret')}
            onChange={(e) => setSecret('evidentlyUiSecret', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField
          label="Max file size (MB)"
          labelWidth={LABEL_WIDTH}
          htmlFor="evidently-max-file-mb"
          tooltip="Larger export files are skipped with a notice"
        >
          <Input
            id="evidently-max-file-mb"
            type="number"
            min={1}
            value={jsonData.evidentlyMaxFileMB ?? ''}
            placeholder="64"
            width={12}
            onChange={(e) => setJson('evidentlyMaxFileMB', numberOrUndefined(e.currentTarget.value))}
          />
        </InlineField>
      </FieldSet>

      <FieldSet label="Fairlearn">
        <InlineField
          label="Result paths"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-paths"
          tooltip="Directories or files with fairness results (JSON or MetricFrame.by_group CSV), one per line"
        >
          <LinesInput
            id="fairlearn-paths"
            value={jsonData.fairlearnPaths}
            placeholder="/var/lib/evidence/fairness"
            onChange={(v) => setJson('fairlearnPaths', v)}
          />
        </InlineField>
        <InlineField
          label="Result URLs"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-urls"
          tooltip="HTTP(S) URLs of fairness results, one per line"
        >
          <LinesInput
            id="fairlearn-urls"
            value={jsonData.fairlearnUrls}
            placeholder="https://evidence.example.com/fairness/latest.json"
            onChange={(v) => setJson('fairlearnUrls', v)}
          />
        </InlineField>
        <InlineField
          label="MLflow metric key pattern"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-key-pattern"
          tooltip="Go regular expression for MLflow metric keys that carry the group: named groups (?P<group>) and (?P<metric>) are required, (?P<sensitive_feature>) is optional. Empty uses the default shown."
        >
          <Input
            id="fairlearn-key-pattern"
            value={jsonData.fairlearnMetricKeyPattern ?? ''}
            placeholder="^fairness_group_(?P<group>[^_]+)_(?P<metric>.+)$"
            width={WIDTH}
            onChange={(e) => setJson('fairlearnMetricKeyPattern', e.currentTarget.value)}
          />
        </InlineField>
      </FieldSet>

      <FieldSet label="Compliance">
        <InlineField
          label="Rules file"
          labelWidth={LABEL_WIDTH}
          htmlFor="policy-rules-file"
          tooltip="A YAML file of compliance rules on the Grafana server"
        >
          <Input
            id="policy-rules-file"
            value={jsonData.policyRulesFile ?? ''}
            placeholder="/etc/grafana/dte-trust-rules.yaml"
            width={WIDTH}
            onChange={(e) => setJson('policyRulesFile', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField
          label="Policy rules (YAML)"
          labelWidth={LABEL_WIDTH}
          htmlFor="policy-rules"
          tooltip="CEL rules added to or overriding the default GDPR-minded rule pack (same id overrides)"
        >
          <TextArea
            id="policy-rules"
            value={jsonData.policyRules ?? ''}
            rows={10}
            cols={80}
            placeholder={
              'rules:\n  - id: fairness-demographic-parity   # override a default rule\n    params:\n      max: 0.05\n  - id: model-card\n    title: Model card linked\n    severity: warning\n    expr: has(model.tags.model_card)'
            }
            onChange={(e) => setJson('policyRules', e.currentTarget.value)}
          />
        </InlineField>
      </FieldSet>
    </>
  );
}
