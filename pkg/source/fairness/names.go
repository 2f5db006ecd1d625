package fairness

import (
	"strings"
	"unicode"
)

// The fairness scalars Fairlearn defines (fairlearn.metrics, method between_groups, agg worst_case).
const (
	DemographicParityDifference = "demographic_parity_difference"
	DemographicParityRatio      = "demographic_parity_ratio"
	EqualizedOddsDifference     = "equalized_odds_difference"
	EqualizedOddsRatio          = "equalized_odds_ratio"
	EqualOpportunityDifference  = "equal_opportunity_difference"
	EqualOpportunityRatio       = "equal_opportunity_ratio"
)

// FairnessScalars lists the fairness scalars in the order the plugin emits them.
var FairnessScalars = []string{
	DemographicParityDifference, DemographicParityRatio,
	EqualizedOddsDifference, EqualizedOddsRatio,
	EqualOpportunityDifference, EqualOpportunityRatio,
}

// Base metrics the fairness scalars are computed from.
const (
	selectionRate     = "selection_rate"
	truePositiveRate  = "true_positive_rate"
	falsePositiveRate = "false_positive_rate"
	countMetric       = "count"
)

// Name suffixes of derived points.
const (
	suffixDifference          = "_difference"
	suffixRatio               = "_ratio"
	suffixToOverall           = "_to_overall"
	suffixCILower             = "_ci_lower"
	suffixCIUpper             = "_ci_upper"
	prefixWorstGroup          = "worst_group_"
	suffixDifferenceToOverall = suffixDifference + suffixToOverall
	suffixRatioToOverall      = suffixRatio + suffixToOverall
)

// metricAliases maps the spellings found in practice to canonical snake_case names.
var metricAliases = map[string]string{
	"accuracy_score":          "accuracy",
	"acc":                     "accuracy",
	"f1_score":                "f1",
	"precision_score":         "precision",
	"recall_score":            "recall",
	"roc_auc_score":           "roc_auc",
	"auc":                     "roc_auc",
	"balanced_accuracy_score": "balanced_accuracy",
	"tpr":                     truePositiveRate,
	"fpr":                     falsePositiveRate,
	"tnr":                     "true_negative_rate",
	"fnr":                     "false_negative_rate",
	"sr":                      selectionRate,
	"dpd":                     DemographicParityDifference,
	"dpr":                     DemographicParityRatio,
	"eod":                     EqualizedOddsDifference,
	"eor":                     EqualizedOddsRatio,
	"root_mean_squared_error": "rmse",
	"mean_absolute_error":     "mae",
	"mean_squared_error":      "mse",
	"r2_score":                "r2",
}

// snake turns a header or key into snake_case: "Demographic Parity Diff" -> demographic_parity_diff.
func snake(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			under = false
			continue
		}
		if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimRight(b.String(), "_")
}

// canonMetric is the canonical DTE Trust name of a metric as a file spells it.
func canonMetric(s string) string {
	s = snake(s)
	if a, ok := metricAliases[s]; ok {
		return a
	}
	if strings.HasSuffix(s, "_diff") {
		s = strings.TrimSuffix(s, "_diff") + suffixDifference
	}
	return s
}

// isFairnessScalar reports whether m is one of the six fairness scalars.
func isFairnessScalar(m string) bool {
	for _, f := range FairnessScalars {
		if f == m {
			return true
		}
	}
	return false
}

// isDisparityName reports whether m names a disparity (a difference or ratio between groups).
func isDisparityName(m string) bool {
	return isFairnessScalar(m) || strings.HasSuffix(m, suffixDifference) || strings.HasSuffix(m, suffixRatio) ||
		strings.HasSuffix(m, suffixDifferenceToOverall) || strings.HasSuffix(m, suffixRatioToOverall)
}

// knownMetrics are the by-group metrics a CSV column is recognised by when no mapping is configured.
var knownMetrics = map[string]bool{
	"accuracy": true, "balanced_accuracy": true, "precision": true, "recall": true, "f1": true,
	"roc_auc": true, selectionRate: true, truePositiveRate: true, falsePositiveRate: true,
	"true_negative_rate": true, "false_negative_rate": true, countMetric: true, "mean_prediction": true,
	"error_rate": true, "zero_one_loss": true, "log_loss": true, "mae": true, "mse": true, "rmse": true,
	"r2": true, "brier_score_loss": true, "specificity": true, "sensitivity": true, "fallout_rate": true,
	"miss_rate": true, "overprediction": true, "underprediction": true,
}

// lowerIsBetter lists metrics whose worst group is the one with the highest value.
var lowerIsBetter = map[string]bool{
	falsePositiveRate: true, "false_negative_rate": true, "error_rate": true, "zero_one_loss": true,
	"log_loss": true, "mae": true, "mse": true, "rmse": true, "median_absolute_error": true,
	"mean_squared_log_error": true, "max_error": true, "balanced_root_mean_squared_error": true,
	"overprediction": true, "underprediction": true, "brier_score_loss": true, "fallout_rate": true,
	"miss_rate": true,
}

// higherIsBetter says which end of a metric is the worst group: ok is false for metrics whose
// extremes say nothing about harm (count, mean_prediction), which get no worst group. Selection
// rate counts as higher-is-better: the four-fifths rule treats the group with the lowest selection
// rate as the disadvantaged one (a positive prediction is the favourable outcome).
func higherIsBetter(m string) (higher, ok bool) {
	switch m {
	case countMetric, "mean_prediction":
		return false, false
	}
	if lowerIsBetter[m] || strings.HasSuffix(m, "_error") || strings.HasSuffix(m, "_loss") {
		return false, true
	}
	return true, true
}
