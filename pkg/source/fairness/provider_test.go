package fairness

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

func newProvider(t *testing.T, js map[string]any) *Provider {
	t.Helper()
	raw, _ := json.Marshal(js)
	p, err := New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p == nil {
		t.Fatal("New returned nil")
	}
	return p
}

var demoDir = filepath.Join(testdataDir, "demo")

func collect(t *testing.T, p *Provider, q trust.Query) *trust.Evidence {
	t.Helper()
	q.QueryType = trust.QueryFairness
	if q.Format == "" {
		q.Format = trust.FormatTimeseries
	}
	ev, err := p.Collect(context.Background(), trust.Fairness, &q)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return ev
}

func TestDerivationsFollowFairlearn(t *testing.T) {
	nan := math.NaN()
	vals := []float64{0.2, nan, 0.5, 0.4}
	if got := differenceBetween(vals); math.Abs(got-0.3) > 1e-15 {
		t.Errorf("difference %v", got)
	}
	if got := ratioBetween(vals); got != 0.2/0.5 {
		t.Errorf("ratio %v", got)
	}
	if got := differenceToOverall(vals, 0.45); math.Abs(got-0.25) > 1e-15 {
		t.Errorf("difference to overall %v", got)
	}
	// 0.2/0.45, 0.5/0.45 inverted, 0.4/0.45: the smallest.
	if got, want := ratioToOverall(vals, 0.45), vals[0]/0.45; got != want {
		t.Errorf("ratio to overall %v", got)
	}
	if got := ratioToOverall([]float64{0, 1}, 0); got != 0 { // 1/0 = +Inf, inverted to 0; 0/0 skipped
		t.Errorf("ratio to overall with overall 0: %v", got)
	}
	if !math.IsNaN(differenceBetween([]float64{nan, nan})) || !math.IsNaN(ratioBetween(nil)) {
		t.Error("all-NaN groups must give NaN")
	}
	if got := differenceBetween([]float64{0.7}); got != 0 {
		t.Errorf("single group difference %v", got)
	}
	// Python's max/min keep a NaN in first place, as equalized_odds_* do.
	if !math.IsNaN(pyMax(nan, 0.3)) || pyMax(0.3, nan) != 0.3 || !math.IsNaN(pyMin(nan, 0.3)) || pyMin(0.3, nan) != 0.3 {
		t.Error("pyMax/pyMin differ from Python's built-ins")
	}
	// Ties go to the first group, as pandas idxmin/idxmax.
	if worstGroup("accuracy", []float64{0.5, 0.4, 0.4}) != 1 || worstGroup("false_positive_rate", []float64{0.5, nan, 0.5}) != 0 {
		t.Error("worst group tie-break")
	}
	if worstGroup("count", []float64{1, 2}) != -1 || worstGroup("accuracy", []float64{nan}) != -1 {
		t.Error("no worst group for count or all-NaN")
	}
}

