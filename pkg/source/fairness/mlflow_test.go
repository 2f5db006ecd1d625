package fairness

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

const (
	runHelper       = "7a1b2c3d4e5f40718293a4b5c6d7e8f9" // helper-logged: tag, artifact and flat metrics
	runPractitioner = "8b2c3d4e5f6071829304a5b6c7d8e9f0" // sample 01's producer: artifact and key metrics
	runKeysOnly     = "5f0c3a9e8b7d4c21a6e0f1b2c3d4e5f6" // key metrics only, source run of a model version
)

// fairnessStore is a fake MLflow store holding fairness results the three ways they reach MLflow.
func fairnessStore(t *testing.T) *mlflowtest.Store {
	t.Helper()
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	history := func(fixture string) []mlflowtest.Metric {
		var out []mlflowtest.Metric
		for _, kv := range runFromFile(t, filepath.Join(testdataDir, "mlflow", fixture)).Metrics {
			out = append(out, mlflowtest.Metric{Key: kv.Key, Value: kv.Value, Timestamp: kv.Time.UnixMilli()})
		}
		return out
	}
	return &mlflowtest.Store{
		Experiments: []*mlflowtest.Experiment{{ID: "1", Name: "credit-risk"}, {ID: "2", Name: "other"}},
		Runs: []*mlflowtest.Run{
			{
				ID: runHelper, ExperimentID: "1", Start: 1781524800000,
				Tags:    map[string]string{FairnessTag: `["fairness/sex.json"]`},
				History: history("run_helper_flat.json"),
				// The document log_metricframe logs names the run it was logged to.
				Artifacts: map[string][]byte{"fairness/sex.json": []byte(strings.Replace(string(read(filepath.Join(testdataDir, "dte", "credit_sex.json"))),
					`"run_id": "5f0c3a9e8b7d4c21a6e0f1b2c3d4e5f6"`, `"run_id": "`+runHelper+`"`, 1))},
			},
			{
				ID: runPractitioner, ExperimentID: "1", Start: 1781524800000,
				History:   history("run_group_keys.json"),
				Artifacts: map[string][]byte{"fairness/fairness_metrics.json": read(sample(t, "01_custom_json_from_MetricFrame__also_mlflow_artifact.json"))},
			},
			{ID: runKeysOnly, ExperimentID: "1", Start: 1781524800000, History: history("run_group_keys.json")},
			{ID: "0000000000000000000000000000000a", ExperimentID: "2", Start: 1781524800000,
				History: []mlflowtest.Metric{{Key: "accuracy", Value: 0.9, Timestamp: 1781524800000}}},
		},
		Models:   []*mlflowtest.Model{{Name: "credit-risk-classifier"}},
		Versions: []*mlflowtest.Version{{Model: "credit-risk-classifier", Version: "2", RunID: runKeysOnly}},
	}
}

func mlflowProvider(t *testing.T, extra map[string]any) (*Provider, *mlflowtest.Server) {
	t.Helper()
	srv := mlflowtest.New(t, fairnessStore(t), mlflowtest.Options{})
	js := map[string]any{"mlflowUrl": srv.URL}
	for k, v := range extra {
		js[k] = v
	}
	raw, _ := json.Marshal(js)
	s := trust.Settings{JSONData: raw}
	ml, err := mlflow.New(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(context.Background(), s, ml.RunArtifacts())
	if err != nil || p == nil {
		t.Fatalf("New: %v, %v", p, err)
	}
	return p, srv
}

func byRun(pts []trust.Point) map[string][]trust.Point {
	out := map[string][]trust.Point{}
	for _, pt := range pts {
		out[pt.Labels[trust.LabelRunID]] = append(out[pt.Labels[trust.LabelRunID]], pt)
	}
	return out
}

// Without a model or experiments the store reads the runs tagged by the helper, preferring the
// logged document over the flat metrics that repeat it.
func TestMLflowTaggedRuns(t *testing.T) {
	p, srv := mlflowProvider(t, nil)
	exp := loadExpected(t)
	ev, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: trust.QueryFairness})
	if err != nil {
		t.Fatal(err)
	}
	want := exp.Files["dte/credit_sex.json"]
	runs := byRun(ev.Points)
	if len(runs) != 1 || len(runs[runHelper]) == 0 {
		t.Fatalf("points of runs %v, want only the helper's document", keys(runs))
	}
	labels := map[string]string{}
	for k, v := range want.Labels {
		labels[k] = v
	}
	labels["run_id"] = runHelper
	comparePoints(t, ev.Points, labels, want.Points, exp.Tolerance)
	link := srv.URL + "/#/experiments/1/runs/" + runHelper
	for _, pt := range ev.Points {
		if pt.Link != link {
			t.Fatalf("link %q, want the run page %q", pt.Link, link)
		}
	}
}

