import { FieldSet } from '@grafana/ui';
import React from 'react';

import {
  missingNamedGroups,
  validateCsvColumns,
  validatePackWeights,
  validatePolicyPacks,
  validateTrustScoreWeights,
} from '../settings';
import { DteTrustOptions, MLflowAuth, POLICY_PACKS } from '../types';
import { Section, SettingSpec } from './fields/Section';
import { SettingsEditorProps, SettingsProvider } from './fields/settingsContext';
import { HeadersEditor } from './HeadersEditor';

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

const POLICY_RULES_PLACEHOLDER =
  'rules:\n  - id: fairness-demographic-parity   # override a default rule\n    params:\n      max: 0.05\n  - id: model-card\n    title: Model card linked\n    severity: warning\n    expr: has(model.tags.model_card)';

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/** Checks a fairlearn key pattern for the named groups the backend requires of it. */
function namedGroups(...required: string[]) {
  return (expr: string | undefined) => {
    const missing = missingNamedGroups(expr, required);
    return missing.length > 0
      ? `Lacks the named group ${missing.map((n) => `(?P<${n}>...)`).join(' and ')}`
      : undefined;
  };
}

function mlflowUrlError(url: string | undefined) {
  return url && /\/api(\/|$)/.test(url) ? 'Use the server base URL, without the /api/2.0/mlflow suffix' : undefined;
}

const AUTH_OPTIONS: Array<{ label: string; value: MLflowAuth; description: string }> = [
  { label: 'None', value: 'none', description: 'No authentication' },
  { label: 'Basic', value: 'basic', description: 'User and password (mlflow server --app-name basic-auth)' },
  { label: 'Bearer token', value: 'bearer', description: 'Access token, e.g. a Databricks personal access token' },
];

const withAuth = (auth: MLflowAuth) => (jsonData: DteTrustOptions) => (jsonData.mlflowAuth ?? 'none') === auth;

const MLFLOW: SettingSpec[] = [
  {
    type: 'text',
    setting: 'mlflowUrl',
    id: 'mlflow-url',
    label: 'Tracking URL',
    tooltip: 'Base URL of the MLflow tracking server or Databricks workspace, e.g. http://mlflow:5000',
    placeholder: 'http://localhost:5000',
    check: mlflowUrlError,
  },
  {
    type: 'text',
    setting: 'mlflowUiUrl',
    id: 'mlflow-ui-url',
    label: 'UI URL for links',
    tooltip:
      'Base URL of the MLflow UI in evidence links, when browsers reach MLflow at another address than Grafana does. Empty uses the tracking URL.',
  },
  {
    type: 'choice',
    setting: 'mlflowAuth',
    label: 'Authentication',
    tooltip: 'Databricks-hosted MLflow: bearer token with a personal access token',
    options: AUTH_OPTIONS,
    defaultValue: 'none',
  },
  { type: 'text', setting: 'mlflowUser', id: 'mlflow-user', label: 'User', when: withAuth('basic') },
  { type: 'secret', setting: 'mlflowPassword', id: 'mlflow-password', label: 'Password', when: withAuth('basic') },
  { type: 'secret', setting: 'mlflowToken', id: 'mlflow-token', label: 'Token', when: withAuth('bearer') },
];

const TLS: SettingSpec[] = [
  {
    type: 'switch',
    setting: 'tlsSkipVerify',
    id: 'tls-skip-verify',
    label: 'Skip TLS verify',
    tooltip: 'Accept any server certificate (MLflow, Fairlearn result URLs). Only for testing. Default off.',
  },
  {
    type: 'switch',
    setting: 'tlsAuthWithCACert',
    id: 'tls-ca-enabled',
    label: 'With CA cert',
    tooltip: 'Verify MLflow against a custom certificate authority (PEM). Default off: the system roots.',
  },
  {
    type: 'secret',
    setting: 'tlsCACert',
    id: 'tls-ca-cert',
    label: 'CA cert',
    placeholder: PEM_CERTIFICATE,
    multiline: true,
    when: (jsonData) => Boolean(jsonData.tlsAuthWithCACert),
  },
  {
    type: 'switch',
    setting: 'tlsAuth',
    id: 'tls-client-auth',
    label: 'With client cert',
    tooltip: 'Mutual TLS: send a client certificate and key (PEM) to MLflow. Default off.',
  },
  {
    type: 'secret',
    setting: 'tlsClientCert',
    id: 'tls-client-cert',
    label: 'Client cert',
    placeholder: PEM_CERTIFICATE,
    multiline: true,
    when: (jsonData) => Boolean(jsonData.tlsAuth),
  },
  {
    type: 'secret',
    setting: 'tlsClientKey',
    id: 'tls-client-key',
    label: 'Client key',
    placeholder: '-----BEGIN PRIVATE KEY-----',
    multiline: true,
    when: (jsonData) => Boolean(jsonData.tlsAuth),
  },
  {
    type: 'text',
    setting: 'serverName',
    id: 'tls-server-name',
    label: 'Server name',
    tooltip: "Name checked in the MLflow server certificate instead of the URL's host. Default: the host.",
    placeholder: 'mlflow.example.com',
  },
];

