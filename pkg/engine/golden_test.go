package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/dte-trust/dte-trust/pkg/policy"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// updateGolden rewrites the golden files; only UPDATE_GOLDEN=1 turns it on, so by default any
// difference in a frame, a value, a label or a notice fails the test.
var updateGolden = os.Getenv("UPDATE_GOLDEN") == "1"

// goldenNow is the policy's clock: compliance and the trust score evaluate rules at this instant.
var goldenNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// settingsEngine builds the engine from the jsonData settings, as the plugin does; closed at the
// test's end.
func settingsEngine(t *testing.T, settings map[string]any) *Engine {
	t.Helper()
	js, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), trust.Settings{JSONData: js})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// goldenEngine builds the engine the way the plugin does, from settings: the fake MLflow's demo
// store, the Evidently, Fairlearn and Great Expectations fixtures of testdata/ and the default
// rule pack.
func goldenEngine(t *testing.T) *Engine {
	t.Helper()
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	e := settingsEngine(t, map[string]any{
		"mlflowUrl":      srv.URL,
		"mlflowUiUrl":    "http://mlflow.example:5000",
		"evidentlyPaths": []string{"../../testdata/evidently/legacy", "../../testdata/evidently/current/workspace"},
		"fairlearnPaths": []string{"../../testdata/fairlearn/dte", "../../testdata/fairlearn/demo"},
		"gxPaths":        []string{"../../testdata/gx/gx1"},
		"shapPaths":      []string{"../../testdata/shap/docs"},
	})
	pol, ok := e.Provider(trust.SourcePolicy).(*policy.Provider)
	if !ok {
		t.Fatal("the policy source was not built")
	}
	pol.Now = func() time.Time { return goldenNow }
	return e
}

// goldenCase is one query of the golden set; its name is the golden file's.
type goldenCase struct{ name, js string }

// goldenCases covers every query type in every format it answers, every variable and annotation
// kind, and the query errors a user meets first.
var goldenCases = []goldenCase{
	{"accuracy_timeseries", `{"queryType":"accuracy","model":"credit-risk","metrics":["accuracy","f1"]}`},
	{"accuracy_latest", `{"queryType":"accuracy","model":"credit-risk","format":"latest"}`},
	{"accuracy_table", `{"queryType":"accuracy","experiments":["credit-risk"],"metrics":["f1"],"format":"table"}`},
	{"accuracy_evidently_latest", `{"queryType":"accuracy","source":"evidently","format":"latest"}`},
	{"drift_timeseries", `{"queryType":"drift","metrics":["drift_share","drifted_columns","dataset_drift"]}`},
	{"drift_latest", `{"queryType":"drift","format":"latest"}`},
	{"drift_table", `{"queryType":"drift","format":"table"}`},
	{"drift_feature_latest", `{"queryType":"drift","format":"latest","metrics":["drift_score"]}`},
	{"quality_timeseries", `{"queryType":"quality","project":"churn-predictor"}`},
	{"quality_latest", `{"queryType":"quality","format":"latest"}`},
	{"quality_table", `{"queryType":"quality","format":"table"}`},
	{"quality_gx_latest", `{"queryType":"quality","format":"latest","source":"great_expectations","model":"credit-risk-classifier"}`},
	{"quality_gx_table", `{"queryType":"quality","format":"table","source":"great_expectations","metrics":["validation_success","success_percent"]}`},
	{"fairness_timeseries", `{"queryType":"fairness","model":"credit-risk-classifier","metrics":["demographic_parity_difference","selection_rate"]}`},
	{"fairness_latest", `{"queryType":"fairness","format":"latest"}`},
	{"fairness_table", `{"queryType":"fairness","model":"churn-predictor","format":"table"}`},
	{"fairness_group_latest", `{"queryType":"fairness","format":"latest","sensitiveFeature":"sex","metrics":["selection_rate"]}`},
	{"explainability_latest", `{"queryType":"explainability","format":"latest","model":"credit-risk-classifier"}`},
	{"explainability_table", `{"queryType":"explainability","format":"table","model":"credit-risk-classifier","metrics":["top_feature_changed"]}`},
	{"compliance_timeseries", `{"queryType":"compliance","model":"credit-risk","metrics":["compliance_score"]}`},
	{"compliance_latest", `{"queryType":"compliance","format":"latest"}`},
	{"compliance_table", `{"queryType":"compliance","model":"churn","format":"table"}`},
	{"trust_score_timeseries", `{"queryType":"trust_score","model":"credit-risk"}`},
	{"trust_score_latest", `{"queryType":"trust_score","format":"latest"}`},
	{"trust_score_table", `{"queryType":"trust_score","format":"table"}`},
	{"freshness_timeseries", `{"queryType":"freshness","model":"credit-risk","staleAfter":"30d"}`},
	{"freshness_latest", `{"queryType":"freshness","format":"latest","dimensions":["fairness","drift"]}`},
	{"freshness_alert_champion", `{"queryType":"freshness","format":"latest","alias":"champion","dimensions":["fairness"],"metrics":["evidence_present"],"staleAfter":"30d"}`},
	{"freshness_table", `{"queryType":"freshness","format":"table","model":"churn","staleAfter":"7d"}`},
	{"runs", `{"queryType":"runs","experiments":["credit-risk"],"params":["model_type"],"tags":["team"]}`},
	{"runs_model", `{"queryType":"runs","model":"credit-risk","metrics":["accuracy"]}`},
	{"models", `{"queryType":"models"}`},
	{"models_one", `{"queryType":"models","model":"churn"}`},
	{"variable_experiments", `{"queryType":"variable","variable":"experiments"}`},
	{"variable_models", `{"queryType":"variable","variable":"models"}`},
	{"variable_versions", `{"queryType":"variable","variable":"versions","model":"credit-risk"}`},
	{"variable_aliases", `{"queryType":"variable","variable":"aliases","model":"credit-risk"}`},
	{"variable_metrics", `{"queryType":"variable","variable":"metrics"}`},
	{"variable_projects", `{"queryType":"variable","variable":"projects"}`},
	{"variable_features", `{"queryType":"variable","variable":"features"}`},
	{"variable_sensitive_features", `{"queryType":"variable","variable":"sensitive_features"}`},
	{"variable_groups", `{"queryType":"variable","variable":"groups"}`},
	{"variable_rules", `{"queryType":"variable","variable":"rules"}`},
	{"annotations_model_versions", `{"queryType":"annotations","annotation":"model_versions"}`},
	{"annotations_stages", `{"queryType":"annotations","annotation":"stages"}`},
	{"annotations_drift", `{"queryType":"annotations","annotation":"drift_detected"}`},
	{"annotations_fairness", `{"queryType":"annotations","annotation":"fairness_fail"}`},
	{"annotations_compliance", `{"queryType":"annotations","annotation":"compliance_fail"}`},
	{"annotations_freshness", `{"queryType":"annotations","annotation":"freshness","staleAfter":"90d"}`},
	{"error_no_type", `{"model":"credit-risk"}`},
	{"error_unknown_type", `{"queryType":"bias"}`},
	{"error_variable_kind", `{"queryType":"variable","variable":"colours"}`},
}