// Naming the experiment reads every run of it: the practitioner's artifact (sample 01) wins over
// its key metrics; the run with key metrics only is read through the key patterns.
func TestMLflowExperimentRuns(t *testing.T) {
	p, srv := mlflowProvider(t, nil)
	exp := loadExpected(t)
	ev, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: trust.QueryFairness, Experiments: []string{"credit-risk"}})
	if err != nil {
		t.Fatal(err)
	}
	runs := byRun(ev.Points)
	if len(runs) != 3 {
		t.Fatalf("points of runs %v, want 3", keys(runs))
	}
	// The practitioner's run: sample 01 read from its artifact (21 points, sensitive feature named).
	prac := runs[runPractitioner]
	if len(prac) != 21 || prac[0].Labels[trust.LabelSensitiveFeature] != "mean radius" {
		t.Errorf("practitioner run: %d points, sensitive_feature %q", len(prac), prac[0].Labels[trust.LabelSensitiveFeature])
	}
	// The key-only run: Fairlearn's numbers, model and version from the registry.
	want := exp.Files["mlflow/run_group_keys.json"]
	labels := map[string]string{"model": "credit-risk-classifier", "version": "2"}
	for k, v := range want.Labels {
		labels[k] = v
	}
	comparePoints(t, runs[runKeysOnly], labels, want.Points, exp.Tolerance)
	if l := runs[runKeysOnly][0].Link; l != srv.URL+"/#/experiments/1/runs/"+runKeysOnly {
		t.Errorf("link %q", l)
	}
}

// A model query reads the source runs of its versions, and the tagged runs whose documents name
// the model (the helper's run here: its document says credit-risk-classifier v2).
func TestMLflowModelRuns(t *testing.T) {
	p, _ := mlflowProvider(t, nil)
	ev, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: trust.QueryFairness, Model: "credit-risk-classifier", Version: "2"})
	if err != nil {
		t.Fatal(err)
	}
	runs := byRun(ev.Points)
	if len(runs) != 2 || len(runs[runKeysOnly]) != 21 || len(runs[runHelper]) != 44 {
		t.Fatalf("points of runs %v", keys(runs))
	}
	opts, err := p.Options(context.Background(), trust.VarVersions, &trust.Query{Model: "credit-risk-classifier"})
	if err != nil || len(opts) != 1 || opts[0].Value != "2" {
		t.Errorf("versions %v, %v", opts, err)
	}
}

// fairlearnMlflow: false keeps MLflow for links only.
func TestMLflowDisabled(t *testing.T) {
	p, srv := mlflowProvider(t, map[string]any{"fairlearnMlflow": false, "fairlearnPaths": []string{filepath.Join(testdataDir, "dte", "credit_sex.json")}})
	ev, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: trust.QueryFairness})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Points) != 44 {
		t.Fatalf("%d points", len(ev.Points))
	}
	// The document names its run: the link is MLflow's direct run page (no experiment id in the file).
	want := srv.URL + "/#/runs/5f0c3a9e8b7d4c21a6e0f1b2c3d4e5f6"
	if ev.Points[0].Link != want {
		t.Errorf("link %q, want %q", ev.Points[0].Link, want)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.URL.Path, "runs/search") {
			t.Errorf("searched runs with fairlearnMlflow false: %s", r.URL)
		}
	}
}

func keys[V any](m map[string]V) []string { return sortedKeys(m) }
