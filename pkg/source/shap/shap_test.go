package shap

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// expected is testdata/shap/expected.json: shap's own numbers, written by python/fixtures/gen_shap.py.
type expected struct {
	ShapVersion string `json:"shap_version"`
	Files       map[string]struct {
		Model, Version, Output string
		Timestamp              time.Time
		MeanAbsSHAP            map[string]float64            `json:"mean_abs_shap"`
		Rank                   map[string]float64            `json:"rank"`
		TopFeature             string                        `json:"top_feature"`
		Groups                 map[string]map[string]float64 `json:"groups"`
		SensitiveFeature       string                        `json:"sensitive_feature"`
	} `json:"files"`
}

func testdata(parts ...string) string {
	return filepath.Join(append([]string{fuzzseed.RepoRoot(), "testdata", "shap"}, parts...)...)
}

func readExpected(t *testing.T) expected {
	t.Helper()
	b, err := os.ReadFile(testdata("expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Files) == 0 {
		t.Fatal("expected.json lists no files")
	}
	return e
}

func provider(t *testing.T, paths ...string) *Provider {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"shapPaths": paths})
	p, err := New(context.Background(), trust.Settings{JSONData: b}, nil)
	if err != nil || p == nil {
		t.Fatalf("New: %v, %v", p, err)
	}
	return p
}

// Every value the plugin serves equals shap's own number for its file, feature and group.
func TestPointsEqualShap(t *testing.T) {
	want := readExpected(t)
	p := provider(t, testdata("docs"), testdata("demo"))
	ev, err := p.Collect(context.Background(), trust.Explainability, &trust.Query{QueryType: trust.QueryExplainability, Format: trust.FormatTable})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := p.Collect(context.Background(), trust.Explainability, &trust.Query{QueryType: trust.QueryExplainability, Format: trust.FormatTable, SensitiveFeature: "sex"})
	if err != nil {
		t.Fatal(err)
	}
	ev.Merge(groups)
	for _, n := range ev.Notices {
		t.Errorf("unexpected notice: %s", n)
	}
	checked := map[string]int{}
	for _, pt := range ev.Points {
		rel, err := filepath.Rel(testdata(), pt.Labels[LabelFile])
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		w, ok := want.Files[rel]
		if !ok {
			t.Fatalf("point of %s, which expected.json does not list", rel)
		}
		if pt.Labels[trust.LabelModel] != w.Model || pt.Labels[trust.LabelVersion] != w.Version || pt.Labels[LabelOutput] != w.Output || !pt.Time.Equal(w.Timestamp) {
			t.Errorf("%s: labels %v at %v, want model %q version %q output %q at %v", rel, pt.Labels, pt.Time, w.Model, w.Version, w.Output, w.Timestamp)
		}
		if pt.Labels[trust.LabelSource] != "shap" || pt.Dimension != trust.Explainability {
			t.Errorf("%s: source %q dimension %q", rel, pt.Labels[trust.LabelSource], pt.Dimension)
		}
		f := pt.Labels[trust.LabelFeature]
		switch {
		case pt.Metric == MetricMeanAbsSHAP && pt.Labels[trust.LabelGroup] != "":
			if pt.Labels[trust.LabelSensitiveFeature] != w.SensitiveFeature || pt.Value != w.Groups[pt.Labels[trust.LabelGroup]][f] {
				t.Errorf("%s group %s feature %s: %v, shap %v", rel, pt.Labels[trust.LabelGroup], f, pt.Value, w.Groups[pt.Labels[trust.LabelGroup]][f])
			}
		case pt.Metric == MetricMeanAbsSHAP:
			if pt.Value != w.MeanAbsSHAP[f] {
				t.Errorf("%s feature %s: mean_abs_shap %v, shap %v", rel, f, pt.Value, w.MeanAbsSHAP[f])
			}
		case pt.Metric == MetricFeatureRank:
			if pt.Value != w.Rank[f] {
				t.Errorf("%s feature %s: rank %v, want %v", rel, f, pt.Value, w.Rank[f])
			}
		case pt.Metric == MetricTopFeatureChanged:
			if pt.Labels[LabelTopFeature] != w.TopFeature {
				t.Errorf("%s: top_feature %q, shap's top %q", rel, pt.Labels[LabelTopFeature], w.TopFeature)
			}
		}
		checked[rel+" "+pt.Metric]++
	}
	for rel, w := range want.Files {
		if n := checked[rel+" "+MetricMeanAbsSHAP]; n != len(w.MeanAbsSHAP)*(1+len(w.Groups)) {
			t.Errorf("%s: %d mean_abs_shap points, want %d", rel, n, len(w.MeanAbsSHAP)*(1+len(w.Groups)))
		}
	}
}

