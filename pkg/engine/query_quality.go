package engine

import "github.com/dte-trust/dte-trust/pkg/trust"

// quality: Evidently data quality metrics and test results, Great Expectations validation results.
var qualityRoute = route{
	queryType: trust.QueryQuality,
	handle:    evidenceFrames(trust.Quality),
	needs:     "set evidentlyPaths, evidentlyWorkspaces or evidentlyUiUrl, gxPaths, or mlflowUrl for Great Expectations results logged to MLflow",
}
