package evidently

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The fixtures under testdata/evidently were written by real Evidently (scripts/gen-fixtures-evidently.sh,
// python/fixtures/gen_evidently.py), one directory per Evidently line. Each expected.json lists the
// values Evidently itself reported (read from its result objects, not from the files): the plugin
// must yield exactly those values, labels and times.

var fixturesDir = filepath.Join("..", "..", "..", "testdata", "evidently")

type expectedDoc struct {
	Evidently string         `json:"evidently"`
	Files     []expectedFile `json:"files"`
}

type expectedFile struct {
	Path      string          `json:"path"`
	Format    Format          `json:"format"`
	Timestamp *string         `json:"timestamp"`
	Model     string          `json:"model"`
	Version   string          `json:"version"`
	Project   string          `json:"project"`
	Values    []expectedValue `json:"values"`
}

type expectedValue struct {
	Dimension trust.Dimension   `json:"dimension"`
	Metric    string            `json:"metric"`
	Labels    map[string]string `json:"labels"`
	Value     float64           `json:"value"`
}

func loadExpected(t *testing.T, line string) expectedDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, line, "expected.json"))
	if err != nil {
		t.Fatalf("fixtures missing (run scripts/gen-fixtures-evidently.sh): %v", err)
	}
	var d expectedDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Files) == 0 {
		t.Fatal("expected.json lists no files")
	}
	return d
}

func TestFixtures(t *testing.T) {
	for _, line := range []string{"legacy", "current"} {
		doc := loadExpected(t, line)
		for _, ef := range doc.Files {
			t.Run(line+"/"+ef.Path, func(t *testing.T) {
				path := filepath.Join(fixturesDir, line, ef.Path)
				r, err := ParseFile(path, 64<<20)
				if err != nil {
					t.Fatal(err)
				}
				if r.Format != ef.Format {
					t.Errorf("format %s, want %s", r.Format, ef.Format)
				}
				if ef.Timestamp == nil {
					if !r.TimeFromMtime {
						t.Errorf("time %v read from the file, but Evidently wrote none", r.Time)
					}
				} else {
					want, err := time.Parse(time.RFC3339Nano, *ef.Timestamp)
					if err != nil {
						t.Fatal(err)
					}
					if !r.Time.Equal(want) || r.TimeFromMtime {
						t.Errorf("time %v, want %v", r.Time, want)
					}
				}
				if r.Model != ef.Model || r.ModelVersion != ef.Version {
					t.Errorf("model %q version %q, want %q %q", r.Model, r.ModelVersion, ef.Model, ef.Version)
				}
				if len(r.Unknown) > 0 {
					t.Errorf("unknown types %v", r.Unknown)
				}
				for _, ev := range ef.Values {
					v := find(t, r, ev.Dimension, ev.Metric, kv(ev.Labels))
					if v.Value != ev.Value {
						t.Errorf("%s %s{%s} = %v, Evidently reported %v", ev.Dimension, ev.Metric, kv(ev.Labels), v.Value, ev.Value)
					}
				}
			})
		}
	}
}

// workspaceDriftShares returns the drift_share Evidently reported for each workspace snapshot of model.
func workspaceDriftShares(doc expectedDoc, model string) map[time.Time]float64 {
	want := map[time.Time]float64{}
	for _, ef := range doc.Files {
		if ef.Format != FormatSnapshotModel || ef.Model != model {
			continue
		}
		ts, _ := time.Parse(time.RFC3339Nano, *ef.Timestamp)
		for _, v := range ef.Values {
			if v.Metric == "drift_share" {
				want[ts] = v.Value
			}
		}
	}
	return want
}

// TestFixtureWorkspace serves the generated 0.7 workspace through the provider: project from
// metadata.json, model and version from tags, links to the UI, drift growing over the days for
// credit-risk-classifier and none for churn-predictor (a second project).
func TestFixtureWorkspace(t *testing.T) {
	doc := loadExpected(t, "current")
	ws := filepath.Join(fixturesDir, "current", "workspace")
	p := newTestProvider(t, Config{Workspaces: []string{ws}, UIURL: "http://127.0.0.1:8000"})
	ctx := context.Background()
	ev, err := p.Collect(ctx, trust.Drift, &trust.Query{QueryType: "drift", Metrics: []string{"drift_share"}, Model: "credit-risk-classifier"})
	if err != nil {
		t.Fatal(err)
	}
	want := workspaceDriftShares(doc, "credit-risk-classifier")
	if len(ev.Points) != len(want) || len(want) < 7 {
		t.Fatalf("%d drift_share points, want %d (one per snapshot)", len(ev.Points), len(want))
	}
	sort.Slice(ev.Points, func(i, j int) bool { return ev.Points[i].Time.Before(ev.Points[j].Time) })
	for _, pt := range ev.Points {
		if w, ok := want[pt.Time]; !ok || w != pt.Value {
			t.Errorf("%s drift_share %v, want %v", pt.Time, pt.Value, w)
		}
		if pt.Labels[trust.LabelProject] != "credit-risk" || pt.Labels[trust.LabelVersion] == "" {
			t.Errorf("labels %v", pt.Labels)
		}
		if !strings.HasPrefix(pt.Link, "http://127.0.0.1:8000/projects/") || !strings.Contains(pt.Link, "/reports/") {
			t.Errorf("link %q", pt.Link)
		}
	}
	first, last := ev.Points[0], ev.Points[len(ev.Points)-1]
	if first.Value != 0 || first.Labels[trust.LabelVersion] != "1" || last.Labels[trust.LabelVersion] != "2" {
		t.Errorf("drift should start at 0 on version 1 and end on version 2: first %v last %v", first, last)
	}

	// the healthy model: its own project, version 1, no drift on any day
	ev, err = p.Collect(ctx, trust.Drift, &trust.Query{QueryType: "drift", Metrics: []string{"drift_share", "dataset_drift"}, Model: "churn-predictor"})
	if err != nil {
		t.Fatal(err)
	}
	want = workspaceDriftShares(doc, "churn-predictor")
	if len(want) < 3 || len(ev.Points) != 2*len(want) {
		t.Fatalf("churn-predictor: %d points, want drift_share and dataset_drift for each of %d snapshots", len(ev.Points), len(want))
	}
	for _, pt := range ev.Points {
		if _, ok := want[pt.Time]; !ok {
			t.Errorf("churn-predictor: point at %s, no snapshot then", pt.Time)
		}
		if pt.Value >= 0.1 || pt.Labels[trust.LabelProject] != "churn" || pt.Labels[trust.LabelVersion] != "1" {
			t.Errorf("churn-predictor: %s %s = %v labels %v, want no drift in project churn v1", pt.Time, pt.Metric, pt.Value, pt.Labels)
		}
	}

	anns, err := p.Annotations(ctx, trust.AnnotationDrift, &trust.Query{})
	if err != nil || len(anns) == 0 {
		t.Fatalf("no drift annotations: %v", err)
	}
	for _, a := range anns {
		if strings.Contains(a.Title, "churn-predictor") {
			t.Errorf("drift annotation for the stable model: %+v", a)
		}
	}
	projects, _ := p.Options(ctx, trust.VarProjects, &trust.Query{})
	if len(projects) != 2 {
		t.Errorf("projects %v, want credit-risk and churn", projects)
	}
	feats, _ := p.Options(ctx, trust.VarFeatures, &trust.Query{})
	if len(feats) != 6 {
		t.Errorf("features %v, want the 3 columns of each workspace project", feats)
	}
}