func TestCanonicalNames(t *testing.T) {
	for in, want := range map[string]string{
		"Demographic Parity Diff": "demographic_parity_difference", "Equalized Odds Ratio": "equalized_odds_ratio",
		"accuracy_score": "accuracy", "TPR": "true_positive_rate", "f1_score": "f1", "recall_score": "recall",
		"dp_diff": "dp_difference", "  Selection rate ": "selection_rate",
	} {
		if got := canonMetric(in); got != want {
			t.Errorf("canonMetric(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThresholdsAndStatus(t *testing.T) {
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{demoDir}})
	status := func(q trust.Query) map[string]trust.Point {
		ev := collect(t, p, q)
		out := map[string]trust.Point{}
		for _, pt := range ev.Points {
			if pt.Labels[trust.LabelGroup] == "" {
				out[pt.Labels[trust.LabelModel]+" "+pt.Metric] = pt
			}
		}
		return out
	}
	q := trust.Query{Format: trust.FormatLatest, Metrics: []string{DemographicParityDifference, DemographicParityRatio, "accuracy"}}
	got := status(q)
	biased, fair := got["credit-risk-classifier demographic_parity_difference"], got["churn-predictor demographic_parity_difference"]
	if biased.Status != trust.StatusFail || *biased.Threshold != 0.1 || fair.Status != trust.StatusOK {
		t.Errorf("DPD status: biased %s (%v), fair %s", biased.Status, biased.Value, fair.Status)
	}
	if r := got["credit-risk-classifier demographic_parity_ratio"]; r.Status != trust.StatusFail || *r.Threshold != 0.8 {
		t.Errorf("DPR: %s %v", r.Status, r.Value)
	}
	if a := got["credit-risk-classifier accuracy"]; a.Threshold != nil || a.Status != "" {
		t.Errorf("overall accuracy carries no threshold: %+v", a)
	}
	// Per-query thresholds.
	loose, strict := 0.5, 0.999
	q.DifferenceMax, q.RatioMin = &loose, &strict
	got = status(q)
	if got["credit-risk-classifier demographic_parity_difference"].Status != trust.StatusOK ||
		got["churn-predictor demographic_parity_ratio"].Status != trust.StatusFail {
		t.Error("differenceMax/ratioMin not applied")
	}
}

func TestLatestFormatForAlerts(t *testing.T) {
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{demoDir}})
	ev := collect(t, p, trust.Query{Format: trust.FormatLatest})
	fr := frames.Build(trust.FormatLatest, ev)
	if len(fr) != 1 {
		t.Fatalf("%d frames", len(fr))
	}
	// One row per series: rows unique by their labels.
	seen := map[string]bool{}
	for _, pt := range frames.LatestPoints(ev.Points) {
		k := pt.SeriesKey()
		if seen[k] {
			t.Fatalf("duplicate latest row %s", k)
		}
		seen[k] = true
	}
	// The worst group of the newest evaluation only: one worst_group_accuracy per model.
	worst := map[string]int{}
	for _, pt := range frames.LatestPoints(ev.Points) {
		if pt.Metric == "worst_group_selection_rate" {
			worst[pt.Labels[trust.LabelModel]]++
			if pt.Time.Format("2006-01-02") != "2026-07-20" {
				t.Errorf("stale worst group %s from %s", pt.Labels[trust.LabelGroup], pt.Time)
			}
		}
	}
	if worst["credit-risk-classifier"] != 1 || worst["churn-predictor"] != 1 {
		t.Errorf("worst group rows %v", worst)
	}
}

func TestFilters(t *testing.T) {
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{demoDir, filepath.Join(testdataDir, "dte", "credit_sex_age.json")}})
	count := func(q trust.Query) int { return len(collect(t, p, q).Points) }
	all := count(trust.Query{})
	// 8 weekly files of 2 models, 44 points each, plus the intersectional file.
	if all != 16*44+72 {
		t.Errorf("%d points", all)
	}
	if n := count(trust.Query{Model: "churn-predictor"}); n != 8*44 {
		t.Errorf("model filter: %d", n)
	}
	if n := count(trust.Query{Model: "churn-predictor", Version: "2"}); n != 0 {
		t.Errorf("version filter: %d", n)
	}
	if n := count(trust.Query{SensitiveFeature: "sex,age_band"}); n != 72 {
		t.Errorf("sensitive feature filter: %d", n)
	}
	groupF := 0
	for _, pt := range collect(t, p, trust.Query{Model: "credit-risk-classifier"}).Points {
		if pt.Labels[trust.LabelGroup] == "F" {
			groupF++
		}
	}
	// 6 metrics and the count of group F per evaluation, plus the worst groups that are F.
	if n := count(trust.Query{Group: "F", Model: "credit-risk-classifier"}); n != groupF || n < 8*7 {
		t.Errorf("group filter: %d, want %d", n, groupF)
	}
	from, _ := time.Parse(time.RFC3339, "2026-07-01T00:00:00Z")
	if n := count(trust.Query{From: from, Model: "churn-predictor"}); n != 3*44 {
		t.Errorf("time range: %d", n)
	}
	if n := count(trust.Query{Metrics: []string{DemographicParityDifference}}); n != 17 {
		t.Errorf("metrics filter: %d", n)
	}
}

