package evidently

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// legacyReport maps the {metric, result} entries of Report.json()/as_dict().
func (m *mapper) legacyReport(metrics []any) {
	for _, e := range metrics {
		em := obj(e)
		if em == nil {
			continue
		}
		name := shortType(strOf(em["metric"]))
		m.legacyMetric(name, obj(em["result"]), nil)
	}
}

// legacySnapshot maps Report.save() snapshots and 0.4-0.6 workspace files: suite.metrics[i] holds
// the metric and its parameters, suite.metric_results[i] its result; metrics_ids selects the
// first-level metrics (the others are dependencies whose numbers are repeated by their parents).
func (m *mapper) legacySnapshot(d *document) {
	st := d.Suite
	idx := d.MetricsIDs
	if len(idx) == 0 {
		for i := range st.MetricResults {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		if i < 0 || i >= len(st.MetricResults) {
			continue
		}
		res := obj(st.MetricResults[i])
		var params map[string]any
		name := ""
		if i < len(st.Metrics) {
			params = obj(st.Metrics[i])
			name = strOf(params["type"])
		}
		if name == "" {
			name = strings.TrimSuffix(strings.TrimSuffix(strOf(res["type"]), "Results"), "Result")
		}
		if !isEvidentlyType(name) {
			m.unknown(name)
			continue
		}
		m.legacyMetric(shortType(name), res, params)
	}
	if len(st.TestResults) > 0 {
		m.legacyTests(st.TestResults)
	}
}

// legacyMetric maps one legacy metric result by class name, through legacyMetrics (mapping.go).
func (m *mapper) legacyMetric(name string, res map[string]any, _ map[string]any) {
	if res == nil {
		return
	}
	if fn, ok := legacyMetrics[name]; ok {
		fn(m, res)
		return
	}
	if _, known := legacyIgnored[name]; !known {
		m.unknown(name)
	}
}

// legacyDriftTable: DatasetDriftMetric and DataDriftTable, the dataset's drift and each column's.
func (m *mapper) legacyDriftTable(res map[string]any) {
	m.datasetDrift(res)
	for _, col := range sortedKeys(obj(res["drift_by_columns"])) {
		m.columnDrift(obj(obj(res["drift_by_columns"])[col]), col)
	}
}

// legacyColumnDrift: ColumnDriftMetric, one column's drift.
func (m *mapper) legacyColumnDrift(res map[string]any) { m.columnDrift(res, "") }

// legacyQuality: ClassificationQualityMetric and RegressionQualityMetric, the current data's
// quality fields named in accuracyFields.
func (m *mapper) legacyQuality(res map[string]any) {
	m.accuracyValues(obj(res["current"]))
}

// accuracyValues adds the accuracyFields of o, with the given labels.
func (m *mapper) accuracyValues(o map[string]any, labels ...string) {
	for _, k := range sortedKeys(o) {
		if metric, ok := accuracyFields[k]; ok {
			if f, ok := num(o[k]); ok {
				m.add(val(trust.Accuracy, metric, f, labels...))
			}
		}
	}
}

// legacyQualityByClass: ClassificationQualityByClass, the accuracyFields of each class.
func (m *mapper) legacyQualityByClass(res map[string]any) {
	cur := obj(res["current"])
	byClass := obj(cur["metrics"])
	if byClass == nil {
		byClass = obj(res["metrics"])
	}
	for _, cls := range sortedKeys(byClass) {
		m.accuracyValues(obj(byClass[cls]), LabelClass, cls)
	}
}

// legacyDatasetMissing: DatasetMissingValuesMetric, dataset counts and shares (datasetMissingFields)
// and per column (missingByColumnFields).
func (m *mapper) legacyDatasetMissing(res map[string]any) {
	cur := obj(res["current"])
	for _, f := range datasetMissingFields {
		m.numField(cur, f[0], f[1])
	}
	for _, f := range missingByColumnFields {
		m.byColumn(obj(cur[f[0]]), f[1])
	}
}

// legacyColumnMissing: ColumnMissingValuesMetric, one column's missing values.
func (m *mapper) legacyColumnMissing(res map[string]any) {
	cur := obj(res["current"])
	col := strOf(res["column_name"])
	if f, ok := num(cur["number_of_missing_values"]); ok {
		m.add(val(trust.Quality, "missing_values", f, trust.LabelFeature, col))
	}
	if f, ok := num(cur["share_of_missing_values"]); ok {
		m.add(val(trust.Quality, "missing_values_share", f, trust.LabelFeature, col))
	}
}

// legacyDatasetSummary: DatasetSummaryMetric, the fields named in summaryFields.
func (m *mapper) legacyDatasetSummary(res map[string]any) {
	cur := obj(res["current"])
	for _, k := range sortedKeys(cur) {
		if metric, ok := summaryFields[k]; ok {
			if f, ok := num(cur[k]); ok {
				m.add(val(trust.Quality, metric, f))
			}
		}
	}
}

// legacyColumnSummary: ColumnSummaryMetric, one column's current characteristics.
func (m *mapper) legacyColumnSummary(res map[string]any) {
	col := strOf(res["column_name"])
	cur := obj(res["current_characteristics"])
	for _, k := range sortedKeys(cur) {
		f, ok := num(cur[k])
		if !ok {
			continue
		}
		switch k {
		case "missing":
			m.add(val(trust.Quality, "missing_values", f, trust.LabelFeature, col))
		case "missing_percentage":
			m.add(val(trust.Quality, "missing_values_share", f/100, trust.LabelFeature, col))
		case "mean", "std", "min", "max":
			m.add(val(trust.Quality, k+"_value", f, trust.LabelFeature, col))
		case "p25", "p50", "p75":
			m.add(val(trust.Quality, "quantile_value", f, trust.LabelFeature, col, LabelQuantile, columnQuantiles[k]))
		case "unique":
			m.add(val(trust.Quality, "unique_values", f, trust.LabelFeature, col))
		}
	}
}

func (m *mapper) numField(o map[string]any, key, metric string) {
	if f, ok := num(o[key]); ok {
		m.add(val(trust.Quality, metric, f))
	}
}

func (m *mapper) byColumn(o map[string]any, metric string) {
	for _, col := range sortedKeys(o) {
		if f, ok := num(o[col]); ok {
			m.add(val(trust.Quality, metric, f, trust.LabelFeature, col))
		}
	}
}

// datasetDrift maps DatasetDriftMetric and DataDriftTable's dataset-level numbers. drift_share in
// the result is the threshold parameter; the measured share is share_of_drifted_columns.
func (m *mapper) datasetDrift(res map[string]any) {
	share, ok := num(res["share_of_drifted_columns"])
	if !ok {
		return
	}
	drifted, hasDrift := num(res["dataset_drift"])
	v := val(trust.Drift, "drift_share", share)
	if th, ok := num(res["drift_share"]); ok {
		v.Threshold = ptr(th)
	}
	if hasDrift {
		v.Status = boolStatus(drifted == 1)
	}
	m.add(v)
	if n, ok := num(res["number_of_drifted_columns"]); ok {
		m.add(val(trust.Drift, "drifted_columns", n))
	}
	if hasDrift {
		d := val(trust.Drift, "dataset_drift", drifted)
		d.Status, d.Threshold = boolStatus(drifted == 1), v.Threshold
		m.add(d)
	}
}

// columnDrift maps one column's drift (drift_by_columns entry or ColumnDriftMetric result).
func (m *mapper) columnDrift(c map[string]any, col string) {
	if c == nil {
		return
	}
	if n := strOf(c["column_name"]); n != "" {
		col = n
	}
	score, ok := num(c["drift_score"])
	if !ok {
		return
	}
	method := strOf(c["stattest_name"])
	th, hasTh := num(c["stattest_threshold"])
	labels := []string{trust.LabelFeature, col, LabelMethod, method}
	if hasTh {
		labels = append(labels, LabelThreshold, formatNum(th))
	}
	det, hasDet := num(c["drift_detected"])
	v := val(trust.Drift, "drift_score", score, labels...)
	if hasTh {
		v.Threshold = ptr(th)
	}
	if hasDet {
		v.Status = boolStatus(det == 1)
	}
	m.add(v)
	if hasDet {
		d := val(trust.Drift, "drift_detected", det, labels...)
		d.Status = boolStatus(det == 1)
		if hasTh {
			d.Threshold = ptr(th)
		}
		m.add(d)
	}
}

// legacyTests maps TestSuite results: {name, description, status, group, parameters}.
func (m *mapper) legacyTests(tests []any) {
	var rs []testResult
	for _, t := range tests {
		tm := obj(t)
		if tm == nil {
			continue
		}
		p := obj(tm["parameters"])
		col := strOf(p["column_name"])
		rs = append(rs, testResult{name: strOf(tm["name"]), status: strings.ToUpper(strOf(tm["status"])), feature: col, group: strOf(tm["group"])})
	}
	m.tests(rs)
}

// testResult is one test outcome, legacy or new.
type testResult struct {
	name, status, feature, group string
}

// testStatuses are Evidently's test statuses; each gets a tests_by_status series, zero included,
// so an alert on FAIL always has a series to evaluate.
var testStatuses = []string{"SUCCESS", "WARNING", "FAIL", "ERROR", "SKIPPED"}

// tests emits the summary counts and one test_failed value per test. Evidently's summary counts
// WARNING as success (success_tests); tests_failed counts FAIL and ERROR, as its failed_tests does.
func (m *mapper) tests(rs []testResult) {
	if len(rs) == 0 {
		return
	}
	by := map[string]int{}
	for _, r := range rs {
		by[r.status]++
	}
	m.add(val(trust.Quality, "tests_total", float64(len(rs))))
	m.add(val(trust.Quality, "tests_passed", float64(by["SUCCESS"]+by["WARNING"])))
	failed := val(trust.Quality, "tests_failed", float64(by["FAIL"]+by["ERROR"]))
	failed.Threshold = ptr(0)
	failed.Status = boolStatus(by["FAIL"]+by["ERROR"] > 0)
	m.add(failed)
	statuses := append([]string(nil), testStatuses...)
	for s := range by {
		if !contains(statuses, s) {
			statuses = append(statuses, s)
		}
	}
	for _, s := range statuses {
		m.add(val(trust.Quality, "tests_by_status", float64(by[s]), LabelTestStatus, s))
	}
	// Test names repeat (one "Share of Out-of-Range Values" per column, with no column named in
	// 0.3 files): number the repeats so every test keeps its own series across reports.
	count := map[string]int{}
	for _, r := range rs {
		key := r.name + "\x00" + r.feature
		count[key]++
		name := r.name
		if n := count[key]; n > 1 {
			name = fmt.Sprintf("%s #%d", r.name, n)
		}
		f := r.status == "FAIL" || r.status == "ERROR"
		v := val(trust.Quality, "test_failed", b2f(f), LabelTest, name, trust.LabelFeature, r.feature)
		v.Status = boolStatus(f)
		m.add(v)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
