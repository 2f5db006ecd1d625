import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

// This file mirrors pkg/trust/query.go: same names, same JSON spelling. Change both together.

/** Query types. Dimension types (accuracy, drift, quality, fairness) draw on every source serving the dimension. */
export enum QueryType {
  Accuracy = 'accuracy',
  Runs = 'runs',
  Models = 'models',
  Drift = 'drift',
  Quality = 'quality',
  Fairness = 'fairness',
  Compliance = 'compliance',
  TrustScore = 'trust_score',
  /** Per model version and evidence dimension: the newest evidence's age and whether fresh evidence is present. */
  Freshness = 'freshness',
  /** SHAP summaries: mean |SHAP| per feature, feature ranks, top-feature changes. */
  Explainability = 'explainability',
  /** Template-variable queries: the backend answers with a frame of text and value fields. */
  Variable = 'variable',
  /** Annotation queries: the backend answers with a frame of time, timeEnd, title, text and tags. */
  Annotations = 'annotations',
}

/** Every query type, in the order the query editor shows them (Go: trust.QueryTypes). */
export const QUERY_TYPES: QueryType[] = [
  QueryType.Accuracy,
  QueryType.Drift,
  QueryType.Fairness,
  QueryType.Compliance,
  QueryType.TrustScore,
  QueryType.Freshness,
  QueryType.Quality,
  QueryType.Explainability,
  QueryType.Runs,
  QueryType.Models,
  QueryType.Variable,
  QueryType.Annotations,
];

/** The shape of the frames a query returns (DESIGN.md "Frames"). */
export enum Format {
  Timeseries = 'timeseries',
  Latest = 'latest',
  Table = 'table',
}

/** Variable kinds answered by variable queries and by the GET /options/{kind} resource route. */
export enum VariableKind {
  Experiments = 'experiments',
  Models = 'models',
  Versions = 'versions',
  Aliases = 'aliases',
  Metrics = 'metrics',
  Projects = 'projects',
  Features = 'features',
  SensitiveFeatures = 'sensitive_features',
  Groups = 'groups',
  Rules = 'rules',
}

/** Annotation kinds answered by annotation queries. */
export enum AnnotationKind {
  /** A model version was registered. */
  ModelVersions = 'model_versions',
  /** A model version's stage or aliases last changed. */
  Stages = 'stages',
  /** An Evidently report detected dataset drift. */
  Drift = 'drift_detected',
  /** A fairness evaluation breached its threshold. */
  Fairness = 'fairness_fail',
  Compliance = 'compliance_fail',
  /** Evidence of a dimension appeared for a model version, or went stale (older than staleAfter). */
  Freshness = 'freshness',
}

/** The dimensions evidence is about (Go: policy.EvidenceDimensions); freshness queries narrow to some. */
export const EVIDENCE_DIMENSIONS = ['fairness', 'drift', 'accuracy', 'quality', 'explainability'] as const;

/** How old the newest evidence may be before a freshness query counts it stale (Go: trust.DefaultStaleAfter). */
export const DEFAULT_STALE_AFTER = '30d';

/** Upstreams a query can be narrowed to (Go: Query.Source). */
export enum Source {
  MLflow = 'mlflow',
  Evidently = 'evidently',
  Fairlearn = 'fairlearn',
  GreatExpectations = 'great_expectations',
  Policy = 'policy',
  Shap = 'shap',
}

/** The query model a panel, an alert rule or trustq sends (Go: trust.Query). */
export interface TrustQuery extends DataQuery {
  queryType?: QueryType;
  format?: Format;

  /** Registered model name (or Evidently/Fairlearn model label). */
  model?: string;
  version?: string;
  /** MLflow model alias resolving to a version. */
  alias?: string;
  /** Metric names to keep; empty keeps all. */
  metrics?: string[];
  experiments?: string[];
  /** Narrow to one upstream. */
  source?: Source | string;

  // accuracy and runs
  /** MLflow search filter, e.g. "params.model_type = 'xgb'". */
  runFilter?: string;
  /** Max runs (accuracy: default 100; runs: 0 = all). */
  limit?: number;
  /** accuracy: full metric history (default) or latest values only. */
  history?: boolean;
  /** runs: param columns. */
  params?: string[];
  /** runs: tag columns. */
  tags?: string[];
  /** runs: MLflow order_by clauses. */
  orderBy?: string[];

  // models
  /** Registry stage (Production, Staging, Archived, None), case-insensitive. */
  stage?: string;

