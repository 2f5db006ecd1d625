// Package sourcekit holds what the file-and-MLflow evidence sources (Great Expectations, SHAP and,
// where their logic is the same, Fairlearn) share: the tolerant reading of their list and boolean
// settings, Grafana's template variable values, the walk over the files under configured paths
// (through pkg/fsroot) and the bounded fan-out over MLflow runs. It imports no SDK data package.
package sourcekit
