package gx

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

const testdataDir = "../../../testdata/gx"

// expected-<generation>.json as python/fixtures/gen_gx.py writes it: GX's own numbers per result file.
type expectedFile struct {
	GXVersion string `json:"great_expectations_version"`
	Files     map[string]struct {
		Kind        string          `json:"kind"`
		Validations []expectedValid `json:"validations"`
	} `json:"files"`
}

type expectedValid struct {
	Model, Version, Suite string
	DataAsset             string  `json:"data_asset"`
	RunName               string  `json:"run_name"`
	RunTime               string  `json:"run_time"`
	Evaluated             float64 `json:"evaluated_expectations"`
	Successful            float64 `json:"successful_expectations"`
	SuccessPercent        float64 `json:"success_percent"`
	Success               bool    `json:"success"`
	Expectations          []struct {
		Type, Column string
		Success      bool
	} `json:"expectations"`
}

func newProvider(t *testing.T, js map[string]any, runs trust.RunArtifacts) *Provider {
	t.Helper()
	raw, _ := json.Marshal(js)
	p, err := New(context.Background(), trust.Settings{JSONData: raw}, runs)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p == nil {
		t.Fatal("New returned nil")
	}
	return p
}

func collect(t *testing.T, p *Provider, q trust.Query) *trust.Evidence {
	t.Helper()
	q.QueryType = trust.QueryQuality
	if q.Format == "" {
		q.Format = trust.FormatTable
	}
	ev, err := p.Collect(context.Background(), trust.Quality, &q)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return ev
}

