package fairness

import (
	"fmt"
	"strconv"
)

// dashboardKeys maps the metric keys of the retired Fairlearn dashboard dictionary
// (fairlearn/metrics/_group_metric_set.py, fairlearn <= 0.8) to canonical names. recall_score is the
// true positive rate, fallout_rate the false positive rate, miss_rate the false negative rate and
// specificity_score the true negative rate of a binary classifier; balanced_accuracy_score holds
// skm.roc_auc_score despite its name.
var dashboardKeys = map[string]string{
	"accuracy_score":                       "accuracy",
	"balanced_accuracy_score":              "roc_auc",
	"count":                                countMetric,
	"f1_score":                             "f1",
	"fallout_rate":                         falsePositiveRate,
	"miss_rate":                            "false_negative_rate",
	"overprediction":                       "overprediction",
	"underprediction":                      "underprediction",
	"precision_score":                      "precision",
	"recall_score":                         truePositiveRate,
	"selection_rate":                       selectionRate,
	"specificity_score":                    "true_negative_rate",
	"average":                              "mean_prediction",
	"mean_absolute_error":                  "mae",
	"mean_squared_error":                   "mse",
	"root_mean_squared_error":              "rmse",
	"balanced_root_mean_squared_error":     "balanced_root_mean_squared_error",
	"r2_score":                             "r2",
	"log_loss":                             "log_loss",
	"zero_one_loss":                        "zero_one_loss",
	"max_error":                            "max_error",
	"median_absolute_error":                "median_absolute_error",
	"6d106114-4433-40a2-b091-8983ab540a53": "mean_squared_log_error",
}

type dashboardDoc struct {
	SchemaType    string   `json:"schemaType"`
	SchemaVersion int      `json:"schemaVersion"`
	ModelNames    []string `json:"modelNames"`
	FeatureBins   []struct {
		Name   string   `json:"featureBinName"`
		Labels []string `json:"binLabels"`
	} `json:"precomputedFeatureBins"`
	// precomputedMetrics[feature bin][model][metric key]
	Metrics [][]map[string]struct {
		Global *num  `json:"global"`
		Bins   []num `json:"bins"`
	} `json:"precomputedMetrics"`
}

// readDashboard turns a dashboard dictionary into one evaluation per model and sensitive feature,
// the by-group values taken from precomputedMetrics (bins in binLabels order, global as overall).
func readDashboard(b []byte) ([]*Evaluation, []string, error) {
	var d dashboardDoc
	if err := decodeJSON(b, &d); err != nil {
		return nil, nil, fmt.Errorf("not a valid dashboard dictionary: %w", err)
	}
	if d.SchemaVersion != 0 {
		return nil, nil, fmt.Errorf("dashboard dictionary schemaVersion %d is not supported (only 0 exists)", d.SchemaVersion)
	}
	if len(d.Metrics) != len(d.FeatureBins) {
		return nil, nil, fmt.Errorf("precomputedMetrics has %d entries for %d precomputedFeatureBins", len(d.Metrics), len(d.FeatureBins))
	}
	var out []*Evaluation
	var notes []string
	for bi, bin := range d.FeatureBins {
		perModel := d.Metrics[bi]
		for mi, metrics := range perModel {
			model := ""
			if mi < len(d.ModelNames) {
				model = d.ModelNames[mi]
			} else {
				model = "model " + strconv.Itoa(mi)
			}
			s := &Stratum{Overall: map[string]float64{}}
			groups := make([]Group, len(bin.Labels))
			for i, l := range bin.Labels {
				groups[i] = Group{Label: l, Values: map[string]float64{}}
			}
			for _, key := range sortedKeys(metrics) {
				m, ok := dashboardKeys[key]
				if !ok {
					m = canonMetric(key)
				}
				v := metrics[key]
				if len(v.Bins) != len(bin.Labels) {
					notes = append(notes, fmt.Sprintf("%s, model %s: %s has %d bins for %d bin labels: skipped", bin.Name, model, key, len(v.Bins), len(bin.Labels)))
					continue
				}
				for i, x := range v.Bins {
					groups[i].set(m, float64(x))
				}
				if v.Global != nil && m != countMetric {
					s.Overall[m] = float64(*v.Global)
				}
				if m != countMetric {
					s.Metrics = append(s.Metrics, m)
				}
			}
			s.Groups = groups
			out = append(out, &Evaluation{Format: FormatDashboard, Model: model, SensitiveFeatures: []string{bin.Name}, Strata: []*Stratum{s}})
		}
	}
	if len(out) == 0 {
		return nil, notes, fmt.Errorf("dashboard dictionary without precomputed metrics")
	}
	return out, notes, nil
}
