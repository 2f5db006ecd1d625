package shap

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fakeRuns is a trust.RunArtifacts over fixed runs, registry versions and artifacts; it records
// the runs searches and artifact reads it was asked for.
type fakeRuns struct {
	runs      map[string]trust.ArtifactRun
	versions  []trust.VersionRun
	artifacts map[string]map[string][]byte // run id -> artifact path -> content
	broken    map[string]bool              // "run/path" whose download fails

	mu       sync.Mutex
	searches []trust.RunSearch
	reads    []string
}

var _ trust.RunArtifacts = (*fakeRuns)(nil)

func (f *fakeRuns) GetRun(_ context.Context, runID string) (*trust.ArtifactRun, error) {
	r, ok := f.runs[runID]
	if !ok {
		return nil, fmt.Errorf("run %s: %w", runID, trust.ErrNotFound)
	}
	return &r, nil
}

func (f *fakeRuns) ExperimentByName(_ context.Context, name string) (string, string, error) {
	if name == "loans" {
		return "1", name, nil
	}
	return "", "", fmt.Errorf("experiment %q: %w", name, trust.ErrNotFound)
}

func (f *fakeRuns) ExperimentIDs(context.Context) ([]string, error) { return []string{"1", "2"}, nil }

// SearchRuns answers the runs of the experiments whose tags satisfy the only filter the source
// sends: the dte_trust.shap tag is set.
func (f *fakeRuns) SearchRuns(_ context.Context, s trust.RunSearch) ([]trust.ArtifactRun, error) {
	f.mu.Lock()
	f.searches = append(f.searches, s)
	f.mu.Unlock()
	var out []trust.ArtifactRun
	for _, id := range slices.Sorted(maps.Keys(f.runs)) {
		r := f.runs[id]
		if _, tagged := r.Tags[Tag]; tagged && slices.Contains(s.ExperimentIDs, r.ExperimentID) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeRuns) ModelVersionRuns(_ context.Context, filter string) ([]trust.VersionRun, error) {
	var out []trust.VersionRun
	for _, v := range f.versions {
		if filter == "name='"+v.Model+"'" {
			out = append(out, v)
		}
	}
	return out, nil
}

func (f *fakeRuns) ListArtifacts(_ context.Context, runID, dir string) ([]trust.ArtifactFile, error) {
	var out []trust.ArtifactFile
	for p := range f.artifacts[runID] {
		if d, _, ok := strings.Cut(p, "/"); ok && d == dir {
			out = append(out, trust.ArtifactFile{Path: p})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("artifacts of %s under %q: %w", runID, dir, trust.ErrNotFound)
	}
	return append(out, trust.ArtifactFile{Path: dir + "/plots", IsDir: true}), nil
}

func (f *fakeRuns) ReadArtifact(_ context.Context, runID, path string, _ int64) ([]byte, error) {
	f.mu.Lock()
	f.reads = append(f.reads, runID+"/"+path)
	f.mu.Unlock()
	if f.broken[runID+"/"+path] {
		return nil, errors.New("HTTP 500 from the artifact store")
	}
	b, ok := f.artifacts[runID][path]
	if !ok {
		return nil, fmt.Errorf("artifact %s of %s: %w", path, runID, trust.ErrNotFound)
	}
	return b, nil
}

func (f *fakeRuns) RunURL(experimentID, runID string) string {
	return "http://mlflow.test/#/experiments/" + experimentID + "/runs/" + runID
}

func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testdata(rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mlflowFake: the registered model scorecard, whose version 4 has the source run r-v4 holding
// the unversioned summary (no version, no run_id) under shap/ without the tag, next to a file that
// is no summary; run r-tag tagged dte_trust.shap lists the churn-forest summary and a path whose
// download fails; run r-badtag has a tag that is no JSON list.
func mlflowFake(t *testing.T) *fakeRuns {
	return &fakeRuns{
		runs: map[string]trust.ArtifactRun{
			"r-v4":     {ID: "r-v4", ExperimentID: "1"},
			"r-tag":    {ID: "r-tag", ExperimentID: "2", Tags: map[string]string{Tag: `["shap/churn-forest-v1.shap.json","shap/gone.shap.json"]`}},
			"r-badtag": {ID: "r-badtag", ExperimentID: "2", Tags: map[string]string{Tag: "shap/x.json"}},
		},
		versions: []trust.VersionRun{{Model: "scorecard", Version: "4", RunID: "r-v4"}, {Model: "scorecard", Version: "5", RunID: "r-deleted"}},
		artifacts: map[string]map[string][]byte{
			"r-v4": {
				"shap/scorecard.shap.json": fixture(t, "docs/unversioned.shap.json"),
				"shap/notes.json":          []byte(`{"note": "not a summary"}`),
				"shap/readme.txt":          []byte("text"),
			},
			"r-tag": {"shap/churn-forest-v1.shap.json": fixture(t, "docs/churn-forest.shap.json")},
		},
		broken: map[string]bool{"r-tag/shap/gone.shap.json": true},
	}
}

func mlflowProvider(t *testing.T, f *fakeRuns, jsonData string) *Provider {
	t.Helper()
	p, err := New(context.Background(), trust.Settings{JSONData: []byte(jsonData)}, f)
	if err != nil || p == nil {
		t.Fatalf("New: %v, %v", p, err)
	}
	return p
}

// TestMLflowArtifacts reads summaries from MLflow runs: a registered version's source run (its
// summary, which names no version, takes the registry's version and the run's id and link) and a
// run tagged dte_trust.shap; every value equals shap's own number in expected.json; a bad tag and
// a failed download are notices naming the run and artifact; the other files are served.
func TestMLflowArtifacts(t *testing.T) {
	want := readExpected(t)
	f := mlflowFake(t)
	p := mlflowProvider(t, f, `{}`)
	ev, err := p.Collect(context.Background(), trust.Explainability, &trust.Query{QueryType: trust.QueryExplainability, Format: trust.FormatTable, Model: "scorecard"})
	if err != nil {
		t.Fatal(err)
	}
	byModel := map[string]int{}
	for _, pt := range ev.Points {
		m := pt.Labels[trust.LabelModel]
		byModel[m]++
		if m != "scorecard" || pt.Metric != MetricMeanAbsSHAP {
			continue
		}
		w := want.Files["docs/unversioned.shap.json"]
		if got := pt.Labels[trust.LabelFeature]; pt.Value != w.MeanAbsSHAP[got] {
			t.Errorf("scorecard %s: %v, shap %v", got, pt.Value, w.MeanAbsSHAP[got])
		}
		if pt.Labels[trust.LabelVersion] != "4" || pt.Labels[trust.LabelRunID] != "r-v4" || pt.Link != "http://mlflow.test/#/experiments/1/runs/r-v4" {
			t.Errorf("scorecard point %v link %q: want version 4 of the registry, run r-v4 and its page", pt.Labels, pt.Link)
		}
		if !pt.Time.Equal(w.Timestamp) {
			t.Errorf("scorecard at %v, want %v", pt.Time, w.Timestamp)
		}
	}
	// 4 features x (mean |SHAP| + rank); churn-forest's summary is read but not asked for.
	if byModel["scorecard"] != 8 || len(byModel) != 1 {
		t.Errorf("points per model %v, want 8 of scorecard only", byModel)
	}
	// Without a model: the tagged runs of every experiment, not the registry's untagged runs.
	every, err := mlflowProvider(t, mlflowFake(t), `{}`).Collect(context.Background(), trust.Explainability, &trust.Query{QueryType: trust.QueryExplainability})
	if err != nil {
		t.Fatal(err)
	}
	churn := 0
	for _, pt := range every.Points {
		if pt.Labels[trust.LabelModel] == "scorecard" {
			t.Errorf("without a model the untagged registry run was read: %v", pt.Labels)
		}
		if pt.Labels[trust.LabelModel] == "churn-forest" && pt.Metric == MetricMeanAbsSHAP {
			churn++
		}
	}
	if churn != len(want.Files["docs/churn-forest.shap.json"].MeanAbsSHAP) {
		t.Errorf("%d churn-forest mean_abs_shap points from the tagged run", churn)
	}
	for _, pt := range every.Points {
		if pt.Labels[trust.LabelModel] == "churn-forest" && pt.Metric == MetricMeanAbsSHAP {
			w := want.Files["docs/churn-forest.shap.json"]
			if pt.Value != w.MeanAbsSHAP[pt.Labels[trust.LabelFeature]] || pt.Labels[trust.LabelVersion] != "1" ||
				pt.Labels[trust.LabelRunID] != "r-tag" || pt.Link != "http://mlflow.test/#/experiments/2/runs/r-tag" {
				t.Errorf("churn-forest point %v = %v link %q", pt.Labels, pt.Value, pt.Link)
			}
		}
	}
	var notes []string
	for _, n := range ev.Notices {
		notes = append(notes, n.String())
	}
	all := strings.Join(notes, "\n")
	for _, w := range []string{
		"mlflow run r-badtag", "tag dte_trust.shap is not a JSON list",
		"mlflow run r-tag: shap/gone.shap.json", "HTTP 500",
		"mlflow run r-v4: shap/notes.json",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("notices lack %q:\n%s", w, all)
		}
	}
	if slices.Contains(f.reads, "r-v4/shap/readme.txt") {
		t.Error("a .txt artifact was downloaded")
	}
	if len(f.searches) != 1 || !strings.Contains(f.searches[0].Filter, "dte_trust.shap") || f.searches[0].Limit != DefaultMLflowRuns ||
		!slices.Equal(f.searches[0].ExperimentIDs, []string{"1", "2"}) {
		t.Errorf("runs searches %+v, want one over every experiment for the tagged runs, limit %d", f.searches, DefaultMLflowRuns)
	}
}

// TestMLflowSelection: the registry is read only for the versions the query selects; experiments
// narrow the tagged runs; shapMlflow false (a JSON boolean, as the config editor saves it, or a
// string, as provisioning may) reads no run at all but still links run ids to MLflow.
func TestMLflowSelection(t *testing.T) {
	f := mlflowFake(t)
	p := mlflowProvider(t, f, `{}`)
	ev, err := p.Collect(context.Background(), trust.Explainability, &trust.Query{Model: "scorecard", Version: "5", Experiments: []string{"loans"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Points) != 0 || slices.Contains(f.reads, "r-v4/shap/scorecard.shap.json") {
		t.Errorf("version 5 (its run deleted): points %v, reads %v", ev.Points, f.reads)
	}
	if len(f.searches) != 1 || !slices.Equal(f.searches[0].ExperimentIDs, []string{"1"}) {
		t.Errorf("searches %+v, want experiment loans (1) only", f.searches)
	}

	for _, off := range []string{`false`, `"false"`} {
		f = mlflowFake(t)
		p = mlflowProvider(t, f, `{"shapPaths":["`+testdata("docs")+`"],"shapMlflow":`+off+`}`)
		if _, err := p.Collect(context.Background(), trust.Explainability, &trust.Query{Model: "scorecard"}); err != nil {
			t.Fatal(err)
		}
		if len(f.searches) != 0 || len(f.reads) != 0 {
			t.Errorf("shapMlflow %s: searches %v, reads %v", off, f.searches, f.reads)
		}
		if p.runLink("3", "abc") != "http://mlflow.test/#/experiments/3/runs/abc" {
			t.Errorf("shapMlflow %s: run ids are no longer linked to MLflow", off)
		}
	}
	// Without shapPaths, shapMlflow false leaves the source nothing to read.
	if p, err := New(context.Background(), trust.Settings{JSONData: []byte(`{"shapMlflow":false}`)}, mlflowFake(t)); p != nil || err != nil {
		t.Errorf("MLflow only, shapMlflow false: %v, %v", p, err)
	}
}
