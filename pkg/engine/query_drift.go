package engine

import "github.com/dte-trust/dte-trust/pkg/trust"

// drift: dataset and column drift measured by Evidently reports (files, workspaces, the UI
// service, MLflow artifacts).
var driftRoute = route{
	queryType: trust.QueryDrift,
	handle:    evidenceFrames(trust.Drift),
	needs:     "set evidentlyPaths, evidentlyWorkspaces or evidentlyUiUrl",
}