// top_feature_changed compares each explanation with the model's previous one.
func TestTopFeatureChanged(t *testing.T) {
	p := provider(t, testdata("docs"))
	for _, tc := range []struct {
		model   string
		changes map[string]float64 // version -> value; versions without a predecessor are absent
		tops    map[string][2]string
	}{
		{"credit-risk-classifier", map[string]float64{"2": 1}, map[string][2]string{"2": {"debt", "income"}}},
	} {
		q := &trust.Query{QueryType: trust.QueryExplainability, Format: trust.FormatTable, Model: tc.model, Metrics: []string{MetricTopFeatureChanged}}
		ev, err := p.Collect(context.Background(), trust.Explainability, q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, pt := range ev.Points {
			v := pt.Labels[trust.LabelVersion]
			got[v] = pt.Value
			if want := tc.tops[v]; pt.Labels[LabelTopFeature] != want[0] || pt.Labels[LabelPreviousTopFeature] != want[1] {
				t.Errorf("v%s: top %q previous %q, want %v", v, pt.Labels[LabelTopFeature], pt.Labels[LabelPreviousTopFeature], want)
			}
		}
		if len(got) != len(tc.changes) || got["2"] != tc.changes["2"] {
			t.Errorf("%s: top_feature_changed %v, want %v", tc.model, got, tc.changes)
		}
	}
	// The demo: v1 -> v2 keeps income on top, v3 moves to debt. A time range holding only v3 still
	// compares it with v2.
	q := &trust.Query{QueryType: trust.QueryExplainability, Format: trust.FormatLatest, Model: "credit-risk-classifier",
		Metrics: []string{MetricTopFeatureChanged}, From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	ev, err := provider(t, testdata("demo")).Collect(context.Background(), trust.Explainability, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Points) != 1 || ev.Points[0].Value != 1 || ev.Points[0].Labels[trust.LabelVersion] != "3" {
		t.Errorf("demo v3 top_feature_changed: %+v", ev.Points)
	}
	if _, ok := ev.Points[0].Labels[LabelTopFeature]; ok {
		t.Error("top_feature is a table-only label")
	}
}

// Filters: version, feature, sensitive feature and group, Grafana's All values.
func TestFilters(t *testing.T) {
	p := provider(t, testdata("docs"))
	count := func(q trust.Query) int {
		q.QueryType = trust.QueryExplainability
		ev, err := p.Collect(context.Background(), trust.Explainability, &q)
		if err != nil {
			t.Fatal(err)
		}
		return len(ev.Points)
	}
	if n := count(trust.Query{Model: "credit-risk-classifier", Version: "2", Metrics: []string{MetricMeanAbsSHAP}}); n != 4 {
		t.Errorf("v2 overall mean_abs_shap: %d points, want 4", n)
	}
	if n := count(trust.Query{Model: "$__all", Version: "{1,2}", Feature: "debt", Metrics: []string{MetricMeanAbsSHAP}}); n != 3 {
		t.Errorf("debt in credit v1 and v2 and churn-forest v1 (scorecard has no version): %d points, want 3", n)
	}
	if n := count(trust.Query{Model: "credit-risk-classifier", SensitiveFeature: "sex", Group: "F"}); n != 4 {
		t.Errorf("group F: %d points, want 4", n)
	}
}

// Bad files are reported by name with what is wrong; the good ones are still served.
func TestBadInput(t *testing.T) {
	p := provider(t, testdata("bad"), testdata("docs", "credit-risk-classifier-v1.shap.json"))
	ev, err := p.Collect(context.Background(), trust.Explainability, &trust.Query{QueryType: trust.QueryExplainability, Metrics: []string{MetricMeanAbsSHAP}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Points) != 4 {
		t.Errorf("%d points, want the 4 features of the good file", len(ev.Points))
	}
	var text []string
	for _, n := range ev.Notices {
		text = append(text, n.String())
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{
		"nan.shap.json: skipped: feature \"debt\": mean_abs_shap is NaN",
		"missing-features.shap.json: skipped: no features",
		"unknown-version.shap.json: skipped: format_version \"9.0\" is not supported (this plugin reads 1.x)",
		"malformed.shap.json: skipped: not valid JSON",
		"list.json (not a SHAP summary: not a JSON object)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no notice %q in:\n%s", want, all)
		}
	}
	for _, m := range []string{"bad-nan", "bad-missing", "bad-future"} {
		for _, pt := range ev.Points {
			if pt.Labels[trust.LabelModel] == m {
				t.Errorf("point of bad file %s served", m)
			}
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := os.ReadFile(testdata("docs", "credit-risk-classifier-v1.shap.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(good, &doc); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(d map[string]any)) []byte {
		var d map[string]any
		_ = json.Unmarshal(good, &d)
		f(d)
		b, _ := json.Marshal(d)
		return b
	}
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"no model":        {mutate(func(d map[string]any) { delete(d, "model") }), "no model"},
		"no timestamp":    {mutate(func(d map[string]any) { delete(d, "timestamp") }), "no timestamp"},
		"bad timestamp":   {mutate(func(d map[string]any) { d["timestamp"] = "yesterday" }), "not RFC 3339"},
		"negative":        {mutate(func(d map[string]any) { d["features"].([]any)[0].(map[string]any)["mean_abs_shap"] = -1 }), "negative"},
		"duplicate":       {mutate(func(d map[string]any) { f := d["features"].([]any); d["features"] = append(f, f[0]) }), "appears twice"},
		"infinite":        {[]byte(strings.Replace(string(good), `"mean_abs_shap": 0.`, `"mean_abs_shap": Infinity, "x": 0.`, 1)), "mean_abs_shap is +Inf"},
		"other format":    {mutate(func(d map[string]any) { d["format"] = "dte-trust-fairness" }), "not a SHAP summary"},
		"group no name":   {mutate(func(d map[string]any) { d["groups"] = []any{map[string]any{"group": "F"}} }), "groups[0]: needs sensitive_feature and group"},
		"deep":            {[]byte(strings.Repeat("[", 600) + strings.Repeat("]", 600)), "nest"},
		"feature no name": {mutate(func(d map[string]any) { d["features"].([]any)[0].(map[string]any)["feature"] = "" }), "no feature name"},
	} {
		_, err := Decode(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
	if s, err := Decode(good); err != nil || s.Top() != "income" {
		t.Errorf("good file: %v, %v", s, err)
	}
}

// The health check names an unreadable shapPaths entry and what is wrong with it.
func TestHealth(t *testing.T) {
	msg, err := provider(t, testdata("docs")).CheckHealth(context.Background())
	if err != nil || !strings.Contains(msg, "SHAP: 4 summary file(s) for 3 model(s)") {
		t.Errorf("health: %q, %v", msg, err)
	}
	missing := filepath.Join(t.TempDir(), "nowhere")
	_, err = provider(t, missing).CheckHealth(context.Background())
	if err == nil || !strings.Contains(err.Error(), "shapPaths entry "+missing) || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing path: %v", err)
	}
	msg, err = provider(t, testdata("bad"), testdata("docs")).CheckHealth(context.Background())
	if err != nil || !strings.Contains(msg, "4 unreadable") || !strings.Contains(msg, "nan.shap.json") {
		t.Errorf("bad files: %q, %v", msg, err)
	}
	if _, err := provider(t, testdata("bad")).CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "no SHAP summaries found") {
		t.Errorf("only bad files: %v", err)
	}
}

func TestOptions(t *testing.T) {
	p := provider(t, testdata("docs"))
	opts, err := p.Options(context.Background(), trust.VarFeatures, &trust.Query{Model: "credit-risk-classifier"})
	if err != nil || len(opts) != 4 || opts[0].Value != "age" {
		t.Errorf("features: %v, %v", opts, err)
	}
	opts, err = p.Options(context.Background(), trust.VarGroups, &trust.Query{Model: "credit-risk-classifier"})
	if err != nil || len(opts) != 2 || opts[1].Value != "M" {
		t.Errorf("groups: %v, %v", opts, err)
	}
}

func TestNotConfigured(t *testing.T) {
	p, err := New(context.Background(), trust.Settings{JSONData: []byte(`{"fairlearnPaths":["x"]}`)}, nil)
	if p != nil || err != nil {
		t.Errorf("without shapPaths or MLflow: %v, %v", p, err)
	}
	if _, err := New(context.Background(), trust.Settings{JSONData: []byte(`{"shapPaths":["x"],"shapMlflow":"maybe"}`)}, nil); err == nil || !strings.Contains(err.Error(), "shapMlflow must be true or false") {
		t.Errorf("bad shapMlflow: %v", err)
	}
}