// TestGoldenFrames runs every golden case through the engine and compares the whole response with
// testdata/<name>.jsonc. Written before the query-type routing was split into one handler per type,
// so the files prove that the refactor moved no number, label, link or notice.
func TestGoldenFrames(t *testing.T) {
	if updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	e := goldenEngine(t)
	from := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var typ struct {
				QueryType string `json:"queryType"`
			}
			if err := json.Unmarshal([]byte(tc.js), &typ); err != nil {
				t.Fatal(err)
			}
			q, err := trust.ParseQuery(json.RawMessage(tc.js), typ.QueryType)
			if err != nil {
				t.Fatal(err)
			}
			q.RefID = "A"
			q.From, q.To = from, goldenNow
			fs, err := e.Query(context.Background(), &q)
			if err != nil {
				checkGoldenError(t, tc.name, err)
				return
			}
			dr := backend.DataResponse{Frames: fs}
			scrubRoot(&dr, root)
			experimental.CheckGoldenJSONResponse(t, "testdata", tc.name, &dr, updateGolden)
		})
	}
}

// scrubRoot replaces the checkout's absolute path in notices and string cells (file locations of
// Evidently and Fairlearn evidence) with "<repo>", so the golden files hold wherever the repository
// is cloned.
func scrubRoot(dr *backend.DataResponse, root string) {
	for _, f := range dr.Frames {
		if f.Meta != nil {
			for i := range f.Meta.Notices {
				f.Meta.Notices[i].Text = strings.ReplaceAll(f.Meta.Notices[i].Text, root, "<repo>")
			}
		}
		for _, fld := range f.Fields {
			for i := 0; i < fld.Len(); i++ {
				switch v := fld.At(i).(type) {
				case string:
					fld.Set(i, strings.ReplaceAll(v, root, "<repo>"))
				case *string:
					if v != nil {
						s := strings.ReplaceAll(*v, root, "<repo>")
						fld.Set(i, &s)
					}
				}
			}
		}
	}
}

// checkGoldenError compares an error message with testdata/<name>.txt (the SDK's golden checker
// reads frames only).
func checkGoldenError(t *testing.T, name string, err error) {
	t.Helper()
	path := filepath.Join("testdata", name+".txt")
	if updateGolden {
		if werr := os.WriteFile(path, []byte(err.Error()+"\n"), 0o644); werr != nil {
			t.Fatal(werr)
		}
		return
	}
	want, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatalf("%v (error %q; run with UPDATE_GOLDEN=1 to write it)", rerr, err)
	}
	if got := err.Error() + "\n"; got != string(want) {
		t.Errorf("error message changed:\n got: %s\nwant: %s", got, want)
	}
}
