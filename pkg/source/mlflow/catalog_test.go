package mlflow

import (
	"context"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
)

// TestModelVersionsRunContext: the source run's dataset inputs (with the role MLflow's
// mlflow.data.context input tag gives them), user and times come with each model version.
func TestModelVersionsRunContext(t *testing.T) {
	store := mlflowtest.Demo()
	var runID string
	for _, v := range store.Versions {
		if v.Model == "credit-risk" && v.Version == "3" {
			runID = v.RunID
		}
	}
	for _, r := range store.Runs {
		if r.ID == runID {
			r.Datasets = []mlflowtest.Dataset{
				{Name: "loans-train", Digest: "a1b2", SourceType: "s3", Source: `{"uri": "s3://d/train.parquet"}`, Context: "training"},
				{Name: "loans-test", Digest: "c3d4", SourceType: "s3", Context: "testing"},
				{Name: "untagged", Digest: "e5"},
			}
		}
	}
	p, _ := newProvider(t, store, mlflowtest.Options{})
	mvs, err := p.ModelVersions(context.Background(), query(t, "compliance", `{"model":"credit-risk","version":"3"}`))
	if err != nil || len(mvs) != 1 {
		t.Fatalf("%d versions, %v", len(mvs), err)
	}
	in := mvs[0].RunInputs
	if len(in) != 3 {
		t.Fatalf("inputs %+v, want 3", in)
	}
	if in[0].Name != "loans-train" || in[0].Context != "training" || in[0].Digest != "a1b2" || in[0].SourceType != "s3" ||
		in[0].Source != `{"uri": "s3://d/train.parquet"}` || in[0].Tags["mlflow.data.context"] != "training" {
		t.Errorf("training input %+v", in[0])
	}
	if in[1].Context != "testing" || in[2].Context != "" || in[2].Name != "untagged" {
		t.Errorf("inputs %+v", in)
	}
	if mvs[0].RunUser != "bob" || mvs[0].RunStart.IsZero() {
		t.Errorf("user %q, start %v", mvs[0].RunUser, mvs[0].RunStart)
	}
}
