package evidently

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// samplesDir holds the real Evidently files of the shared samples (see their PROVENANCE.md), beside
// the repository (CI) or at /work/shared. The tests read them in place.
var samplesDir = func() string {
	dir := filepath.Join("..", "..", "..", "..", "shared", "samples", "evidently")
	if _, err := os.Stat(dir); err != nil {
		return "/work/shared/samples/evidently"
	}
	return dir
}()

func sample(t *testing.T, name string) *Report {
	t.Helper()
	p := filepath.Join(samplesDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared sample %s missing: %v", p, err)
	}
	r, err := ParseFile(p, 64<<20)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// kv renders labels as "k=v,k=v" in key order for compact expectations.
func kv(l trust.Labels) string {
	var parts []string
	for _, k := range trust.SortedLabelKeys(l) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}

// find returns the value with the metric and exact labels, failing the test when it is missing.
func find(t *testing.T, r *Report, dim trust.Dimension, metric, labels string) Value {
	t.Helper()
	for _, v := range r.Values {
		if v.Dim == dim && v.Metric == metric && kv(v.Labels.Map()) == labels {
			return v
		}
	}
	t.Fatalf("no %s %s{%s} in %d values", dim, metric, labels, len(r.Values))
	return Value{}
}

func count(r *Report, dim trust.Dimension, metric string) int {
	n := 0
	for _, v := range r.Values {
		if v.Dim == dim && v.Metric == metric {
			n++
		}
	}
	return n
}

func eq(t *testing.T, what string, got, want float64) {
	t.Helper()
	if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func mtimeOf(t *testing.T, name string) time.Time {
	st, err := os.Stat(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return st.ModTime().UTC()
}

func TestSample01LegacyTestSuite(t *testing.T) {
	r := sample(t, "01_v0.3.3_legacy_TestSuite_json.json")
	if r.Format != FormatLegacyTestSuite || r.Version != "0.3.3" {
		t.Fatalf("format %s version %s", r.Format, r.Version)
	}
	if want := time.Date(2023, 6, 20, 13, 34, 20, 813084000, time.UTC); !r.Time.Equal(want) || r.TimeFromMtime {
		t.Errorf("time %v (from mtime %v), want %v", r.Time, r.TimeFromMtime, want)
	}
	eq(t, "tests_total", find(t, r, trust.Quality, "tests_total", "").Value, 40)
	eq(t, "tests_passed", find(t, r, trust.Quality, "tests_passed", "").Value, 36)
	failed := find(t, r, trust.Quality, "tests_failed", "")
	eq(t, "tests_failed", failed.Value, 4)
	if failed.Status != trust.StatusFail {
		t.Errorf("tests_failed status %s", failed.Status)
	}
	eq(t, "SUCCESS", find(t, r, trust.Quality, "tests_by_status", "test_status=SUCCESS").Value, 36)
	eq(t, "FAIL", find(t, r, trust.Quality, "tests_by_status", "test_status=FAIL").Value, 4)
	eq(t, "WARNING", find(t, r, trust.Quality, "tests_by_status", "test_status=WARNING").Value, 0)
	// the four failing tests are all "Share of Out-of-Range Values": the 1st, 3rd, 5th and 6th of
	// eight, numbered in file order because 0.3 names no column
	var failing []string
	for _, v := range r.Values {
		if v.Metric == "test_failed" && v.Value == 1 {
			failing = append(failing, v.Labels.Get(LabelTest))
		}
	}
	want := "Share of Out-of-Range Values,Share of Out-of-Range Values #3,Share of Out-of-Range Values #5,Share of Out-of-Range Values #6"
	if got := strings.Join(failing, ","); got != want {
		t.Errorf("failing tests %s, want %s", got, want)
	}
	if n := count(r, trust.Quality, "test_failed"); n != 40 {
		t.Errorf("%d test_failed values, want 40", n)
	}
	// a repeated name with a column stays apart by its feature label
	eq(t, "missing share test", find(t, r, trust.Quality, "test_failed", "feature=MedInc,test=The Share of Missing Values in a Column").Value, 0)
}

func TestSample02LegacySnapshotNaN(t *testing.T) {
	r := sample(t, "02_v0.4.x_legacy_Snapshot_Report_save.json")
	if r.Format != FormatLegacySnapshot || r.ID != "fad28719-a922-4acf-8837-4c120656fef6" {
		t.Fatalf("format %s id %s", r.Format, r.ID)
	}
	if want := time.Date(2024, 2, 5, 2, 0, 54, 199165000, time.UTC); !r.Time.Equal(want) {
		t.Errorf("time %v want %v", r.Time, want)
	}
	share := find(t, r, trust.Drift, "drift_share", "")
	eq(t, "drift_share (measured share_of_drifted_columns)", share.Value, 0.3333333333333333)
	if share.Threshold == nil || *share.Threshold != 0.5 || share.Status != trust.StatusOK {
		t.Errorf("drift_share threshold %v status %s", share.Threshold, share.Status)
	}
	eq(t, "drifted_columns", find(t, r, trust.Drift, "drifted_columns", "").Value, 2)
	eq(t, "dataset_drift", find(t, r, trust.Drift, "dataset_drift", "").Value, 0)
	cases := []struct {
		feature, method string
		score, detected float64
	}{
		{"Amount Spent HYP 20", "K-S p_value", 0.18163494064701402, 0},
		{"Impressions", "K-S p_value", 0.13804958712142149, 0},
		{"Net_Sales", "K-S p_value", 0.4636906691856864, 0},
		{"Reach", "K-S p_value", 0.18163494064701402, 0},
		{"Unique link clicks", "K-S p_value", 1.8667075282598969e-06, 1},
		{"Date", "chi-square p_value", 0, 1},
	}
	for _, c := range cases {
		labels := "feature=" + c.feature + ",method=" + c.method + ",threshold=0.05"
		s := find(t, r, trust.Drift, "drift_score", labels)
		eq(t, c.feature+" drift_score", s.Value, c.score)
		if s.Threshold == nil || *s.Threshold != 0.05 {
			t.Errorf("%s threshold %v", c.feature, s.Threshold)
		}
		eq(t, c.feature+" drift_detected", find(t, r, trust.Drift, "drift_detected", labels).Value, c.detected)
	}
	if len(r.Values) != 15 || len(r.Unknown) != 0 {
		t.Errorf("%d values, unknown %v; want 15 and none", len(r.Values), r.Unknown)
	}
}

func TestSample03LegacyRegression(t *testing.T) {
	r := sample(t, "03_v0.5.1_legacy_Report_json_RegressionQuality.json")
	if r.Format != FormatLegacyReport || r.Version != "0.5.1" {
		t.Fatalf("format %s version %s", r.Format, r.Version)
	}
	if want := time.Date(2024, 12, 30, 13, 28, 58, 943100000, time.UTC); !r.Time.Equal(want) {
		t.Errorf("time %v want %v", r.Time, want)
	}
	want := map[string]float64{
		"r2_score": 0.7577479576654126, "rmse": 25.411887109217467, "mean_error": -0.779032258064516,
		"mean_abs_error": 15.51666666666667, "mean_abs_perc_error": 70.24924113263857, "abs_error_max": 139.5,
		"error_std": 25.46849918920047, "abs_error_std": 20.17885614486895, "abs_perc_error_std": 1.8311576607097366,
	}
	for m, w := range want {
		eq(t, m, find(t, r, trust.Accuracy, m, "").Value, w)
	}
	if len(r.Values) != len(want) || len(r.Unknown) != 0 {
		t.Errorf("%d values (unknown %v), want only the %d current regression metrics", len(r.Values), r.Unknown, len(want))
	}
}

func TestSample03bProjectMetadata(t *testing.T) {
	r := sample(t, "03b_v0.5.1_workspace_project_metadata.json")
	if r.Format != FormatProject || len(r.Values) != 0 {
		t.Fatalf("format %s, %d values", r.Format, len(r.Values))
	}
}

func TestSample04MetricID(t *testing.T) {
	name := "04_v0.7.x_pre0.7.16_Snapshot_json_metric_id.json"
	r := sample(t, name)
	if r.Format != FormatMetricID {
		t.Fatalf("format %s", r.Format)
	}
	if !r.TimeFromMtime || !r.Time.Equal(mtimeOf(t, name)) {
		t.Errorf("time %v from mtime %v: want the file's mtime", r.Time, r.TimeFromMtime)
	}
	eq(t, "drift_share", find(t, r, trust.Drift, "drift_share", "").Value, 0.17)
	eq(t, "drifted_columns", find(t, r, trust.Drift, "drifted_columns", "").Value, 17)
	// no dataset_drift in the new API: share 0.17 < drift_share 0.5
	eq(t, "dataset_drift", find(t, r, trust.Drift, "dataset_drift", "").Value, 0)
	if n := count(r, trust.Drift, "drift_score"); n != 100 {
		t.Errorf("%d drift_score values, want 100", n)
	}
	eq(t, "EXT_SOURCE_2", find(t, r, trust.Drift, "drift_score", "feature=EXT_SOURCE_2").Value, 0.04530164425520005)
	eq(t, "DAYS_EMPLOYED", find(t, r, trust.Drift, "drift_score", "feature=DAYS_EMPLOYED").Value, 5021.237698262498)
	eq(t, "NAME_EDUCATION_TYPE_Secondary / secondary special", find(t, r, trust.Drift, "drift_score", "feature=NAME_EDUCATION_TYPE_Secondary / secondary special").Value, 0.006006608919581253)
	// no tests in the file: drift per column is not known, so no drift_detected is invented
	if n := count(r, trust.Drift, "drift_detected"); n != 0 {
		t.Errorf("%d drift_detected values without tests", n)
	}
}

func TestSample05MetricNameConfigTests(t *testing.T) {
	r := sample(t, "05_v0.7.20_Snapshot_save_json_metric_name_config_tests.json")
	if r.Format != FormatMetricName || !r.TimeFromMtime {
		t.Fatalf("format %s from mtime %v", r.Format, r.TimeFromMtime)
	}
	share := find(t, r, trust.Drift, "drift_share", "")
	eq(t, "drift_share", share.Value, 0.8421052631578947)
	if share.Status != trust.StatusFail || *share.Threshold != 0.5 {
		t.Errorf("drift_share status %s threshold %v", share.Status, *share.Threshold)
	}
	eq(t, "drifted_columns", find(t, r, trust.Drift, "drifted_columns", "").Value, 16)
	eq(t, "dataset_drift", find(t, r, trust.Drift, "dataset_drift", "").Value, 1)
	age := "feature=age,method=Wasserstein distance (normed),threshold=0.1"
	eq(t, "age drift_score", find(t, r, trust.Drift, "drift_score", age).Value, 0.46325057459997)
	eq(t, "age drift_detected", find(t, r, trust.Drift, "drift_detected", age).Value, 1)
	housing := "feature=housing,method=Jensen-Shannon distance,threshold=0.1"
	eq(t, "housing drift_detected", find(t, r, trust.Drift, "drift_detected", housing).Value, 0)
	if n := count(r, trust.Drift, "drift_score"); n != 19 {
		t.Errorf("%d drift_score, want 19", n)
	}
	detected := 0
	for _, v := range r.Values {
		if v.Metric == "drift_detected" && v.Value == 1 {
			detected++
		}
	}
	if detected != 16 {
		t.Errorf("%d columns with drift_detected=1, want 16 (= drifted_columns)", detected)
	}
	// tests: 130 = 80 SUCCESS + 50 FAIL
	eq(t, "tests_total", find(t, r, trust.Quality, "tests_total", "").Value, 130)
	eq(t, "tests_passed", find(t, r, trust.Quality, "tests_passed", "").Value, 80)
	eq(t, "tests_failed", find(t, r, trust.Quality, "tests_failed", "").Value, 50)
	eq(t, "FAIL", find(t, r, trust.Quality, "tests_by_status", "test_status=FAIL").Value, 50)
	eq(t, "lt test", find(t, r, trust.Quality, "test_failed", "test=Share of Drifted Columns: Less 0.500").Value, 1)
	eq(t, "age drift test", find(t, r, trust.Quality, "test_failed", "feature=age,test=Value Drift for column age").Value, 1)
	// data quality values
	eq(t, "row_count", find(t, r, trust.Quality, "row_count", "").Value, 6179)
	eq(t, "duplicated_row_count", find(t, r, trust.Quality, "duplicated_row_count", "").Value, 132)
	eq(t, "missing_values", find(t, r, trust.Quality, "missing_values", "").Value, 0)
	eq(t, "missing_values_share job", find(t, r, trust.Quality, "missing_values_share", "feature=job").Value, 0)
	eq(t, "mean age", find(t, r, trust.Quality, "mean_value", "feature=age").Value, 41.483735232238224)
	eq(t, "q25 age", find(t, r, trust.Quality, "quantile_value", "feature=age,quantile=0.25").Value, 30)
	eq(t, "unique job admin.", find(t, r, trust.Quality, "unique_value_count", "feature=job,value_label=admin.").Value, 1953)
	if len(r.Unknown) != 0 {
		t.Errorf("unknown types %v", r.Unknown)
	}
}

func TestSample06LegacyAsDict(t *testing.T) {
	name := "06_v0.7.20_evidently.legacy_Report_as_dict_drift.json"
	r := sample(t, name)
	if r.Format != FormatLegacyReport || !r.TimeFromMtime || !r.Time.Equal(mtimeOf(t, name)) {
		t.Fatalf("format %s time %v from mtime %v", r.Format, r.Time, r.TimeFromMtime)
	}
	eq(t, "drift_share", find(t, r, trust.Drift, "drift_share", "").Value, 1)
	eq(t, "drifted_columns", find(t, r, trust.Drift, "drifted_columns", "").Value, 10)
	eq(t, "dataset_drift", find(t, r, trust.Drift, "dataset_drift", "").Value, 1)
	// DatasetDriftMetric and DataDriftTable both carry the dataset numbers: one value each
	if n := count(r, trust.Drift, "drift_share"); n != 1 {
		t.Errorf("%d drift_share values, want 1", n)
	}
	eq(t, "label", find(t, r, trust.Drift, "drift_score", "feature=label,method=Z-test p_value,threshold=0.05").Value, 0)
	eq(t, "entropy", find(t, r, trust.Drift, "drift_score", "feature=entropy,method=K-S p_value,threshold=0.05").Value, 2.3335940506485255e-15)
	if n := count(r, trust.Drift, "drift_detected"); n != 10 {
		t.Errorf("%d drift_detected, want 10", n)
	}
	eq(t, "row_count", find(t, r, trust.Quality, "row_count", "").Value, 624)
	eq(t, "duplicated_row_count", find(t, r, trust.Quality, "duplicated_row_count", "").Value, 6)
	eq(t, "missing share", find(t, r, trust.Quality, "missing_values_share", "").Value, 0)
	eq(t, "entropy mean", find(t, r, trust.Quality, "mean_value", "feature=entropy").Value, -5.49)
	eq(t, "entropy p50", find(t, r, trust.Quality, "quantile_value", "feature=entropy,quantile=0.5").Value, -5.33)
	if len(r.Unknown) != 0 {
		t.Errorf("unknown %v", r.Unknown)
	}
}