  // drift and quality
  /** Evidently project name or id. */
  project?: string;
  /** Data column. */
  feature?: string;
  /**
   * drift: dataset drift when the measured drift_share reaches this share (0 to 1), replacing the
   * drift_share parameter each Evidently report was computed with.
   */
  driftShareThreshold?: number;
  /**
   * Evidently only (drift, quality, accuracy): narrows the file sources to a file or directory
   * relative to a configured Evidently path or workspace; no absolute paths, no "..".
   * The Go Query struct does not carry it: pkg/source/evidently reads it from the raw query JSON.
   */
  path?: string;

  // fairness
  sensitiveFeature?: string;
  group?: string;
  /** Default 0.1. */
  differenceMax?: number;
  /** Default 0.8 (four-fifths rule). */
  ratioMin?: number;

  // compliance
  /** Rule ids to keep; empty keeps all. */
  rules?: string[];
  /** compliance and trust_score: rule packs evaluated instead of the data source's policyPacks. */
  packs?: string[];

  // freshness (and freshness annotations)
  /** How old the newest evidence may be and still count as present: 30d, 12h, 1w (default 30d). */
  staleAfter?: string;
  /** Evidence dimensions to report (fairness, drift, accuracy, quality, explainability); empty reports every served one. */
  dimensions?: string[];

  // variable and annotations
  variable?: VariableKind;
  annotation?: AnnotationKind;
}

/** The rule packs the backend ships (pkg/policy/packs.go). */
export const POLICY_PACKS = ['gdpr', 'eu-ai-act-high-risk', 'nist-ai-rmf'] as const;

/** String fields of TrustQuery that template variables are interpolated into. */
export const STRING_FIELDS = [
  'model',
  'version',
  'alias',
  'stage',
  'source',
  'runFilter',
  'project',
  'feature',
  'path',
  'sensitiveFeature',
  'group',
  'staleAfter',
] as const satisfies ReadonlyArray<keyof TrustQuery>;

/** String-list fields of TrustQuery; a multi-value variable expands into several entries. */
export const LIST_FIELDS = [
  'metrics',
  'experiments',
  'params',
  'tags',
  'orderBy',
  'rules',
  'packs',
  'dimensions',
] as const satisfies ReadonlyArray<keyof TrustQuery>;

/**
 * A new panel's query: the latest trust score of every model version, the one number that sums up
 * all four dimensions and answers with any source configured (a newcomer sees something at once).
 */
export const DEFAULT_QUERY: Partial<TrustQuery> = {
  queryType: QueryType.TrustScore,
  format: Format.Latest,
};

/** The project's repository (package.json repository, plugin.json info.links); docs links point into it. */
export const REPOSITORY_URL = 'https://github.com/dte-trust/dte-trust';
const DOCS = `${REPOSITORY_URL}/blob/main`;

/** What the query editor says of each query type: one line, and where it is documented. */
export const QUERY_TYPE_HELP: Record<QueryType, { description: string; docs: string }> = {
  [QueryType.Accuracy]: {
    description: 'Model performance metrics (accuracy, f1, roc_auc, rmse, ...) from MLflow runs and Evidently reports.',
    docs: `${DOCS}/README.md#query-types`,
  },
  [QueryType.Drift]: {
    description: 'Dataset drift (share of drifted columns) and per-feature drift scores from Evidently reports.',
    docs: `${DOCS}/README.md#query-types`,
  },
  [QueryType.Fairness]: {
    description: 'By-group metrics and their differences and ratios, checked against the thresholds below.',
    docs: `${DOCS}/docs/fairness-format.md#the-fairness-query`,
  },
  [QueryType.Compliance]: {
    description: 'Whether each model version passes each policy rule (CEL), and its compliance score.',
    docs: `${DOCS}/docs/compliance-rules.md#compliance`,
  },
  [QueryType.TrustScore]: {
    description: 'One 0-100 score per model version, weighing fairness, drift, accuracy and compliance.',
    docs: `${DOCS}/docs/compliance-rules.md#trust-score`,
  },
  [QueryType.Freshness]: {
    description:
      'How old the newest fairness, drift, accuracy, quality and explainability evidence of each model version is, and whether it is fresh.',
    docs: `${DOCS}/docs/compliance-rules.md#freshness`,
  },
  [QueryType.Quality]: {
    description:
      'Evidently data quality values and test results (tests failed, passed, total); Great Expectations validations (success, success percent, each expectation).',
    docs: `${DOCS}/README.md#query-types`,
  },
  [QueryType.Explainability]: {
    description:
      "Mean |SHAP| per feature from SHAP summaries, each feature's rank, and whether the top feature changed.",
    docs: `${DOCS}/docs/shap-format.md#the-explainability-query`,
  },
  [QueryType.Runs]: {
    description: 'A table of MLflow runs with the params, metrics and tags you choose.',
    docs: `${DOCS}/README.md#query-types`,
  },
  [QueryType.Models]: {
    description: 'The MLflow model registry: one row per model version with stage, aliases, tags and links.',
    docs: `${DOCS}/README.md#query-types`,
  },
  [QueryType.Variable]: {
    description: 'Values of a dashboard variable (models, versions, metrics, ...).',
    docs: `${DOCS}/README.md#dashboards-variables-annotations-and-links`,
  },
  [QueryType.Annotations]: {
    description: 'Events on the time axis: new model versions, stage changes, detected drift, failed checks.',
    docs: `${DOCS}/README.md#dashboards-variables-annotations-and-links`,
  },
};