const CONNECTION: SettingSpec[] = [
  {
    type: 'number',
    setting: 'timeoutSeconds',
    id: 'timeout-seconds',
    label: 'Timeout (seconds)',
    tooltip: 'Limit for one query, health check or upstream request. Default 30.',
    placeholder: '30',
  },
  {
    type: 'number',
    setting: 'mlflowMaxConcurrency',
    id: 'mlflow-max-concurrency',
    label: 'Max concurrent requests',
    tooltip: 'Requests in flight toward MLflow, a whole number. Default 4.',
    placeholder: '4',
    integer: true,
  },
  {
    type: 'number',
    setting: 'cacheSeconds',
    id: 'cache-seconds',
    label: 'Cache (seconds)',
    tooltip:
      'How long answers of MLflow, the Evidently UI service and fairness URLs are reused, so dashboards and alert rules do not ask again on every refresh. 0 asks every time. Default 60.',
    placeholder: '60',
    allowZero: true,
  },
  {
    type: 'number',
    setting: 'cacheMaxMB',
    id: 'cache-max-mb',
    label: 'Cache size (MB)',
    tooltip: "Memory bound of each source's answer cache; the least recently used answers go first. Default 64.",
    placeholder: '64',
  },
  {
    type: 'number',
    setting: 'maxResponseMB',
    id: 'max-response-mb',
    label: 'Max answer size (MB)',
    tooltip:
      'Size limit of one answer from MLflow, the Evidently UI service or a fairness URL; a larger answer is refused with an error naming this setting. Default 64.',
    placeholder: '64',
  },
  {
    type: 'list',
    setting: 'allowedHosts',
    id: 'allowed-hosts',
    label: 'Allowed hosts',
    tooltip:
      'When set, the only hosts the plugin sends requests to, one per line: host (any port), host:port or *.domain. Empty allows any host.',
    placeholder: 'mlflow.internal:5000',
  },
];

const EVIDENTLY: SettingSpec[] = [
  {
    type: 'list',
    setting: 'evidentlyPaths',
    id: 'evidently-paths',
    label: 'Export paths',
    tooltip:
      'Directories or files with Evidently reports, test suites and snapshots, one per line (paths on the Grafana server)',
    placeholder: '/var/lib/evidence/evidently',
  },
  {
    type: 'list',
    setting: 'evidentlyWorkspaces',
    id: 'evidently-workspaces',
    label: 'Workspaces',
    tooltip: 'Evidently workspace directories (<workspace>/<project>/snapshots), one per line',
    placeholder: '/var/lib/evidence/workspace',
  },
  {
    type: 'text',
    setting: 'evidentlyUiUrl',
    id: 'evidently-ui-url',
    label: 'UI service URL',
    placeholder: 'http://localhost:8000',
  },
  { type: 'secret', setting: 'evidentlyUiSecret', id: 'evidently-ui-secret', label: 'UI secret' },
  {
    type: 'number',
    setting: 'evidentlyMaxFileMB',
    id: 'evidently-max-file-mb',
    label: 'Max file size (MB)',
    tooltip: 'Larger export files, UI responses and MLflow artifacts are skipped with a notice. Default 64.',
    placeholder: '64',
  },
  {
    type: 'list',
    setting: 'evidentlyMlflowRuns',
    id: 'evidently-mlflow-runs',
    label: 'MLflow runs',
    tooltip:
      'MLflow run ids whose artifacts hold Evidently JSON (Report/Snapshot save_json), one per line. Needs the MLflow tracking URL.',
    placeholder: '0f3c2a...run id',
  },
  {
    type: 'list',
    setting: 'evidentlyMlflowExperiments',
    id: 'evidently-mlflow-experiments',
    label: 'MLflow experiments',
    tooltip:
      'MLflow experiment names, one per line: the artifacts of their latest runs are searched for Evidently JSON. Needs the MLflow tracking URL.',
    placeholder: 'fraud-monitoring',
  },
  {
    type: 'text',
    setting: 'evidentlyMlflowArtifactPath',
    id: 'evidently-mlflow-artifact-path',
    label: 'MLflow artifact path',
    tooltip: 'Artifact directory searched in each run for Evidently .json files. Default: all artifacts, recursively.',
    placeholder: 'evidently',
  },
  {
    type: 'number',
    setting: 'evidentlyMlflowMaxRuns',
    id: 'evidently-mlflow-max-runs',
    label: 'MLflow max runs',
    tooltip: 'Latest runs searched per MLflow experiment, a whole number. Default 100.',
    placeholder: '100',
    integer: true,
  },
];

