// Package mlflow reads trust evidence from an MLflow tracking server and model registry (REST API
// 2.0; MLflow 2.x and 3.x, Databricks-hosted MLflow too).
//
// Client is a plain REST client: experiments, runs (search with filter and pagination to the end),
// metric history (the bulk endpoint when the server has it), model registry, MLflow 3 logged models
// and run artifacts (ListArtifacts, ReadArtifact). It retries 429/502/503/504 and connection resets
// with exponential backoff and jitter, honours Retry-After, bounds the requests in flight and turns
// failures into messages a user can act on, without secrets.
//
// Provider serves DTE Trust's accuracy evidence, the runs and models tables, template variables,
// annotations, the health check and model metadata for compliance rules.
//
// Settings (jsonData): mlflowUrl, mlflowUiUrl (base URL of links, default mlflowUrl), mlflowAuth
// (none|basic|bearer), mlflowUser, tlsSkipVerify, tlsAuthWithCACert, tlsAuth, serverName,
// timeoutSeconds, mlflowMaxConcurrency (default 4), httpHeaderName1..N. Secure settings
// (secureJsonData): mlflowPassword, mlflowToken, tlsCACert, tlsClientCert, tlsClientKey,
// httpHeaderValue1..N.
package mlflow