func TestTableCarriesFileAndTimeseriesDoesNot(t *testing.T) {
	file := filepath.Join(testdataDir, "dte", "credit_sex.json")
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{file}})
	for _, pt := range collect(t, p, trust.Query{Format: trust.FormatTable}).Points {
		if pt.Labels[LabelFile] != file {
			t.Fatalf("table row without the file label: %v", pt.Labels)
		}
	}
	for _, pt := range collect(t, p, trust.Query{}).Points {
		if pt.Labels[LabelFile] != "" || pt.Link != "" {
			t.Fatalf("timeseries point with file label or link: %v %q", pt.Labels, pt.Link)
		}
	}
}

func TestURLs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testdataDir, "dte", "credit_sex.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/credit.json":
			_, _ = w.Write(doc)
		case "/summary.csv":
			_, _ = w.Write([]byte("attribute,dpd\nsex,0.25\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	p := newProvider(t, map[string]any{"fairlearnUrls": []string{srv.URL + "/credit.json", srv.URL + "/summary.csv", srv.URL + "/gone.json"}})
	ev := collect(t, p, trust.Query{Metrics: []string{DemographicParityDifference}})
	links := map[string]float64{}
	for _, pt := range ev.Points {
		links[pt.Link] = pt.Value
	}
	if links[srv.URL+"/credit.json"] == 0 || links[srv.URL+"/summary.csv"] != 0.25 {
		t.Errorf("points by link: %v", links)
	}
	if !strings.Contains(noticeText(ev), srv.URL+"/gone.json: HTTP 404") {
		t.Errorf("no notice for the missing URL: %s", noticeText(ev))
	}
}

func TestBadInputNamesEachProblem(t *testing.T) {
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{filepath.Join(testdataDir, "bad")}})
	ev := collect(t, p, trust.Query{Format: trust.FormatTable})
	text := noticeText(ev)
	for _, want := range []string{
		"unknown_version.json: unreadable: format_version 2.0 is not supported",
		"truncated.json: unreadable: not valid JSON",
		"missing_by_group.json: sex: no by-group values",
		"nan_group.json: segment: undefined (NaN) values",
		"single_group.csv: sex: a single group (F)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no notice %q in:\n%s", want, text)
		}
	}
	files := map[string]bool{}
	for _, pt := range ev.Points {
		files[filepath.Base(pt.Labels[LabelFile])] = true
	}
	for _, f := range []string{"nan_group.json", "single_group.csv", "missing_by_group.json", "nan_tokens.json"} {
		if !files[f] {
			t.Errorf("%s served nothing", f)
		}
	}
}

