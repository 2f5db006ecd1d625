package evidently

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// legacyIgnored are legacy metric classes that carry no trust value (plots, tables of examples,
// configuration echoes). They are recognised, so they raise no "unknown type" notice.
var legacyIgnored = map[string]bool{
	"RegressionPredictedVsActualScatter": true, "RegressionPredictedVsActualPlot": true,
	"RegressionErrorPlot": true, "RegressionAbsPercentageErrorPlot": true, "RegressionErrorDistribution": true,
	"RegressionErrorNormality": true, "RegressionTopErrorMetric": true, "RegressionErrorBiasTable": true,
	"RegressionDummyMetric": true, "ClassificationDummyMetric": true, "ClassificationClassBalance": true,
	"ClassificationConfusionMatrix": true, "ClassificationClassSeparationPlot": true,
	"ClassificationProbDistribution": true, "ClassificationRocCurve": true, "ClassificationPRCurve": true,
	"ClassificationPRTable": true, "ClassificationQualityByFeatureTable": true, "ClassificationLiftCurve": true,
	"ClassificationLiftTable": true, "ColumnDistributionMetric": true, "ColumnValuePlot": true,
	"DatasetCorrelationsMetric": true, "ColumnCorrelationsMetric": true, "ColumnInteractionPlot": true,
	"TextDescriptorsDistribution": true, "TextDescriptorsCorrelationMetric": true, "ConflictTargetMetric": true,
	"ConflictPredictionMetric": true, "TargetByFeaturesTable": true,
	"EmbeddingsDriftMetric": true, "ColumnRegExpMetric": true, "ColumnCategoryMetric": true,
	"ColumnValueListMetric": true, "ColumnValueRangeMetric": true, "ColumnQuantileMetric": true,
	"CommentMetric": true, "TextEvals": true,
}

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

// legacyMetric maps one legacy metric result by class name.
func (m *mapper) legacyMetric(name string, res map[string]any, params map[string]any) {
	if res == nil {
		return
	}
	switch name {
	case "DatasetDriftMetric", "DataDriftTable":
		m.datasetDrift(res)
		for _, col := range sortedKeys(obj(res["drift_by_columns"])) {
			m.columnDrift(obj(obj(res["drift_by_columns"])[col]), col)
		}
	case "ColumnDriftMetric":
		m.columnDrift(res, "")
	case "ClassificationQualityMetric", "RegressionQualityMetric":
		cur := obj(res["current"])
		for _, k := range sortedKeys(cur) {
			if metric, ok := accuracyFields[k]; ok {
				if f, ok := num(cur[k]); ok {
					m.add(val(trust.Accuracy, metric, f))
				}
			}
		}
	case "ClassificationQualityByClass":
		cur := obj(res["current"])
		byClass := obj(cur["metrics"])
		if byClass == nil {
			byClass = obj(res["metrics"])
		}
		for _, cls := range sortedKeys(byClass) {
			cm := obj(byClass[cls])
			for _, k := range sortedKeys(cm) {
				if metric, ok := accuracyFields[k]; ok {
					if f, ok := num(cm[k]); ok {
						m.add(val(trust.Accuracy, metric, f, LabelClass, cls))
					}
				}
			}
		}
	case "DatasetMissingValuesMetric":
		cur := obj(res["current"])
		m.numField(cur, "number_of_missing_values", "missing_values")
		m.numField(cur, "share_of_missing_values", "missing_values_share")
		m.numField(cur, "number_of_rows_with_missing_values", "rows_with_missing_values")
		m.numField(cur, "share_of_rows_with_missing_values", "rows_with_missing_values_share")
		m.numField(cur, "number_of_columns_with_missing_values", "columns_with_missing_values")
		m.numField(cur, "share_of_columns_with_missing_values", "columns_with_missing_values_share")
		m.byColumn(obj(cur["number_of_missing_values_by_column"]), "missing_values")
		m.byColumn(obj(cur["share_of_missing_values_by_column"]), "missing_values_share")
	case "ColumnMissingValuesMetric":
		cur := obj(res["current"])
		col := strOf(res["column_name"])
		if f, ok := num(cur["number_of_missing_values"]); ok {
			m.add(val(trust.Quality, "missing_values", f, trust.LabelFeature, col))
		}
		if f, ok := num(cur["share_of_missing_values"]); ok {
			m.add(val(trust.Quality, "missing_values_share", f, trust.LabelFeature, col))
		}
	case "DatasetSummaryMetric":
		cur := obj(res["current"])
		for _, k := range sortedKeys(cur) {
			if metric, ok := summaryFields[k]; ok {
				if f, ok := num(cur[k]); ok {
					m.add(val(trust.Quality, metric, f))
				}
			}
		}
	case "ColumnSummaryMetric":
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
				q := map[string]string{"p25": "0.25", "p50": "0.5", "p75": "0.75"}[k]
				m.add(val(trust.Quality, "quantile_value", f, trust.LabelFeature, col, LabelQuantile, q))
			case "unique":
				m.add(val(trust.Quality, "unique_values", f, trust.LabelFeature, col))
			}
		}
	default:
		if _, known := legacyIgnored[name]; !known {
			m.unknown(name)
		}
	}
}

// accuracyFields maps legacy classification and regression quality fields to canonical names.
var accuracyFields = map[string]string{
	"accuracy": "accuracy", "precision": "precision", "recall": "recall", "f1": "f1", "roc_auc": "roc_auc",
	"log_loss": "log_loss", "tpr": "tpr", "tnr": "tnr", "fpr": "fpr", "fnr": "fnr",
	"r2_score": "r2_score", "rmse": "rmse", "mean_error": "mean_error", "mean_abs_error": "mean_abs_error",
	"mean_abs_perc_error": "mean_abs_perc_error", "abs_error_max": "abs_error_max", "error_std": "error_std",
	"abs_error_std": "abs_error_std", "abs_perc_error_std": "abs_perc_error_std",
}

// summaryFields maps DatasetSummaryMetric fields to the names the new API's metrics get.
var summaryFields = map[string]string{
	"number_of_rows": "row_count", "number_of_columns": "column_count", "number_of_missing_values": "missing_values",
	"number_of_constant_columns": "constant_columns_count", "number_of_almost_constant_columns": "almost_constant_columns_count",
	"number_of_duplicated_columns": "duplicated_columns_count", "number_of_almost_duplicated_columns": "almost_duplicated_columns_count",
	"number_of_empty_rows": "empty_rows_count", "number_of_empty_columns": "empty_columns_count",
	"number_of_duplicated_rows": "duplicated_row_count",
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
