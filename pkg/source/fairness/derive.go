package fairness

import (
	"math"
)

// The functions below reproduce Fairlearn's aggregations (fairlearn/metrics/_disaggregated_result.py
// and _fairness_metrics.py) on by-group values, so that a disparity the plugin derives equals the
// one Fairlearn computes. pandas skips NaN in min and max; a metric undefined for every group
// stays NaN.

// groupMin is MetricFrame.group_min: the smallest non-NaN value.
func groupMin(vals []float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		if !math.IsNaN(v) && (math.IsNaN(out) || v < out) {
			out = v
		}
	}
	return out
}

// groupMax is MetricFrame.group_max: the largest non-NaN value.
func groupMax(vals []float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		if !math.IsNaN(v) && (math.IsNaN(out) || v > out) {
			out = v
		}
	}
	return out
}

// maxAbsFrom is max(|v - ref|) over the non-NaN values, NaN when there are none.
func maxAbsFrom(vals []float64, ref float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		d := math.Abs(v - ref)
		if !math.IsNaN(d) && (math.IsNaN(out) || d > out) {
			out = d
		}
	}
	return out
}

// differenceBetween is MetricFrame.difference(method="between_groups"): the largest absolute
// difference from the group minimum, i.e. group_max - group_min.
func differenceBetween(vals []float64) float64 { return maxAbsFrom(vals, groupMin(vals)) }

// ratioBetween is MetricFrame.ratio(method="between_groups"): group_min / group_max.
func ratioBetween(vals []float64) float64 { return groupMin(vals) / groupMax(vals) }

// differenceToOverall is MetricFrame.difference(method="to_overall"): the largest absolute
// difference between a group and the overall value.
func differenceToOverall(vals []float64, overall float64) float64 { return maxAbsFrom(vals, overall) }

// ratioToOverall is MetricFrame.ratio(method="to_overall"): each group over the overall value,
// inverted when above 1, and the smallest of those.
func ratioToOverall(vals []float64, overall float64) float64 {
	out := math.NaN()
	for _, v := range vals {
		r := v / overall
		if r > 1 {
			r = 1 / r
		}
		if !math.IsNaN(r) && (math.IsNaN(out) || r < out) {
			out = r
		}
	}
	return out
}

// pyMax is Python's built-in max over a sequence: it keeps the first item and replaces it only by
// a greater one, so a NaN in first place wins. equalized_odds_difference takes
// max([tpr_difference, fpr_difference]) so.
func pyMax(vals ...float64) float64 {
	out := vals[0]
	for _, v := range vals[1:] {
		if v > out {
			out = v
		}
	}
	return out
}

// pyMin is Python's built-in min (see pyMax); equalized_odds_ratio is min([tpr_ratio, fpr_ratio]).
func pyMin(vals ...float64) float64 {
	out := vals[0]
	for _, v := range vals[1:] {
		if v < out {
			out = v
		}
	}
	return out
}

// aggregate computes one of the four disparity aggregations of a metric.
func aggregate(kind string, vals []float64, overall float64) float64 {
	switch kind {
	case suffixDifference:
		return differenceBetween(vals)
	case suffixRatio:
		return ratioBetween(vals)
	case suffixDifferenceToOverall:
		return differenceToOverall(vals, overall)
	default:
		return ratioToOverall(vals, overall)
	}
}

// worstGroup returns the index of the worst group for a metric (the first one, as pandas idxmin
// and idxmax do), or -1 when every value is NaN or the metric has no worst group.
func worstGroup(metric string, vals []float64) int {
	higher, ok := higherIsBetter(metric)
	if !ok {
		return -1
	}
	best := -1
	for i, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		if best < 0 || (higher && v < vals[best]) || (!higher && v > vals[best]) {
			best = i
		}
	}
	return best
}
