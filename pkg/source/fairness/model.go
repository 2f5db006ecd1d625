package fairness

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Formats an evaluation can be read from; the names appear in notices and the health check.
const (
	FormatDTE        = "dte-trust-fairness"   // the DTE Trust fairness result format (docs/fairness-format.md)
	FormatByGroupCSV = "by_group_csv"         // MetricFrame.by_group.to_csv
	FormatSummaryCSV = "summary_csv"          // one row of disparities per sensitive feature
	FormatLongCSV    = "long_csv"             // sensitive_feature, group, metric, value rows
	FormatLogTable   = "log_table"            // mlflow.log_table(mf.by_group.reset_index()): pandas split JSON
	FormatCustomJSON = "custom_json"          // hand-built {overall, by_group, fairness}
	FormatDashboard  = "dashboard_dictionary" // the retired Fairlearn dashboard dictionary (fairlearn <= 0.8)
	FormatMLflowKeys = "mlflow_metric_keys"   // MLflow metrics with the group in the key
)

// Evaluation is one fairness evaluation: one model on one data set, for one set of sensitive
// features, as read from a file, a URL or an MLflow run.
type Evaluation struct {
	Format   string
	Location string // file path, URL or MLflow run and artifact, for notices
	File     string // the file path, shown in the file label of table rows
	Link     string // URL back to the evidence a browser can open, or ""

	Time      time.Time
	TimeKnown bool // false: Time is the file's modification time

	Model, Version, RunID, Dataset string
	ExperimentID                   string

	// SensitiveFeatures names the features whose (intersectional) groups the evaluation compares;
	// empty when the source does not say (MLflow keys without a feature name).
	SensitiveFeatures []string
	Strata            []*Stratum
}

// Stratum holds the results of one control group (or of the whole evaluation when there are no
// control features): values overall and by group, plus what the source gives of the disparity
// summary. What the source does not give is derived from the by-group values.
type Stratum struct {
	Control string // control group as "feature=value,...", "" without control features

	Metrics []string // metric names in the source's order
	Overall map[string]float64
	Groups  []Group

	Disparities       map[string]*Disparity // by metric name
	Fairness          map[string]float64    // fairness scalars, method between_groups
	FairnessToOverall map[string]float64    // fairness scalars, method to_overall
	CI                *Intervals
}

// Group is one sensitive group of a stratum.
type Group struct {
	Label  string // value, or "f1=v1,f2=v2" for intersectional groups
	Count  float64
	HasCnt bool
	Values map[string]float64
}

// Disparity is the per-metric disparity summary as a source states it; NaN means not given.
type Disparity struct {
	GroupMin, GroupMax, Difference, Ratio, DifferenceToOverall, RatioToOverall float64
	WorstGroup                                                                 string
}

// newDisparity returns a Disparity with nothing given.
func newDisparity() *Disparity {
	n := math.NaN()
	return &Disparity{GroupMin: n, GroupMax: n, Difference: n, Ratio: n, DifferenceToOverall: n, RatioToOverall: n}
}

// Intervals are bootstrap confidence intervals, one value per quantile.
type Intervals struct {
	Quantiles   []float64
	Overall     map[string][]float64
	ByGroup     map[string]map[string][]float64 // group label -> metric -> values
	Disparities map[string]map[string][]float64 // metric -> difference|ratio|... -> values
}

// SensitiveLabel is the value of the sensitive_feature label: the feature name, or the names
// joined with "," for intersectional groups.
func (e *Evaluation) SensitiveLabel() string { return strings.Join(e.SensitiveFeatures, ",") }

// groupLabel builds the group label from feature names and values in the same order.
func groupLabel(features, values []string) string {
	if len(values) == 1 {
		return values[0]
	}
	parts := make([]string, len(values))
	for i, v := range values {
		name := ""
		if i < len(features) {
			name = features[i]
		}
		if name == "" {
			parts[i] = v
			continue
		}
		parts[i] = name + "=" + v
	}
	return strings.Join(parts, ",")
}

// metricNames returns the metrics of a stratum in source order, adding any that only the groups or
// overall values name (sorted, so the order is stable).
func (s *Stratum) metricNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range s.Metrics {
		if !seen[m] && m != "count" {
			seen[m] = true
			out = append(out, m)
		}
	}
	var extra []string
	add := func(m string) {
		if !seen[m] && m != "count" {
			seen[m] = true
			extra = append(extra, m)
		}
	}
	for _, g := range s.Groups {
		for m := range g.Values {
			add(m)
		}
	}
	for m := range s.Overall {
		add(m)
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// set stores a by-group value under its canonical name; count becomes the group count.
func (g *Group) set(metric string, v float64) {
	if metric == countMetric {
		if !math.IsNaN(v) {
			g.Count, g.HasCnt = v, true
		}
		return
	}
	if g.Values == nil {
		g.Values = map[string]float64{}
	}
	g.Values[metric] = v
}
