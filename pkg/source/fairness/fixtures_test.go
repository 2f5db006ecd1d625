package fairness

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// testdataDir holds the fixtures python/fixtures/gen_fairlearn.py writes, with expected.json.
var testdataDir = filepath.Join("..", "..", "..", "testdata", "fairlearn")

// expectedFile is one file's entry in testdata/fairlearn/expected.json.
type expectedFile struct {
	Time      *time.Time        `json:"time"`
	Labels    map[string]string `json:"labels"`
	Points    []expectedPoint   `json:"points"`
	Notices   []string          `json:"notices"`
	Settings  json.RawMessage   `json:"settings"`
	Format    string            `json:"format"`
	OnRequest *struct {
		Metrics []string          `json:"metrics"`
		Labels  map[string]string `json:"labels"`
		Points  []expectedPoint   `json:"points"`
	} `json:"on_request"`
}

type expectedPoint struct {
	Metric string            `json:"metric"`
	Labels map[string]string `json:"labels"`
	Value  *float64          `json:"value"` // null: NaN
}

type expectedDoc struct {
	FairlearnVersion string                  `json:"fairlearn_version"`
	Tolerance        float64                 `json:"tolerance"`
	Files            map[string]expectedFile `json:"files"`
	Demo             []struct {
		File                        string  `json:"file"`
		Model                       string  `json:"model"`
		Version                     string  `json:"version"`
		Time                        string  `json:"time"`
		DemographicParityDifference float64 `json:"demographic_parity_difference"`
		DemographicParityRatio      float64 `json:"demographic_parity_ratio"`
	} `json:"demo"`
}

func loadExpected(t *testing.T) *expectedDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "expected.json"))
	if err != nil {
		t.Fatalf("read expected.json (run scripts/gen-fixtures-fairlearn.sh): %v", err)
	}
	var d expectedDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Tolerance == 0 {
		d.Tolerance = 1e-9
	}
	return &d
}

// pointKey identifies a point by metric and every label.
func pointKey(metric string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k, v := range labels {
		if v != "" {
			keys = append(keys, k+"="+v)
		}
	}
	sort.Strings(keys)
	return metric + " {" + strings.Join(keys, ", ") + "}"
}

// millisTime converts MLflow milliseconds.
func millisTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// fakeRuns serves MLflow runs read from runs/get response bodies.
type fakeRuns struct {
	runs      []mlRun
	artifacts map[string][]byte // runID + "/" + path
}

func (f *fakeRuns) fairnessRuns(context.Context, *trust.Query) ([]mlRun, error) { return f.runs, nil }

