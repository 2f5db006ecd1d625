package gx

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fakeRuns is an MLflow with two registered versions whose runs hold GX results as artifacts.
type fakeRuns struct {
	artifacts map[string]map[string][]byte // run id -> artifact path -> content
	versions  []trust.VersionRun
	filters   []string
}

func (f *fakeRuns) GetRun(_ context.Context, id string) (*trust.ArtifactRun, error) {
	if _, ok := f.artifacts[id]; !ok {
		return nil, trust.ErrNotFound
	}
	return &trust.ArtifactRun{ID: id, ExperimentID: "7"}, nil
}
func (f *fakeRuns) ExperimentByName(context.Context, string) (string, string, error) {
	return "", "", fmt.Errorf("no experiments here")
}
func (f *fakeRuns) ExperimentIDs(context.Context) ([]string, error) { return nil, nil }
func (f *fakeRuns) SearchRuns(context.Context, trust.RunSearch) ([]trust.ArtifactRun, error) {
	return nil, nil
}
func (f *fakeRuns) ModelVersionRuns(_ context.Context, filter string) ([]trust.VersionRun, error) {
	f.filters = append(f.filters, filter)
	return f.versions, nil
}
func (f *fakeRuns) ListArtifacts(_ context.Context, runID, dir string) ([]trust.ArtifactFile, error) {
	files, ok := f.artifacts[runID]
	if !ok {
		return nil, trust.ErrNotFound
	}
	seen := map[string]bool{}
	var out []trust.ArtifactFile
	for p := range files {
		rest, ok := strings.CutPrefix(p, dir+"/")
		if !ok {
			continue
		}
		first, _, nested := strings.Cut(rest, "/")
		child := path.Join(dir, first)
		if !seen[child] {
			seen[child] = true
			out = append(out, trust.ArtifactFile{Path: child, IsDir: nested})
		}
	}
	if len(out) == 0 {
		return nil, trust.ErrNotFound
	}
	return out, nil
}
func (f *fakeRuns) ReadArtifact(_ context.Context, runID, p string, _ int64) ([]byte, error) {
	b, ok := f.artifacts[runID][p]
	if !ok {
		return nil, trust.ErrNotFound
	}
	return b, nil
}
func (f *fakeRuns) RunURL(exp, run string) string {
	return "http://mlflow.test/#/experiments/" + exp + "/runs/" + run
}

// Results logged as run artifacts belong to the run's model version, link to the run and name the
// artifact in notices; the query's model narrows the registry search.
func TestMLflowArtifacts(t *testing.T) {
	read := func(gen, rel string) []byte {
		b, err := os.ReadFile(filepath.Join(testdataDir, gen, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f := &fakeRuns{
		artifacts: map[string]map[string][]byte{
			"r1": {
				"gx/churn_events_suite/nightly/20260720T020000.000000Z/crm-churn_events.json": read("gx1", goodRel),
				"gx/broken.json": []byte(`{"results":`),
				"model/MLmodel":  []byte("not json"),
			},
			"r2": {"gx/checkpoint.json": read("gx018", "model=credit-risk-classifier/version=2/checkpoints/nightly-2026-07-20.json")},
		},
		versions: []trust.VersionRun{{Model: "churn-predictor", Version: "4", RunID: "r1"}, {Model: "credit-risk-classifier", Version: "9", RunID: "r2"}},
	}
	p := newProvider(t, map[string]any{}, f)
	ev := collect(t, p, trust.Query{})
	byModel := map[string]int{}
	for _, pt := range ev.Points {
		byModel[pt.Labels[trust.LabelModel]+"/"+pt.Labels[trust.LabelVersion]]++
		if pt.Link != "http://mlflow.test/#/experiments/7/runs/"+pt.Labels[trust.LabelRunID] {
			t.Errorf("link %q for run %q", pt.Link, pt.Labels[trust.LabelRunID])
		}
	}
	// churn: 4 statistics + 4 expectations; credit (0.18 checkpoint): 4 + 6
	if byModel["churn-predictor/4"] != 8 || byModel["credit-risk-classifier/9"] != 10 || len(byModel) != 2 {
		t.Errorf("points by model version: %v", byModel)
	}
	if n := noticeText(ev); !strings.Contains(n, "mlflow run r1: gx/broken.json: unreadable: not valid JSON") {
		t.Errorf("notices:\n%s", n)
	}
	f.filters = nil
	one := collect(t, p, trust.Query{Model: "credit-risk-classifier"})
	if len(f.filters) != 1 || f.filters[0] != "name='credit-risk-classifier'" {
		t.Errorf("registry filters %q", f.filters)
	}
	for _, pt := range one.Points {
		if pt.Labels[trust.LabelModel] != "credit-risk-classifier" {
			t.Errorf("model filter let through %v", pt.Labels)
		}
	}
	off := newProvider(t, map[string]any{"gxMlflow": false, "gxPaths": []string{filepath.Join(testdataDir, "gx1")}}, f)
	for _, pt := range collect(t, off, trust.Query{}).Points {
		if pt.Labels[trust.LabelRunID] != "" {
			t.Fatalf("gxMlflow false still read run %s", pt.Labels[trust.LabelRunID])
		}
	}
	if p, err := New(context.Background(), trust.Settings{JSONData: []byte(`{"gxMlflow":"false"}`)}, f); p != nil || err != nil {
		t.Errorf("gxMlflow false without gxPaths: %v, %v", p, err)
	}
}
