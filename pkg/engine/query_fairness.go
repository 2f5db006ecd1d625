package engine

import "github.com/dte-trust/dte-trust/pkg/trust"

// fairness: per-group metrics and disparities from Fairlearn results (files, URLs, MLflow runs).
var fairnessRoute = route{
	queryType: trust.QueryFairness,
	handle:    evidenceFrames(trust.Fairness),
	needs:     "set fairlearnPaths or fairlearnUrls, or mlflowUrl for fairness results logged to MLflow",
}