func TestSettings(t *testing.T) {
	p, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"mlflowUrl":""}`)}, nil)
	if p != nil || err != nil {
		t.Errorf("not configured: %v, %v", p, err)
	}
	if p, err := New(context.Background(), trust.Settings{}, nil); p != nil || err != nil {
		t.Errorf("no settings: %#v, %v", p, err)
	}
	// A newline-separated string, as a text area stores it.
	p = newProvider(t, map[string]any{"fairlearnPaths": demoDir + "\n" + filepath.Join(testdataDir, "csv")})
	if len(p.cfg.Paths) != 2 {
		t.Errorf("paths %v", p.cfg.Paths)
	}
	for _, js := range []string{
		`{"fairlearnPaths":["x"],"fairlearnMetricKeyPattern":"fairness_(?P<metric>.+)"}`,
		`{"fairlearnPaths":["x"],"fairlearnMetricKeyPattern":"("}`,
		`{"fairlearnUrls":["ftp://host/x.json"]}`,
		`{"fairlearnPaths":["x"],"fairlearnCsvColumns":"not json"}`,
	} {
		_, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(js)}, nil)
		if err == nil || !trust.IsUpstream(err) {
			t.Errorf("%s: want a settings error, got %v", js, err)
		}
	}
	// The column mapping typed as text.
	p = newProvider(t, map[string]any{"fairlearnPaths": []string{"x"}, "fairlearnCsvColumns": `{"sensitive_feature":"Atributo"}`})
	if c := p.cfg.CSVColumns.For("a.csv"); c == nil || c.SensitiveFeature != "Atributo" {
		t.Errorf("mapping %+v", p.cfg.CSVColumns)
	}
}

func TestCustomKeyPattern(t *testing.T) {
	kp, err := compileKeyPatterns(`^fair\.(?P<sensitive_feature>[^.]+)\.(?P<group>[^.]+)\.(?P<metric>.+)$`, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1700000000, 0).UTC()
	evals := kp.evaluations([]KeyValue{
		{Key: "fair.sex.F.selection_rate", Value: 0.2, Time: ts}, {Key: "fair.sex.M.selection_rate", Value: 0.5, Time: ts},
		{Key: "fair.race.A.selection_rate", Value: 0.3, Time: ts}, {Key: "fair.race.B.selection_rate", Value: 0.3, Time: ts},
		{Key: "accuracy", Value: 0.9, Time: ts},
	})
	if len(evals) != 2 {
		t.Fatalf("%d evaluations", len(evals))
	}
	em := &emitter{requested: map[string]bool{}}
	got := map[string]float64{}
	for _, e := range evals {
		for _, pt := range em.points(e) {
			got[pt.Labels[trust.LabelSensitiveFeature]+" "+pt.Metric] = pt.Value
		}
	}
	if got["sex demographic_parity_difference"] != 0.3 || got["race demographic_parity_ratio"] != 1 {
		t.Errorf("points %v", got)
	}
}

func TestOptionsAnnotationsHealth(t *testing.T) {
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{demoDir, filepath.Join(testdataDir, "dte", "credit_sex_age.json")}})
	ctx := context.Background()
	opts := func(kind string, q trust.Query) []string {
		o, err := p.Options(ctx, kind, &q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range o {
			out = append(out, x.Value)
		}
		return out
	}
	if got := strings.Join(opts(trust.VarModels, trust.Query{}), ","); got != "churn-predictor,credit-risk-classifier" {
		t.Errorf("models %s", got)
	}
	if got := strings.Join(opts(trust.VarVersions, trust.Query{Model: "churn-predictor"}), ","); got != "1" {
		t.Errorf("versions %s", got)
	}
	if got := strings.Join(opts(trust.VarSensitiveFeatures, trust.Query{Model: "credit-risk-classifier"}), ","); got != "sex,sex,age_band" {
		t.Errorf("sensitive features %s", got)
	}
	if got := strings.Join(opts(trust.VarGroups, trust.Query{SensitiveFeature: "sex,age_band"}), "|"); !strings.Contains(got, "sex=F,age_band=young") {
		t.Errorf("groups %s", got)
	}

	anns, err := p.Annotations(ctx, trust.AnnotationFairness, &trust.Query{Model: "credit-risk-classifier", SensitiveFeature: "sex"})
	if err != nil {
		t.Fatal(err)
	}
	if len(anns) != 8 {
		t.Fatalf("%d annotations, want one per weekly evaluation of the biased model", len(anns))
	}
	a := anns[0]
	if !strings.Contains(a.Title, "credit-risk-classifier v2 (sex)") || !strings.Contains(a.Text, "demographic_parity_difference 0.") || !strings.Contains(a.Text, "> 0.1") {
		t.Errorf("annotation %+v", a)
	}
	anns, _ = p.Annotations(ctx, trust.AnnotationFairness, &trust.Query{Model: "churn-predictor"})
	for _, a := range anns {
		if strings.Contains(a.Text, "demographic_parity") {
			t.Errorf("the fair model breached demographic parity: %s", a.Text)
		}
	}

	msg, err := p.CheckHealth(ctx)
	if err != nil || !strings.Contains(msg, "17 fairness result(s) in 17 file(s)") || !strings.Contains(msg, "for 2 model(s)") {
		t.Errorf("health %q, %v", msg, err)
	}
	bad := newProvider(t, map[string]any{"fairlearnPaths": []string{filepath.Join(testdataDir, "bad")}})
	msg, err = bad.CheckHealth(ctx)
	if err != nil || !strings.Contains(msg, "truncated.json") || !strings.Contains(msg, "unknown_version.json") {
		t.Errorf("health of bad files %q, %v", msg, err)
	}
	missing := newProvider(t, map[string]any{"fairlearnPaths": []string{filepath.Join(testdataDir, "nope")}})
	if _, err := missing.CheckHealth(ctx); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("health of a missing path: %v", err)
	}
	if _, err := missing.Collect(ctx, trust.Fairness, &trust.Query{}); err == nil || !trust.IsUpstream(err) {
		t.Errorf("collect from a missing path: %v", err)
	}
}

func noticeText(ev *trust.Evidence) string {
	var b strings.Builder
	for _, n := range ev.Notices {
		b.WriteString(n.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestGrafanaAllAndMultiValues(t *testing.T) {
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{demoDir}})
	all := len(collect(t, p, trust.Query{}).Points)
	for _, q := range []trust.Query{
		{Model: "$__all", Version: "*", SensitiveFeature: "$__all", Group: "$__all"},
		{Model: "{churn-predictor,credit-risk-classifier}"},
	} {
		if n := len(collect(t, p, q).Points); n != all {
			t.Errorf("%+v: %d points, want %d", q, n, all)
		}
	}
	if n := len(collect(t, p, trust.Query{Model: "{churn-predictor}", Group: "{F,M}", Metrics: []string{"count"}}).Points); n != 16 {
		t.Errorf("multi-value group: %d", n)
	}
	o, err := p.Options(context.Background(), trust.VarVersions, &trust.Query{Model: "$__all"})
	if err != nil || len(o) != 2 {
		t.Errorf("versions of All: %v %v", o, err)
	}
}

// TestURLAnswersAreCached: fairlearnUrls are downloaded once within cacheSeconds, every time with
// cacheSeconds 0, and a URL answering 500 is asked again on the next query.
func TestURLAnswersAreCached(t *testing.T) {
	var hits, broken atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flaky.csv" && broken.Add(1) == 1 {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		hits.Add(1)
		_, _ = w.Write([]byte("attribute,dpd\nsex,0.25\n"))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		settings map[string]any
		want     int32
	}{
		{map[string]any{"fairlearnUrls": []string{srv.URL + "/a.csv"}}, 1},
		{map[string]any{"fairlearnUrls": []string{srv.URL + "/a.csv"}, "cacheSeconds": 0}, 3},
	} {
		hits.Store(0)
		p := newProvider(t, tc.settings)
		for range 3 {
			collect(t, p, trust.Query{})
		}
		if hits.Load() != tc.want {
			t.Errorf("%v: %d downloads for 3 queries, want %d", tc.settings, hits.Load(), tc.want)
		}
	}
	p := newProvider(t, map[string]any{"fairlearnUrls": []string{srv.URL + "/flaky.csv"}})
	if _, err := p.Collect(context.Background(), trust.Fairness, &trust.Query{QueryType: "fairness"}); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("first query: %v", err)
	}
	if ev := collect(t, p, trust.Query{}); len(ev.Points) == 0 {
		t.Errorf("the URL that answered 500 was not asked again: %s", noticeText(ev))
	}
}