func noticeText(ev *trust.Evidence) string {
	var b strings.Builder
	for _, n := range ev.Notices {
		b.WriteString(n.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// pointKey identifies a point of one file for the comparison.
func pointKey(pt trust.Point) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s", pt.Labels[LabelFile], pt.Time.Format(time.RFC3339), pt.Labels[LabelSuite], pt.Metric, pt.Labels[LabelExpectation], pt.Labels[LabelColumn])
}

// Every number the source serves equals the one in GX's own result objects (expected-<generation>.json), for
// both generations, and every point of every expected file is accounted for.
func TestFixturesEqualGX(t *testing.T) {
	for _, gen := range []string{"gx1", "gx018"} {
		t.Run(gen, func(t *testing.T) {
			dir := filepath.Join(testdataDir, gen)
			b, err := os.ReadFile(filepath.Join(testdataDir, "expected-"+gen+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var exp expectedFile
			if err := json.Unmarshal(b, &exp); err != nil {
				t.Fatal(err)
			}
			p := newProvider(t, map[string]any{"gxPaths": []string{dir}}, nil)
			ev := collect(t, p, trust.Query{})
			if n := noticeText(ev); n != "" {
				t.Errorf("notices on good files:\n%s", n)
			}
			got := map[string]trust.Point{}
			for _, pt := range ev.Points {
				k := pointKey(pt)
				if _, dup := got[k]; dup {
					t.Errorf("duplicate point %s", k)
				}
				got[k] = pt
			}
			checked := 0
			for rel, f := range exp.Files {
				file := filepath.Join(dir, filepath.FromSlash(rel))
				for _, v := range f.Validations {
					rt, err := time.Parse(time.RFC3339, v.RunTime)
					if err != nil {
						t.Fatal(err)
					}
					get := func(metric, expectation, column string) trust.Point {
						t.Helper()
						k := fmt.Sprintf("%s|%s|%s|%s|%s|%s", file, rt.UTC().Format(time.RFC3339), v.Suite, metric, expectation, column)
						pt, ok := got[k]
						if !ok {
							t.Fatalf("no point %s", k)
						}
						delete(got, k)
						checked++
						if pt.Labels[trust.LabelModel] != v.Model || pt.Labels[trust.LabelVersion] != v.Version ||
							pt.Labels[trust.LabelDataset] != v.DataAsset || pt.Labels[trust.LabelSource] != trust.SourceGreatExpectations ||
							pt.Dimension != trust.Quality {
							t.Errorf("%s: labels %v, dimension %s; want model %s version %s dataset %s", k, pt.Labels, pt.Dimension, v.Model, v.Version, v.DataAsset)
						}
						return pt
					}
					if pt := get(MetricEvaluated, "", ""); pt.Value != v.Evaluated {
						t.Errorf("%s: expectations_evaluated %v, GX %v", rel, pt.Value, v.Evaluated)
					}
					if pt := get(MetricSuccessful, "", ""); pt.Value != v.Successful {
						t.Errorf("%s: expectations_successful %v, GX %v", rel, pt.Value, v.Successful)
					}
					if pt := get(MetricSuccessPercent, "", ""); pt.Value != v.SuccessPercent {
						t.Errorf("%s: success_percent %v, GX %v", rel, pt.Value, v.SuccessPercent)
					}
					pt := get(MetricValidationSuccess, "", "")
					wantStatus := trust.StatusOK
					if !v.Success {
						wantStatus = trust.StatusFail
					}
					if pt.Value != b2f(v.Success) || pt.Status != wantStatus {
						t.Errorf("%s: validation_success %v %s, GX success %v", rel, pt.Value, pt.Status, v.Success)
					}
					for _, e := range v.Expectations {
						pt := get(MetricExpectationSuccess, e.Type, e.Column)
						if pt.Value != b2f(e.Success) {
							t.Errorf("%s: %s(%s) success %v, GX %v", rel, e.Type, e.Column, pt.Value, e.Success)
						}
					}
				}
			}
			for k := range got {
				t.Errorf("point not in expected.json: %s", k)
			}
			if checked < 50 {
				t.Errorf("only %d points compared", checked)
			}
			t.Logf("%s (GX %s): %d points equal GX's numbers", gen, exp.GXVersion, checked)
		})
	}
}

// Both generations give the same numbers for the same data (the fixtures validate the same frames).
func TestGenerationsAgree(t *testing.T) {
	values := func(gen string) map[string]float64 {
		p := newProvider(t, map[string]any{"gxPaths": []string{filepath.Join(testdataDir, gen)}}, nil)
		out := map[string]float64{}
		for _, pt := range collect(t, p, trust.Query{Format: trust.FormatTimeseries}).Points {
			out[pt.SeriesKey()+pt.Time.String()] = pt.Value
		}
		return out
	}
	a, b := values("gx1"), values("gx018")
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d points from GX 1.x, %d from 0.18", len(a), len(b))
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			t.Errorf("%q: 1.x %v, 0.18 %v (present %v)", k, v, w, ok)
		}
	}
}

func TestQueryFilters(t *testing.T) {
	p := newProvider(t, map[string]any{"gxPaths": []string{filepath.Join(testdataDir, "gx1")}}, nil)
	all := collect(t, p, trust.Query{})
	credit := collect(t, p, trust.Query{Model: "credit-risk-classifier", Version: "2"})
	if len(credit.Points) == 0 || len(credit.Points) >= len(all.Points) {
		t.Fatalf("model filter: %d of %d points", len(credit.Points), len(all.Points))
	}
	for _, pt := range credit.Points {
		if pt.Labels[trust.LabelModel] != "credit-risk-classifier" {
			t.Errorf("model filter let through %v", pt.Labels)
		}
	}
	if n := len(collect(t, p, trust.Query{Model: "$__all"}).Points); n != len(all.Points) {
		t.Errorf("$__all: %d points, want %d", n, len(all.Points))
	}
	if n := len(collect(t, p, trust.Query{Model: "{credit-risk-classifier,churn-predictor}"}).Points); n != len(all.Points) {
		t.Errorf("multi-value: %d points, want %d", n, len(all.Points))
	}
	only := collect(t, p, trust.Query{Metrics: []string{MetricValidationSuccess}})
	if len(only.Points) != 6 {
		t.Errorf("metrics filter: %d validation_success points, want 6 (two assets, three runs)", len(only.Points))
	}
	q := trust.Query{From: time.Date(2026, 7, 20, 0, 0, 0, 0, time.UTC)}
	for _, pt := range collect(t, p, q).Points {
		if pt.Time.Before(q.From) {
			t.Errorf("time range let through %s", pt.Time)
		}
	}
	// time series frames never split by file: the file label is table-only
	for _, pt := range collect(t, p, trust.Query{Format: trust.FormatTimeseries}).Points {
		if _, ok := pt.Labels[LabelFile]; ok {
			t.Fatalf("file label outside table format: %v", pt.Labels)
		}
	}
	if n := len(collect(t, p, trust.Query{}).Points); n != len(all.Points) {
		t.Errorf("a second read gives %d points, want %d", n, len(all.Points))
	}
	ev, err := p.Collect(context.Background(), trust.Drift, &trust.Query{})
	if err != nil || len(ev.Points) != 0 {
		t.Errorf("drift dimension: %d points, %v", len(ev.Points), err)
	}
}

func TestNewUnset(t *testing.T) {
	p, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"evidentlyPaths":["x"]}`)}, nil)
	if p != nil || err != nil {
		t.Errorf("New without gxPaths or MLflow: %v, %v", p, err)
	}
	if _, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"gxPaths":[1]}`)}, nil); err == nil || !strings.Contains(err.Error(), "gxPaths") {
		t.Errorf("bad gxPaths: %v", err)
	}
	p = newProvider(t, map[string]any{"gxPaths": "a\nb, c"}, nil)
	if strings.Join(p.cfg.Paths, "|") != "a|b|c" {
		t.Errorf("gxPaths as text: %q", p.cfg.Paths)
	}
}