const SHAP: SettingSpec[] = [
  {
    type: 'list',
    setting: 'shapPaths',
    id: 'shap-paths',
    label: 'SHAP summary paths',
    tooltip: 'Directories or files with SHAP summaries (dte-trust-shap JSON), one per line',
    placeholder: '/var/lib/evidence/shap',
  },
  {
    type: 'switch',
    setting: 'shapMlflow',
    id: 'shap-mlflow',
    label: 'Read SHAP from MLflow',
    tooltip: 'Read SHAP summaries logged to MLflow runs. Default on (when the MLflow tracking URL is set).',
    defaultValue: true,
  },
  {
    type: 'list',
    setting: 'shapArtifactPaths',
    id: 'shap-artifact-paths',
    label: 'SHAP artifact dirs',
    tooltip: 'MLflow artifact directories of untagged runs searched for SHAP summaries, one per line. Default: shap',
    placeholder: 'shap',
  },
];

const FAIRLEARN: SettingSpec[] = [
  {
    type: 'list',
    setting: 'fairlearnPaths',
    id: 'fairlearn-paths',
    label: 'Result paths',
    tooltip: 'Directories or files with fairness results (JSON or MetricFrame.by_group CSV), one per line',
    placeholder: '/var/lib/evidence/fairness',
  },
  {
    type: 'list',
    setting: 'fairlearnUrls',
    id: 'fairlearn-urls',
    label: 'Result URLs',
    tooltip: 'HTTP(S) URLs of fairness results, one per line',
    placeholder: 'https://evidence.example.com/fairness/latest.json',
  },
  {
    type: 'json',
    setting: 'fairlearnCsvColumns',
    id: 'fairlearn-csv-columns',
    label: 'CSV column mapping',
    tooltip:
      'JSON: what the columns of CSVs with unfamiliar headers hold. One object, or a list whose files glob picks the CSVs each applies to. Keys: files, sensitive_feature, sensitive_features, control_features, model, version, run_id, dataset, timestamp, metrics (metric name -> column). Default: recognise the headers Fairlearn writes.',
    placeholder: CSV_COLUMNS_PLACEHOLDER,
    validate: validateCsvColumns,
    rows: 7,
  },
  {
    type: 'switch',
    setting: 'fairlearnMlflow',
    id: 'fairlearn-mlflow',
    label: 'Read from MLflow',
    tooltip:
      'Read fairness results from MLflow run metrics and artifacts. Default on (when the MLflow tracking URL is set); off keeps MLflow for run links only.',
    defaultValue: true,
  },
  {
    type: 'list',
    setting: 'fairlearnArtifactPaths',
    id: 'fairlearn-artifact-paths',
    label: 'MLflow artifact dirs',
    tooltip: 'MLflow artifact directories searched for fairness files, one per line. Default: fairness',
    placeholder: 'fairness',
  },
  {
    type: 'text',
    setting: 'fairlearnMetricKeyPattern',
    id: 'fairlearn-key-pattern',
    label: 'MLflow metric key pattern',
    tooltip:
      'Go regular expression for MLflow metric keys holding by-group values: named groups (?P<group>) and (?P<metric>) are required, (?P<sensitive_feature>) is optional. Empty uses the default shown.',
    placeholder: DEFAULT_METRIC_KEY_PATTERN,
    check: namedGroups('group', 'metric'),
  },
  {
    type: 'text',
    setting: 'fairlearnOverallKeyPattern',
    id: 'fairlearn-overall-key-pattern',
    label: 'Overall key pattern',
    tooltip:
      'Go regular expression for MLflow metric keys holding overall values: named group (?P<metric>) required, (?P<sensitive_feature>) optional. Empty uses the default shown.',
    placeholder: DEFAULT_OVERALL_KEY_PATTERN,
    check: namedGroups('metric'),
  },
  {
    type: 'text',
    setting: 'fairlearnDisparityKeyPattern',
    id: 'fairlearn-disparity-key-pattern',
    label: 'Disparity key pattern',
    tooltip:
      'Go regular expression for MLflow metric keys holding fairness scalars (differences, ratios): named group (?P<metric>) required, (?P<sensitive_feature>) optional. Empty uses the default shown.',
    placeholder: DEFAULT_DISPARITY_KEY_PATTERN,
    check: namedGroups('metric'),
  },
];