/** Texts the backend checks before use (POST validate/{kind}): a run filter, policy rules YAML. */
export type ValidationKind = 'runFilter' | 'rules';

/** The answer of POST validate/{kind}. */
export interface ValidationResult {
  ok: boolean;
  error?: string;
}

export const DEFAULT_DIFFERENCE_MAX = 0.1;
export const DEFAULT_RATIO_MIN = 0.8;

export type MLflowAuth = 'none' | 'basic' | 'bearer';

/** Dimensions weighed in the trust score (Go: policy.ScoreDimensions). */
export const TRUST_SCORE_DIMENSIONS = ['fairness', 'drift', 'accuracy', 'compliance'] as const;
export type TrustScoreDimension = (typeof TRUST_SCORE_DIMENSIONS)[number];

/**
 * One fairlearnCsvColumns mapping (Go: fairness.CSVColumns): what the columns of a CSV (or
 * mlflow.log_table JSON) with unfamiliar headers hold. Every column named must exist in a file it
 * applies to.
 */
export interface FairlearnCsvColumns {
  /** Glob matched against the path relative to its fairlearnPaths entry, or the base name; empty applies to every CSV. */
  files?: string;
  /** Summary CSV: the column naming the sensitive feature of each row. */
  sensitive_feature?: string;
  /** By-group CSV: the index columns (control features first). */
  sensitive_features?: string[];
  control_features?: string[];
  model?: string;
  version?: string;
  run_id?: string;
  dataset?: string;
  timestamp?: string;
  /** Canonical metric name (demographic_parity_difference, accuracy, ...) -> column; when set, only these are read. */
  metrics?: Record<string, string>;
}

/**
 * Datasource settings kept in jsonData (never secrets), as the Go sources decode them
 * (pkg/source/mlflow Config, pkg/source/evidently Config, pkg/source/fairness Config,
 * pkg/policy Config, pkg/engine Common). Extra HTTP headers follow Grafana's convention: the name in
 * jsonData.httpHeaderNameN, the value in secureJsonData.httpHeaderValueN.
 */
export interface DteTrustOptions extends DataSourceJsonData {
  /** MLflow tracking server base URL, without an /api/... suffix. */
  mlflowUrl?: string;
  /** MLflow UI base URL used in evidence links; default mlflowUrl. */
  mlflowUiUrl?: string;
  /** Empty: basic when a user is set, bearer when a token is set, none otherwise. */
  mlflowAuth?: MLflowAuth;
  mlflowUser?: string;
  /** Accept any server certificate (MLflow, fairlearnUrls); for testing only. */
  tlsSkipVerify?: boolean;
  /** Verify the servers with the CA certificate held in secureJsonData.tlsCACert. */
  tlsAuthWithCACert?: boolean;
  /** Send the client certificate in secureJsonData.tlsClientCert and tlsClientKey (mutual TLS). */
  tlsAuth?: boolean;
  /** Name checked in the server certificate instead of the URL's host. */
  serverName?: string;
  /** Limit for one query or health check; default 30. */
  timeoutSeconds?: number;
  /** Requests in flight toward MLflow; default 4. Whole number. */
  mlflowMaxConcurrency?: number;
  /** How long upstream answers are reused; default 60, 0 turns the cache off. */
  cacheSeconds?: number;
  /** Memory bound of each source's answer cache; default 64. */
  cacheMaxMB?: number;
  /** Size limit of one upstream answer; default 64. */
  maxResponseMB?: number;
  /** The only hosts requests may go to; empty allows any. */
  allowedHosts?: string[];
  [httpHeaderName: `httpHeaderName${number}`]: string | undefined;

