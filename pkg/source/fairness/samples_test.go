package fairness

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// samplesDir holds real files practitioners wrote (shared/samples/fairlearn, see its
// PROVENANCE.md); the tests read them in place.
var samplesDir = filepath.Join("..", "..", "..", "..", "shared", "samples", "fairlearn")

func sample(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(samplesDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared sample %s is missing (the tests read ../shared/samples in place): %v", name, err)
	}
	return p
}

// want builds expected points: metric, group ("" for none), value.
type wantPoint struct {
	metric, group string
	value         float64
}

func samplePoints(t *testing.T, file string, settings map[string]any) ([]trust.Point, []trust.Notice) {
	t.Helper()
	if settings == nil {
		settings = map[string]any{}
	}
	settings["fairlearnPaths"] = []string{file}
	raw, _ := json.Marshal(settings)
	p, err := New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: trust.QueryFairness, Format: trust.FormatTimeseries})
	if err != nil {
		t.Fatal(err)
	}
	return ev.Points, ev.Notices
}

func assertSample(t *testing.T, got []trust.Point, common map[string]string, want []wantPoint) {
	t.Helper()
	var exp []expectedPoint
	for _, w := range want {
		v := w.value
		labels := map[string]string{}
		if w.group != "" {
			labels[trust.LabelGroup] = w.group
		}
		exp = append(exp, expectedPoint{Metric: w.metric, Labels: labels, Value: &v})
	}
	comparePoints(t, got, common, exp, 1e-15)
	for _, pt := range got {
		if pt.Dimension != trust.Fairness || pt.Link != "" {
			t.Errorf("%s: dimension %s, link %q", pt.Metric, pt.Dimension, pt.Link)
		}
	}
}

// Sample 01: hand-built JSON from a MetricFrame (RdaKA12/mlsecops). DPD and EOD are stated; the
// rest is derived from the by-group values.
func TestSampleCustomJSON(t *testing.T) {
	got, notices := samplePoints(t, sample(t, "01_custom_json_from_MetricFrame__also_mlflow_artifact.json"), nil)
	assertSample(t, got, map[string]string{"source": "fairlearn", "sensitive_feature": "mean radius"}, []wantPoint{
		{"accuracy", "0", 1.0}, {"accuracy", "1", 0.9122807017543859},
		{"f1", "0", 1.0}, {"f1", "1", 0.8571428571428571},
		{"selection_rate", "0", 0.9649122807017544}, {"selection_rate", "1", 0.3157894736842105},
		{"accuracy", "", 0.956140350877193}, {"f1", "", 0.9655172413793104}, {"selection_rate", "", 0.6403508771929824},
		{"accuracy_difference", "", 0.08771929824561409}, {"accuracy_ratio", "", 0.9122807017543859},
		{"f1_difference", "", 0.1428571428571429}, {"f1_ratio", "", 0.8571428571428571},
		{"selection_rate_difference", "", 0.6491228070175439}, {"selection_rate_ratio", "", 0.32727272727272727},
		{"worst_group_accuracy", "1", 0.9122807017543859}, {"worst_group_f1", "1", 0.8571428571428571},
		{"worst_group_selection_rate", "1", 0.3157894736842105},
		{"demographic_parity_difference", "", 0.6491228070175439}, // stated
		{"demographic_parity_ratio", "", 0.32727272727272727},     // derived from selection_rate
		{"equalized_odds_difference", "", 0.11764705882352944},    // stated
	})
	requireInfo(t, notices, "no timestamp")
}

// Sample 02: MetricFrame.by_group.to_csv (Elactic2702/AI-Biased-Detection).
func TestSampleByGroupCSV(t *testing.T) {
	got, _ := samplePoints(t, sample(t, "02_MetricFrame_by_group_to_csv.csv"), nil)
	assertSample(t, got, map[string]string{"source": "fairlearn", "sensitive_feature": "gender"}, []wantPoint{
		{"accuracy", "female", 0.6}, {"accuracy", "male", 0.57},
		{"selection_rate", "female", 0.15}, {"selection_rate", "male", 0.2},
		{"accuracy_difference", "", 0.030000000000000027}, {"accuracy_ratio", "", 0.95},
		{"selection_rate_difference", "", 0.05000000000000002}, {"selection_rate_ratio", "", 0.7499999999999999},
		{"worst_group_accuracy", "male", 0.57}, {"worst_group_selection_rate", "female", 0.15},
		{"demographic_parity_difference", "", 0.05000000000000002},
		{"demographic_parity_ratio", "", 0.7499999999999999},
	})
}