const GREAT_EXPECTATIONS: SettingSpec[] = [
  {
    type: 'list',
    setting: 'gxPaths',
    id: 'gx-paths',
    label: 'GX result paths',
    tooltip:
      'Directories or files with Great Expectations validation results (GX 1.x and 0.x JSON), one per line. Directories named model=<name> and version=<version> in a path name the model version.',
    placeholder: '/var/lib/evidence/gx',
  },
  {
    type: 'switch',
    setting: 'gxMlflow',
    id: 'gx-mlflow',
    label: 'Read GX results from MLflow',
    tooltip:
      'Read GX results logged as artifacts of the runs of registered model versions. Default on (when the MLflow tracking URL is set).',
    defaultValue: true,
  },
  {
    type: 'list',
    setting: 'gxArtifactPaths',
    id: 'gx-artifact-paths',
    label: 'GX artifact dirs',
    tooltip: 'MLflow artifact directories searched (six levels deep) for GX results, one per line. Default: gx',
    placeholder: 'gx',
  },
];

const COMPLIANCE: SettingSpec[] = [
  {
    type: 'list',
    setting: 'policyPacks',
    id: 'policy-packs',
    label: 'Rule packs',
    tooltip: `Shipped rule packs evaluated, one per line: ${POLICY_PACKS.join(', ')}. Unset: gdpr. An emptied list evaluates only the rules below.`,
    placeholder: 'gdpr',
    check: validatePolicyPacks,
  },
  {
    type: 'text',
    setting: 'policyRulesFile',
    id: 'policy-rules-file',
    label: 'Rules file',
    tooltip: 'A YAML file of compliance rules on the Grafana server',
    placeholder: '/etc/grafana/dte-trust-rules.yaml',
  },
  {
    type: 'text',
    setting: 'policyRules',
    id: 'policy-rules',
    label: 'Policy rules (YAML)',
    tooltip:
      "CEL rules added to or overriding the selected packs' rules (same id overrides); checked by the backend as you type",
    placeholder: POLICY_RULES_PLACEHOLDER,
    backendCheck: 'rules',
    rows: 10,
    cols: 80,
  },
  {
    type: 'number',
    setting: 'policyEvidenceDays',
    id: 'policy-evidence-days',
    label: 'Evidence max age (days)',
    tooltip: 'Evidence older than this many days before the evaluation time is ignored by the rules. Default 365.',
    placeholder: '365',
  },
  {
    type: 'number',
    setting: 'policyMaxModelVersions',
    id: 'policy-max-model-versions',
    label: 'Max model versions',
    tooltip:
      'At most this many model versions per evaluation (by name, newest version first), a whole number. Default 100.',
    placeholder: '100',
    integer: true,
  },
  {
    type: 'number',
    setting: 'policyCostLimit',
    id: 'policy-cost-limit',
    label: 'Rule cost limit',
    tooltip:
      'CEL runtime cost limit of one rule evaluation (about one unit per operation), a whole number. Default 1000000.',
    placeholder: '1000000',
    integer: true,
    width: 16,
  },
  {
    type: 'json',
    setting: 'trustScoreWeights',
    id: 'trust-score-weights',
    label: 'Trust score weights',
    tooltip:
      'JSON object weighing the dimensions in the trust score: fairness, drift, accuracy, compliance, each a number >= 0. Default 1 each.',
    placeholder: '{"fairness": 2, "drift": 1, "accuracy": 1, "compliance": 1}',
    validate: validateTrustScoreWeights,
    rows: 3,
  },
  {
    type: 'json',
    setting: 'packWeights',
    id: 'pack-weights',
    label: 'Rule pack weights',
    tooltip:
      "JSON object weighing each rule pack's rules in the trust score's compliance part, each a number >= 0. Default 1 each.",
    placeholder: '{"eu-ai-act-high-risk": 2, "gdpr": 1}',
    validate: validatePackWeights,
    rows: 2,
  },
];

export function ConfigEditor(props: SettingsEditorProps) {
  return (
    <SettingsProvider {...props}>
      <Section label="MLflow" settings={MLFLOW} />
      <Section label="TLS" settings={TLS} />
      <Section label="Connection" settings={CONNECTION} />
      <FieldSet label="MLflow HTTP headers">
        <HeadersEditor {...props} />
      </FieldSet>
      <Section label="Evidently" settings={EVIDENTLY} />
      <Section label="Fairlearn" settings={FAIRLEARN} />
      <Section label="Great Expectations" settings={GREAT_EXPECTATIONS} />
      <Section label="SHAP" settings={SHAP} />
      <Section label="Compliance" settings={COMPLIANCE} />
    </SettingsProvider>
  );
}
