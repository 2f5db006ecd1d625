package engine

import "github.com/dte-trust/dte-trust/pkg/trust"

// explainability: SHAP summaries (files, MLflow runs): mean |SHAP| per feature, feature ranks and
// top-feature changes between a model's explanations.
var explainabilityRoute = route{
	queryType: trust.QueryExplainability,
	handle:    evidenceFrames(trust.Explainability),
	needs:     "set shapPaths, or mlflowUrl for SHAP summaries logged to MLflow",
}
