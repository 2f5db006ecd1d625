package engine

import "github.com/dte-trust/dte-trust/pkg/trust"

// accuracy: model quality metrics over time, from MLflow runs and model versions and from
// Evidently classification and regression reports.
var accuracyRoute = route{
	queryType: trust.QueryAccuracy,
	handle:    evidenceFrames(trust.Accuracy),
	needs:     "set mlflowUrl, or evidentlyPaths/evidentlyWorkspaces holding classification or regression reports",
}
