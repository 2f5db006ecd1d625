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

import { missingNamedGroups, validateCsvColumns, validateTrustScoreWeights } from '../settings';
import { DteTrustOptions, DteTrustSecureJsonData, FairlearnCsvColumns, MLflowAuth } from '../types';
import { HeadersEditor } from './HeadersEditor';
import { JsonField } from './JsonField';
import { LinesInput } from './LinesInput';
import { NumberField } from './NumberField';

type Props = DataSourcePluginOptionsEditorProps<DteTrustOptions, DteTrustSecureJsonData>;
type SecretKey =
  'mlflowPassword' | 'mlflowToken' | 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey' | 'evidentlyUiSecret';

const LABEL_WIDTH = 26;
const WIDTH = 50;

// Go defaults (pkg/source/fairness/keys.go).
const DEFAULT_METRIC_KEY_PATTERN = '^fairness_group_(?P<group>[^_]+)_(?P<metric>.+)$';
const DEFAULT_OVERALL_KEY_PATTERN = '^fairness_overall_(?P<metric>.+)$';
const DEFAULT_DISPARITY_KEY_PATTERN =
  '^(?:fairness[_./])?(?P<metric>(?:demographic_parity|equalized_odds|equal_opportunity)_(?:diff|difference|ratio))$';

const CSV_COLUMNS_PLACEHOLDER = `{
  "files": "summaries/*.csv",
  "model": "Model",
  "timestamp": "Evaluated at",
  "sensitive_feature": "Protected attribute",
  "metrics": { "demographic_parity_difference": "DP gap" }
}`;