  evidentlyPaths?: string[];
  evidentlyWorkspaces?: string[];
  evidentlyUiUrl?: string;
  /** Per-file size limit; default 64. */
  evidentlyMaxFileMB?: number;
  /** MLflow run ids whose artifacts hold Evidently JSON. */
  evidentlyMlflowRuns?: string[];
  /** MLflow experiment names whose latest evidentlyMlflowMaxRuns runs are searched for Evidently JSON. */
  evidentlyMlflowExperiments?: string[];
  /** Artifact directory searched in each run; default all of it (recursively). */
  evidentlyMlflowArtifactPath?: string;
  /** Runs searched per experiment; default 100. Whole number (Go int). */
  evidentlyMlflowMaxRuns?: number;

  fairlearnPaths?: string[];
  /** Directories or files holding SHAP summaries (docs/shap-format.md). */
  shapPaths?: string[];
  /** MLflow artifact directories of untagged runs searched for SHAP summaries; default ["shap"]. */
  shapArtifactPaths?: string[];
  /** Read SHAP summaries logged to MLflow runs; default true when MLflow is configured. */
  shapMlflow?: boolean;
  fairlearnUrls?: string[];
  /** Column mapping for CSVs with unfamiliar headers: one mapping or a list (the first whose files glob matches applies). */
  fairlearnCsvColumns?: FairlearnCsvColumns | FairlearnCsvColumns[];
  /** Regex with named groups (group, metric; optional sensitive_feature) for MLflow keys holding by-group values. */
  fairlearnMetricKeyPattern?: string;
  /** Regex with named group metric for MLflow keys holding overall values. */
  fairlearnOverallKeyPattern?: string;
  /** Regex with named group metric for MLflow keys holding fairness scalars (differences, ratios). */
  fairlearnDisparityKeyPattern?: string;
  /** MLflow artifact directories searched for fairness files; default ["fairness"]. */
  fairlearnArtifactPaths?: string[];
  /** Read fairness results from MLflow runs; default true. */
  fairlearnMlflow?: boolean;
  /** Directories or files with Great Expectations validation results (docs/gx-format.md). */
  gxPaths?: string[];
  /** MLflow artifact directories searched for GX results (default gx). */
  gxArtifactPaths?: string[];
  /** Read GX results from MLflow run artifacts (default true). */
  gxMlflow?: boolean;

  /** Shipped compliance rule packs evaluated (gdpr, eu-ai-act-high-risk, nist-ai-rmf); default ["gdpr"]. */
  policyPacks?: string[];
  /** Weight of each shipped pack's rules in the trust score's compliance part; default 1 each. */
  packWeights?: Record<string, number>;
  /** Compliance rules (YAML) added to or overriding the packs' rules. */
  policyRules?: string;
  /** A YAML file of compliance rules on the Grafana server. */
  policyRulesFile?: string;
  /** Evidence older than this many days is ignored; default 365. */
  policyEvidenceDays?: number;
  /** Model versions one evaluation covers; default 100. Whole number (Go int). */
  policyMaxModelVersions?: number;
  /** CEL runtime cost limit of one rule evaluation; default 1000000. Whole number (Go uint64). */
  policyCostLimit?: number;
  /** Weights of the dimensions in the trust score; default 1 each. */
  trustScoreWeights?: Partial<Record<TrustScoreDimension, number>>;
}

/** Datasource secrets: written by the config editor, only ever read by the backend. */
export interface DteTrustSecureJsonData {
  mlflowPassword?: string;
  mlflowToken?: string;
  /** PEM CA certificate, used when jsonData.tlsAuthWithCACert is on. */
  tlsCACert?: string;
  /** PEM client certificate, sent when jsonData.tlsAuth is on. */
  tlsClientCert?: string;
  /** PEM client key of tlsClientCert. */
  tlsClientKey?: string;
  evidentlyUiSecret?: string;
  [httpHeaderValue: `httpHeaderValue${number}`]: string | undefined;
}

/** One entry of the GET /options/{kind} resource response. */
export interface OptionItem {
  text: string;
  value: string;
}

/**
 * Query parameters of GET /options/{kind}, the filters the backend narrows options by: versions
 * and aliases of a model, metrics of experiments, features of a project, groups of a sensitive feature.
 */
export interface OptionParams {
  model?: string;
  version?: string;
  alias?: string;
  /** Sent comma-separated. */
  experiments?: string[];
  project?: string;
  feature?: string;
  sensitiveFeature?: string;
  source?: string;
}