// Sample 03: per-attribute disparity summary with Portuguese header (JorgeSPereira/credit-scoring-shap):
// recognised without a mapping, the first column naming the sensitive feature.
func TestSampleSummaryCSV(t *testing.T) {
	got, _ := samplePoints(t, sample(t, "03_fairness_summary_dp_eo_per_attribute.csv"), nil)
	var age, gender []trust.Point
	for _, pt := range got {
		switch pt.Labels[trust.LabelSensitiveFeature] {
		case "age_group":
			age = append(age, pt)
		case "gender":
			gender = append(gender, pt)
		default:
			t.Errorf("unexpected point %s %v", pt.Metric, pt.Labels)
		}
	}
	assertSample(t, age, map[string]string{"source": "fairlearn", "sensitive_feature": "age_group"}, []wantPoint{
		{"demographic_parity_difference", "", 0.14723424412720976}, {"demographic_parity_ratio", "", 0.7062462410860039},
		{"equalized_odds_difference", "", 0.12445777325550259}, {"equalized_odds_ratio", "", 0.6442131047152481},
	})
	assertSample(t, gender, map[string]string{"source": "fairlearn", "sensitive_feature": "gender"}, []wantPoint{
		{"demographic_parity_difference", "", 0.10981767180925667}, {"demographic_parity_ratio", "", 0.7789384528514963},
		{"equalized_odds_difference", "", 0.09270378020077819}, {"equalized_odds_ratio", "", 0.7993173847695391},
	})
	// Thresholds: age_group fails DPD (> 0.1) and both ratios (< 0.8); gender fails DPD and DPR/EOR.
	status := map[string]trust.Status{}
	for _, pt := range got {
		status[pt.Labels[trust.LabelSensitiveFeature]+" "+pt.Metric] = pt.Status
	}
	for k, want := range map[string]trust.Status{
		"age_group demographic_parity_difference": trust.StatusFail, "age_group equalized_odds_difference": trust.StatusFail,
		"age_group demographic_parity_ratio": trust.StatusFail, "gender equalized_odds_difference": trust.StatusOK,
		"gender demographic_parity_difference": trust.StatusFail, "gender equalized_odds_ratio": trust.StatusFail,
	} {
		if status[k] != want {
			t.Errorf("%s: status %q, want %q", k, status[k], want)
		}
	}
}

// Sample 04: the retired dashboard dictionary of fairlearn v0.8.0 (its own test fixture). By-group
// values come from precomputedMetrics; the derived disparities equal what Fairlearn 0.15 computes
// from the file's trueY, predictedY and binVector: DPD 0.19999999999999996, DPR 0.6666666666666667,
// EOD and EOpD 0.41666666666666663, EOR and EOpR 0.375.
func TestSampleDashboardDictionary(t *testing.T) {
	got, _ := samplePoints(t, sample(t, "04_fairlearn_v0.8.0_dashboardDictionary_bc-1p-1f.json"), nil)
	g4, g5 := "Group 4", "Group 5"
	byGroup := []struct {
		metric     string
		v4, v5, ov float64
		diff, rat  float64
		worst      string
	}{
		{"accuracy", 0.4, 0.6, 0.5, 0.19999999999999996, 0.6666666666666667, g4},
		{"roc_auc", 0.375, 0.5833333333333333, 0.5, 0.20833333333333326, 0.6428571428571429, g4},
		{"f1", 0.25, 0.6666666666666666, 0.5, 0.41666666666666663, 0.375, g4},
		{"false_positive_rate", 0.5, 0.5, 0.5, 0, 1, g4},
		{"false_negative_rate", 0.75, 0.3333333333333333, 0.5, 0.4166666666666667, 0.4444444444444444, g4},
		{"overprediction", 0.3, 0.2, 0.25, 0.09999999999999998, 0.6666666666666667, g4},
		{"underprediction", 0.3, 0.2, 0.25, 0.09999999999999998, 0.6666666666666667, g4},
		{"precision", 0.25, 0.6666666666666666, 0.5, 0.41666666666666663, 0.375, g4},
		{"true_positive_rate", 0.25, 0.6666666666666666, 0.5, 0.41666666666666663, 0.375, g4},
		{"selection_rate", 0.4, 0.6, 0.5, 0.19999999999999996, 0.6666666666666667, g4},
		{"true_negative_rate", 0.5, 0.5, 0.5, 0, 1, g4},
	}
	var want []wantPoint
	for _, m := range byGroup {
		worst := m.v4
		if m.worst == g5 {
			worst = m.v5
		}
		want = append(want,
			wantPoint{m.metric, g4, m.v4}, wantPoint{m.metric, g5, m.v5}, wantPoint{m.metric, "", m.ov},
			wantPoint{m.metric + "_difference", "", m.diff}, wantPoint{m.metric + "_ratio", "", m.rat},
			wantPoint{"worst_group_" + m.metric, m.worst, worst})
	}
	want = append(want,
		wantPoint{"count", g4, 10}, wantPoint{"count", g5, 10},
		wantPoint{"demographic_parity_difference", "", 0.19999999999999996},
		wantPoint{"demographic_parity_ratio", "", 0.6666666666666667},
		wantPoint{"equalized_odds_difference", "", 0.41666666666666663},
		wantPoint{"equalized_odds_ratio", "", 0.375},
		wantPoint{"equal_opportunity_difference", "", 0.41666666666666663},
		wantPoint{"equal_opportunity_ratio", "", 0.375})
	assertSample(t, got, map[string]string{"source": "fairlearn", "model": "some model of mine", "sensitive_feature": "Sensitive Feature 0"}, want)
}

// A summary CSV with the column mapping of sample 03 spelled out works the same.
func TestSampleSummaryCSVWithMapping(t *testing.T) {
	got, notices := samplePoints(t, sample(t, "03_fairness_summary_dp_eo_per_attribute.csv"), map[string]any{
		"fairlearnCsvColumns": map[string]any{
			"sensitive_feature": "Atributo",
			"metrics":           map[string]string{"demographic_parity_difference": "Demographic Parity Diff"},
		},
	})
	if len(got) != 2 {
		t.Fatalf("got %d points, want the 2 mapped DPD values; notices %v", len(got), notices)
	}
	for _, pt := range got {
		if pt.Metric != DemographicParityDifference {
			t.Errorf("unexpected %s", pt.Metric)
		}
	}
}

func requireInfo(t *testing.T, notices []trust.Notice, sub string) {
	t.Helper()
	for _, n := range notices {
		if strings.Contains(n.Message, sub) {
			return
		}
	}
	t.Errorf("no notice mentions %q: %v", sub, notices)
}
