//go:build e2e

package e2e

import (
	"testing"
)

// The demo evidence names these models: the MLflow registry of scripts/demo.sh seed
// (python/seed/seed_mlflow.py: credit-risk-classifier v1-v3 with champion v2 and challenger v3,
// churn-predictor v1-v2), the Evidently workspace testdata/evidently/current/workspace and the
// Fairlearn results testdata/fairlearn/demo.
const (
	biasedModel   = "credit-risk-classifier" // testdata/fairlearn/demo: demographic parity difference ~0.4
	healthyModel  = "churn-predictor"        // testdata/fairlearn/demo: ~0.02
	driftingModel = "credit-risk-classifier" // testdata/evidently/current/workspace: drift from day 6
)

// evidenceRange covers the demo evidence (MLflow runs, Evidently snapshots and Fairlearn results of
// mid 2026) for years to come.
const evidenceFrom, evidenceTo = "now-10y", "now"

// TestQueryTypes: every query type answers through Grafana in every format it supports, without
// error, with the dataplane frame type the format promises and, for the demo evidence, with data.
func TestQueryTypes(t *testing.T) {
	g := newGrafana(t)
	cases := []struct {
		name     string
		query    map[string]any
		wantType string // Meta.Type of the first frame; "" to skip
		wantRows bool   // the demo evidence has rows for it
	}{
		{"accuracy timeseries", map[string]any{"queryType": "accuracy", "format": "timeseries", "model": biasedModel, "metrics": []string{"accuracy"}}, "timeseries-multi", true},
		{"accuracy latest", map[string]any{"queryType": "accuracy", "format": "latest", "model": biasedModel, "history": false}, "numeric-long", true},
		{"accuracy table", map[string]any{"queryType": "accuracy", "format": "table", "model": biasedModel, "alias": "champion"}, "table", true},
		{"accuracy by experiment", map[string]any{"queryType": "accuracy", "format": "latest", "experiments": []string{"churn"}, "metrics": []string{"accuracy"}, "history": false, "limit": 10}, "numeric-long", true},
		{"runs", map[string]any{"queryType": "runs", "format": "table", "experiments": []string{"credit-risk"}, "limit": 50, "params": []string{"model_type"}}, "table", true},
		{"models", map[string]any{"queryType": "models", "format": "table"}, "table", true},
		{"drift timeseries", map[string]any{"queryType": "drift", "format": "timeseries", "metrics": []string{"drift_share"}}, "timeseries-multi", true},
		{"drift latest", map[string]any{"queryType": "drift", "format": "latest"}, "numeric-long", true},
		{"drift table", map[string]any{"queryType": "drift", "format": "table"}, "table", true},
		{"quality latest", map[string]any{"queryType": "quality", "format": "latest"}, "numeric-long", false},
		{"fairness timeseries", map[string]any{"queryType": "fairness", "format": "timeseries", "metrics": []string{"demographic_parity_difference"}}, "timeseries-multi", true},
		{"fairness latest", map[string]any{"queryType": "fairness", "format": "latest"}, "numeric-long", true},
		{"fairness table", map[string]any{"queryType": "fairness", "format": "table", "model": biasedModel}, "table", true},
		{"compliance latest", map[string]any{"queryType": "compliance", "format": "latest"}, "numeric-long", true},
		{"compliance table", map[string]any{"queryType": "compliance", "format": "table", "model": biasedModel}, "table", true},
		{"compliance timeseries", map[string]any{"queryType": "compliance", "format": "timeseries", "metrics": []string{"compliance_score"}}, "timeseries-multi", true},
		{"trust_score latest", map[string]any{"queryType": "trust_score", "format": "latest"}, "numeric-long", true},
		{"trust_score timeseries", map[string]any{"queryType": "trust_score", "format": "timeseries", "metrics": []string{"trust_score"}}, "timeseries-multi", true},
		{"freshness latest", map[string]any{"queryType": "freshness", "format": "latest", "alias": "champion"}, "numeric-long", true},
		{"freshness timeseries", map[string]any{"queryType": "freshness", "format": "timeseries", "metrics": []string{"evidence_age_seconds"}}, "timeseries-multi", true},
		{"variable models", map[string]any{"queryType": "variable", "variable": "models"}, "", true},
		{"variable versions", map[string]any{"queryType": "variable", "variable": "versions", "model": biasedModel}, "", true},
		{"variable aliases", map[string]any{"queryType": "variable", "variable": "aliases", "model": biasedModel}, "", true},
		{"variable experiments", map[string]any{"queryType": "variable", "variable": "experiments"}, "", true},
		{"variable metrics", map[string]any{"queryType": "variable", "variable": "metrics"}, "", true},
		{"variable rules", map[string]any{"queryType": "variable", "variable": "rules"}, "", true},
		{"variable projects", map[string]any{"queryType": "variable", "variable": "projects"}, "", true},
		{"variable sensitive_features", map[string]any{"queryType": "variable", "variable": "sensitive_features"}, "", true},
		{"annotations model_versions", map[string]any{"queryType": "annotations", "annotation": "model_versions"}, "", true},
		{"annotations stages", map[string]any{"queryType": "annotations", "annotation": "stages"}, "", true},
		{"annotations drift_detected", map[string]any{"queryType": "annotations", "annotation": "drift_detected"}, "", true},
		{"annotations fairness_fail", map[string]any{"queryType": "annotations", "annotation": "fairness_fail"}, "", true},
		{"annotations compliance_fail", map[string]any{"queryType": "annotations", "annotation": "compliance_fail"}, "", true},
		{"annotations freshness", map[string]any{"queryType": "annotations", "annotation": "freshness", "staleAfter": "30d"}, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := g.queryOK(t, evidenceFrom, evidenceTo, dsQueryModel("A", tc.query))
			if len(r.Frames) == 0 {
				t.Fatalf("no frames (a query must answer at least the typed no-data frame)")
			}
			if tc.wantType != "" {
				m := r.Frames[0].Schema.Meta
				if m == nil || m.Type != tc.wantType {
					got := "<no meta>"
					if m != nil {
						got = m.Type
					}
					t.Errorf("frame type %s, want %s", got, tc.wantType)
				} else if tc.wantType != "table" && (len(m.TypeVersion) != 2 || (m.TypeVersion[0] == 0 && m.TypeVersion[1] == 0)) {
					t.Errorf("frame type version %v: Grafana's expressions ignore dataplane types without a version", m.TypeVersion)
				}
			}
			if tc.wantRows && r.rows() == 0 {
				t.Errorf("no rows for the demo evidence%s", notices(&r))
			}
			t.Logf("%d frame(s), %d row(s)%s", len(r.Frames), r.rows(), notices(&r))
		})
	}
}

// TestLatestIsUniquePerLabels: numeric-long answers have one row per label set, which Grafana needs
// to make one alert instance per row.
func TestLatestIsUniquePerLabels(t *testing.T) {
	g := newGrafana(t)
	for _, qt := range []string{"fairness", "drift", "accuracy", "compliance", "trust_score"} {
		t.Run(qt, func(t *testing.T) {
			q := map[string]any{"queryType": qt, "format": "latest"}
			if qt == "accuracy" {
				q["history"] = false
			}
			r := g.queryOK(t, evidenceFrom, evidenceTo, dsQueryModel("A", q))
			for i := range r.Frames {
				f := &r.Frames[i]
				seen := map[string]int{}
				for row := 0; row < f.rows(); row++ {
					key := ""
					for c, fl := range f.Schema.Fields {
						if fl.Type == "string" {
							key += fl.Name + "=" + toString(f.Data.Values[c][row]) + "\x00"
						}
					}
					if prev, dup := seen[key]; dup {
						t.Fatalf("rows %d and %d have the same labels %q", prev, row, key)
					}
					seen[key] = row
				}
			}
		})
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