func (f *fakeRuns) listArtifacts(_ context.Context, runID, dir string) ([]artifactFile, error) {
	var out []artifactFile
	for k := range f.artifacts {
		rid, p, _ := strings.Cut(k, "/")
		if rid == runID && filepath.Dir(p) == trimSlash(dir) {
			out = append(out, artifactFile{Path: p})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no such directory")
	}
	return out, nil
}

func (f *fakeRuns) readArtifact(_ context.Context, runID, p string, _ int64) ([]byte, error) {
	b, ok := f.artifacts[runID+"/"+p]
	if !ok {
		return nil, fmt.Errorf("no artifact %s", p)
	}
	return b, nil
}

// runFromFile reads an MLflow runs/get response body (as the fixtures hold it).
func runFromFile(t *testing.T, path string) mlRun {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Run struct {
			Info struct {
				RunID        string `json:"run_id"`
				ExperimentID string `json:"experiment_id"`
			} `json:"info"`
			Data struct {
				Metrics []struct {
					Key       string  `json:"key"`
					Value     float64 `json:"value"`
					Timestamp int64   `json:"timestamp"`
				} `json:"metrics"`
				Tags []struct{ Key, Value string } `json:"tags"`
			} `json:"data"`
		} `json:"run"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatal(err)
	}
	r := mlRun{ID: body.Run.Info.RunID, ExperimentID: body.Run.Info.ExperimentID, Tags: map[string]string{}}
	for _, m := range body.Run.Data.Metrics {
		r.Metrics = append(r.Metrics, KeyValue{Key: m.Key, Value: m.Value, Time: millisTime(m.Timestamp)})
	}
	for _, tg := range body.Run.Data.Tags {
		r.Tags[tg.Key] = tg.Value
	}
	return r
}

// providerFor builds a provider reading one fixture file (MLflow fixtures through a fake run source).
func providerFor(t *testing.T, rel string, settings json.RawMessage) *Provider {
	t.Helper()
	path := filepath.Join(testdataDir, filepath.FromSlash(rel))
	js := map[string]any{}
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &js); err != nil {
			t.Fatal(err)
		}
	}
	var runs *fakeRuns
	if strings.HasPrefix(rel, "mlflow/") {
		runs = &fakeRuns{runs: []mlRun{runFromFile(t, path)}}
	} else {
		// Mappings with a files glob match paths relative to the configured entry: point the entry
		// at the fixture's directory so "custom_columns/*.csv" applies as it would in a store.
		root := filepath.Dir(path)
		if strings.Contains(rel, "custom_columns/") {
			root = filepath.Dir(root)
		}
		js["fairlearnPaths"] = []string{root}
	}
	raw, _ := json.Marshal(js)
	p, err := New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p == nil {
		p = &Provider{}
		p.keys, _ = compileKeyPatterns("", "", "")
	}
	if runs != nil {
		p.cfg.Paths = nil
		p.mlflow = runs
	}
	return p
}

// collectFile collects the points one fixture file yields (other files in its directory are
// read too, so keep only the points whose evaluation came from the file).
func collectFile(t *testing.T, p *Provider, rel string, q trust.Query) ([]trust.Point, []trust.Notice) {
	t.Helper()
	q.QueryType = trust.QueryFairness
	if q.Format == "" {
		q.Format = trust.FormatTable
	}
	ev, err := p.Collect(context.Background(), trust.Fairness, &q)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	want := filepath.Join(testdataDir, filepath.FromSlash(rel))
	var pts []trust.Point
	for _, pt := range ev.Points {
		if strings.HasPrefix(rel, "mlflow/") || pt.Labels[LabelFile] == want {
			l := copyLabels(pt.Labels)
			delete(l, LabelFile)
			pt.Labels = l
			pts = append(pts, pt)
		}
	}
	var notices []trust.Notice
	for _, n := range ev.Notices {
		if strings.HasPrefix(rel, "mlflow/") || n.Location == want || strings.Contains(n.Message, want) {
			notices = append(notices, n)
		}
	}
	return pts, notices
}

// comparePoints asserts that got holds exactly the expected points, values within tol.
func comparePoints(t *testing.T, got []trust.Point, common map[string]string, want []expectedPoint, tol float64) {
	t.Helper()
	gotByKey := map[string]trust.Point{}
	for _, pt := range got {
		k := pointKey(pt.Metric, pt.Labels)
		if _, dup := gotByKey[k]; dup {
			t.Errorf("duplicate point %s", k)
		}
		gotByKey[k] = pt
	}
	seen := map[string]bool{}
	for _, w := range want {
		labels := map[string]string{}
		for k, v := range common {
			labels[k] = v
		}
		for k, v := range w.Labels {
			labels[k] = v
		}
		k := pointKey(w.Metric, labels)
		seen[k] = true
		pt, ok := gotByKey[k]
		if !ok {
			t.Errorf("missing point %s", k)
			continue
		}
		switch {
		case w.Value == nil:
			if !math.IsNaN(pt.Value) {
				t.Errorf("%s = %v, Fairlearn: NaN", k, pt.Value)
			}
		case math.IsNaN(pt.Value) || math.Abs(pt.Value-*w.Value) > tol:
			t.Errorf("%s = %.17g, Fairlearn: %.17g", k, pt.Value, *w.Value)
		}
	}
	for k := range gotByKey {
		if !seen[k] {
			t.Errorf("unexpected point %s = %v", k, gotByKey[k].Value)
		}
	}
}

// TestFixturesMatchFairlearn reads every fixture format and asserts the plugin's numbers equal
// Fairlearn's own (expected.json) within 1e-9, point for point, with the notices bad input earns.
func TestFixturesMatchFairlearn(t *testing.T) {
	exp := loadExpected(t)
	if len(exp.Files) < 15 {
		t.Fatalf("expected.json lists %d files", len(exp.Files))
	}
	for rel, want := range exp.Files {
		t.Run(rel, func(t *testing.T) {
			p := providerFor(t, rel, want.Settings)
			got, notices := collectFile(t, p, rel, trust.Query{})
			comparePoints(t, got, want.Labels, want.Points, exp.Tolerance)
			if want.Time != nil {
				for _, pt := range got {
					if !pt.Time.Equal(*want.Time) {
						t.Errorf("%s: time %s, want %s", pt.Metric, pt.Time, *want.Time)
						break
					}
				}
			}
			var texts []string
			for _, n := range notices {
				texts = append(texts, n.String())
			}
			all := strings.Join(texts, "\n")
			for _, sub := range want.Notices {
				if !strings.Contains(all, sub) {
					t.Errorf("no notice mentions %q; notices:\n%s", sub, all)
				}
			}
			if len(want.Notices) == 0 {
				for _, n := range notices {
					if n.Warning {
						t.Errorf("unexpected warning: %s", n)
					}
				}
			}
			if want.OnRequest != nil {
				got, _ := collectFile(t, p, rel, trust.Query{Metrics: want.OnRequest.Metrics})
				comparePoints(t, got, want.OnRequest.Labels, want.OnRequest.Points, exp.Tolerance)
			}
		})
	}
}