/** An error naming the named groups a fairlearn key pattern lacks (the backend refuses it). */
function patternError(expr: string | undefined, required: string[]): string | undefined {
  const missing = missingNamedGroups(expr, required);
  return missing.length > 0 ? `Lacks the named group ${missing.map((n) => `(?P<${n}>...)`).join(' and ')}` : undefined;
}

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

  const metricPatternError = patternError(jsonData.fairlearnMetricKeyPattern, ['group', 'metric']);
  const overallPatternError = patternError(jsonData.fairlearnOverallKeyPattern, ['metric']);
  const disparityPatternError = patternError(jsonData.fairlearnDisparityKeyPattern, ['metric']);

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
      </FieldSet>

      <FieldSet label="TLS">
        <InlineField
          label="Skip TLS verify"
          labelWidth={LABEL_WIDTH}
          htmlFor="tls-skip-verify"
          tooltip="Accept any server certificate (MLflow, Fairlearn result URLs). Only for testing. Default off."
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
          tooltip="Verify MLflow against a custom certificate authority (PEM). Default off: the system roots."
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
          label="With client cert"
          labelWidth={LABEL_WIDTH}
          htmlFor="tls-client-auth"
          tooltip="Mutual TLS: send a client certificate and key (PEM) to MLflow. Default off."
        >
          <InlineSwitch
            id="tls-client-auth"
            value={jsonData.tlsAuth ?? false}
            onChange={(e) => setJson('tlsAuth', e.currentTarget.checked)}
          />
        </InlineField>
        {jsonData.tlsAuth && (
          <>
            <InlineField label="Client cert" labelWidth={LABEL_WIDTH} htmlFor="tls-client-cert">
              <SecretTextArea
                id="tls-client-cert"
                isConfigured={Boolean(secureJsonFields.tlsClientCert)}
                value={secureJsonData.tlsClientCert ?? ''}
                placeholder="-----BEGIN CERTIFICATE-----"
                cols={60}
                rows={6}
                onReset={() => resetSecret('tlsClientCert')}
                onChange={(e) => setSecret('tlsClientCert', e.currentTarget.value)}
              />
            </InlineField>
            <InlineField label="Client key" labelWidth={LABEL_WIDTH} htmlFor="tls-client-key">
              <SecretTextArea
                id="tls-client-key"
                isConfigured={Boolean(secureJsonFields.tlsClientKey)}
                value={secureJsonData.tlsClientKey ?? ''}
                placeholder="-----BEGIN PRIVATE KEY-----"
                cols={60}
                rows={6}
                onReset={() => resetSecret('tlsClientKey')}
                onChange={(e) => setSecret('tlsClientKey', e.currentTarget.value)}
              />
            </InlineField>
          </>
        )}
        <InlineField
          label="Server name"
          labelWidth={LABEL_WIDTH}
          htmlFor="tls-server-name"
          tooltip="Name checked in the MLflow server certificate instead of the URL's host. Default: the host."
        >
          <Input
            id="tls-server-name"
            value={jsonData.serverName ?? ''}
            placeholder="mlflow.example.com"
            width={WIDTH}
            onChange={(e) => setJson('serverName', e.currentTarget.value)}
          />
        </InlineField>
      </FieldSet>

      <FieldSet label="Connection">
        <NumberField
          id="timeout-seconds"
          label="Timeout (seconds)"
          labelWidth={LABEL_WIDTH}
          tooltip="Limit for one query, health check or upstream request. Default 30."
          value={jsonData.timeoutSeconds}
          placeholder="30"
          onChange={(v) => setJson('timeoutSeconds', v)}
        />
        <NumberField
          id="mlflow-max-concurrency"
          label="Max concurrent requests"
          labelWidth={LABEL_WIDTH}
          tooltip="Requests in flight toward MLflow, a whole number. Default 4."
          integer
          value={jsonData.mlflowMaxConcurrency}
          placeholder="4"
          onChange={(v) => setJson('mlflowMaxConcurrency', v)}
        />
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
        <NumberField
          id="evidently-max-file-mb"
          label="Max file size (MB)"
          labelWidth={LABEL_WIDTH}
          tooltip="Larger export files, UI responses and MLflow artifacts are skipped with a notice. Default 64."
          value={jsonData.evidentlyMaxFileMB}
          placeholder="64"
          onChange={(v) => setJson('evidentlyMaxFileMB', v)}
        />
        <InlineField
          label="MLflow runs"
          labelWidth={LABEL_WIDTH}
          htmlFor="evidently-mlflow-runs"
          tooltip="MLflow run ids whose artifacts hold Evidently JSON (Report/Snapshot save_json), one per line. Needs the MLflow tracking URL."
        >
          <LinesInput
            id="evidently-mlflow-runs"
            value={jsonData.evidentlyMlflowRuns}
            placeholder="0f3c2a...run id"
            onChange={(v) => setJson('evidentlyMlflowRuns', v)}
          />
        </InlineField>
        <InlineField
          label="MLflow experiments"
          labelWidth={LABEL_WIDTH}
          htmlFor="evidently-mlflow-experiments"
          tooltip="MLflow experiment names, one per line: the artifacts of their latest runs are searched for Evidently JSON. Needs the MLflow tracking URL."
        >
          <LinesInput
            id="evidently-mlflow-experiments"
            value={jsonData.evidentlyMlflowExperiments}
            placeholder="fraud-monitoring"
            onChange={(v) => setJson('evidentlyMlflowExperiments', v)}
          />
        </InlineField>
        <InlineField
          label="MLflow artifact path"
          labelWidth={LABEL_WIDTH}
          htmlFor="evidently-mlflow-artifact-path"
          tooltip="Artifact directory searched in each run for Evidently .json files. Default: all artifacts, recursively."
        >
          <Input
            id="evidently-mlflow-artifact-path"
            value={jsonData.evidentlyMlflowArtifactPath ?? ''}
            placeholder="evidently"
            width={WIDTH}
            onChange={(e) => setJson('evidentlyMlflowArtifactPath', e.currentTarget.value)}
          />
        </InlineField>
        <NumberField
          id="evidently-mlflow-max-runs"
          label="MLflow max runs"
          labelWidth={LABEL_WIDTH}
          tooltip="Latest runs searched per MLflow experiment, a whole number. Default 100."
          integer
          value={jsonData.evidentlyMlflowMaxRuns}
          placeholder="100"
          onChange={(v) => setJson('evidentlyMlflowMaxRuns', v)}
        />
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
        <JsonField<FairlearnCsvColumns | FairlearnCsvColumns[]>
          id="fairlearn-csv-columns"
          label="CSV column mapping"
          labelWidth={LABEL_WIDTH}
          tooltip="JSON: what the columns of CSVs with unfamiliar headers hold. One object, or a list whose files glob picks the CSVs each applies to. Keys: files, sensitive_feature, sensitive_features, control_features, model, version, run_id, dataset, timestamp, metrics (metric name -> column). Default: recognise the headers Fairlearn writes."
          value={jsonData.fairlearnCsvColumns}
          validate={validateCsvColumns}
          placeholder={CSV_COLUMNS_PLACEHOLDER}
          rows={7}
          onChange={(v) => setJson('fairlearnCsvColumns', v)}
        />
        <InlineField
          label="Read from MLflow"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-mlflow"
          tooltip="Read fairness results from MLflow run metrics and artifacts. Default on (when the MLflow tracking URL is set); off keeps MLflow for run links only."
        >
          <InlineSwitch
            id="fairlearn-mlflow"
            value={jsonData.fairlearnMlflow ?? true}
            onChange={(e) => setJson('fairlearnMlflow', e.currentTarget.checked)}
          />
        </InlineField>
        <InlineField
          label="MLflow artifact dirs"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-artifact-paths"
          tooltip="MLflow artifact directories searched for fairness files, one per line. Default: fairness"
        >
          <LinesInput
            id="fairlearn-artifact-paths"
            value={jsonData.fairlearnArtifactPaths}
            placeholder="fairness"
            onChange={(v) => setJson('fairlearnArtifactPaths', v)}
          />
        </InlineField>
        <InlineField
          label="MLflow metric key pattern"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-key-pattern"
          tooltip="Go regular expression for MLflow metric keys holding by-group values: named groups (?P<group>) and (?P<metric>) are required, (?P<sensitive_feature>) is optional. Empty uses the default shown."
          invalid={!!metricPatternError}
          error={metricPatternError}
        >
          <Input
            id="fairlearn-key-pattern"
            value={jsonData.fairlearnMetricKeyPattern ?? ''}
            placeholder={DEFAULT_METRIC_KEY_PATTERN}
            width={WIDTH}
            onChange={(e) => setJson('fairlearnMetricKeyPattern', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField
          label="Overall key pattern"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-overall-key-pattern"
          tooltip="Go regular expression for MLflow metric keys holding overall values: named group (?P<metric>) required, (?P<sensitive_feature>) optional. Empty uses the default shown."
          invalid={!!overallPatternError}
          error={overallPatternError}
        >
          <Input
            id="fairlearn-overall-key-pattern"
            value={jsonData.fairlearnOverallKeyPattern ?? ''}
            placeholder={DEFAULT_OVERALL_KEY_PATTERN}
            width={WIDTH}
            onChange={(e) => setJson('fairlearnOverallKeyPattern', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField
          label="Disparity key pattern"
          labelWidth={LABEL_WIDTH}
          htmlFor="fairlearn-disparity-key-pattern"
          tooltip="Go regular expression for MLflow metric keys holding fairness scalars (differences, ratios): named group (?P<metric>) required, (?P<sensitive_feature>) optional. Empty uses the default shown."
          invalid={!!disparityPatternError}
          error={disparityPatternError}
        >
          <Input
            id="fairlearn-disparity-key-pattern"
            value={jsonData.fairlearnDisparityKeyPattern ?? ''}
            placeholder={DEFAULT_DISPARITY_KEY_PATTERN}
            width={WIDTH}
            onChange={(e) => setJson('fairlearnDisparityKeyPattern', e.currentTarget.value)}
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
        <NumberField
          id="policy-evidence-days"
          label="Evidence max age (days)"
          labelWidth={LABEL_WIDTH}
          tooltip="Evidence older than this many days before the evaluation time is ignored by the rules. Default 365."
          value={jsonData.policyEvidenceDays}
          placeholder="365"
          onChange={(v) => setJson('policyEvidenceDays', v)}
        />
        <NumberField
          id="policy-max-model-versions"
          label="Max model versions"
          labelWidth={LABEL_WIDTH}
          tooltip="At most this many model versions per evaluation (by name, newest version first), a whole number. Default 100."
          integer
          value={jsonData.policyMaxModelVersions}
          placeholder="100"
          onChange={(v) => setJson('policyMaxModelVersions', v)}
        />
        <NumberField
          id="policy-cost-limit"
          label="Rule cost limit"
          labelWidth={LABEL_WIDTH}
          tooltip="CEL runtime cost limit of one rule evaluation (about one unit per operation), a whole number. Default 1000000."
          integer
          value={jsonData.policyCostLimit}
          placeholder="1000000"
          width={16}
          onChange={(v) => setJson('policyCostLimit', v)}
        />
        <JsonField<DteTrustOptions['trustScoreWeights']>
          id="trust-score-weights"
          label="Trust score weights"
          labelWidth={LABEL_WIDTH}
          tooltip="JSON object weighing the dimensions in the trust score: fairness, drift, accuracy, compliance, each a number >= 0. Default 1 each."
          value={jsonData.trustScoreWeights}
          validate={validateTrustScoreWeights}
          placeholder={'{"fairness": 2, "drift": 1, "accuracy": 1, "compliance": 1}'}
          rows={3}
          onChange={(v) => setJson('trustScoreWeights', v)}
        />
      </FieldSet>
    </>
  );
}
