package evidently

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestMLflowArtifacts reads Evidently JSON logged as MLflow run artifacts through the MLflow
// source's client, against the fake MLflow server.
func TestMLflowArtifacts(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	metricName := read(filepath.Join(samplesDir, "05_v0.7.20_Snapshot_save_json_metric_name_config_tests.json"))
	legacySnap := read(filepath.Join(fixturesDir, "legacy", "snapshot_drift.json"))
	end := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	store := &mlflowtest.Store{
		Experiments: []*mlflowtest.Experiment{{ID: "7", Name: "drift-monitoring"}},
		Runs: []*mlflowtest.Run{
			{ID: "run-a", ExperimentID: "7", Start: end.Add(-time.Hour).UnixMilli(), End: end.UnixMilli(),
				Tags: map[string]string{"model": "churn", "model_version": "4"},
				Artifacts: map[string][]byte{
					"evidently/drift.json":     metricName,
					"evidently/truncated.json": metricName[:1000],
					"model/MLmodel.json":       []byte(`{"flavors": {"python_function": {}}}`),
					"notes.txt":                []byte("hello"),
				}},
			{ID: "run-b", ExperimentID: "7", Start: end.Add(-48 * time.Hour).UnixMilli(), End: end.Add(-47 * time.Hour).UnixMilli(),
				Artifacts: map[string][]byte{"reports/2025/snapshot.json": legacySnap}},
		},
	}
	srv := mlflowtest.New(t, store, mlflowtest.Options{Version: "3.1.0"})
	mf, err := mlflow.New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"mlflowUrl":"` + srv.URL + `"}`)})
	if err != nil || mf == nil {
		t.Fatalf("mlflow provider: %v", err)
	}
	p, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"evidentlyMlflowExperiments":["drift-monitoring","missing-exp"]}`)}, mf.RunArtifacts())
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: "drift", Metrics: []string{"drift_share"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]trust.Point{}
	for _, pt := range ev.Points {
		got[pt.Labels[trust.LabelModel]] = pt
	}
	a, ok := got["churn"]
	if !ok || a.Value != 0.8421052631578947 || a.Labels[trust.LabelVersion] != "4" || a.Labels[trust.LabelExperiment] != "drift-monitoring" {
		t.Errorf("run-a point %+v", a)
	}
	if !a.Time.Equal(end) {
		t.Errorf("run-a time %v, want the run's end %v (the export has no timestamp)", a.Time, end)
	}
	if !strings.Contains(a.Link, "/#/experiments/7/runs/run-a") {
		t.Errorf("link %q", a.Link)
	}
	b, ok := got["credit-risk-classifier"] // from the legacy snapshot's own metadata
	if !ok || b.Labels[trust.LabelVersion] != "1" || b.Time.Year() != 2025 {
		t.Errorf("run-b point %+v", b)
	}
	n := notices(ev)
	for _, want := range []string{
		"mlflow run run-a artifact evidently/truncated.json: skipped: invalid JSON",
		`mlflow experiment "missing-exp": skipped`,
		"mlflow run run-a artifact evidently/drift.json: no timestamp in the file: the run's end time is used",
	} {
		if !strings.Contains(n, want) {
			t.Errorf("notices lack %q:\n%s", want, n)
		}
	}
	if strings.Contains(n, "MLmodel") {
		t.Errorf("a JSON artifact that is not Evidently should be ignored silently:\n%s", n)
	}
	// without the MLflow source the settings are an error naming the key to set
	if _, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"evidentlyMlflowRuns":["x"]}`)}, nil); err == nil || !strings.Contains(err.Error(), "mlflowUrl") {
		t.Errorf("missing MLflow source: %v", err)
	}
}
