package policy

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

func TestBrokenRulesAreReportedAndOthersEvaluate(t *testing.T) {
	f := newFixture()
	f.cfg.PolicyRules = `
rules:
  - id: typo-field
    expr: model.nmae == "credit"
  - id: typo-dimension
    expr: evidence.fairnes.age < days(30)
  - id: typo-metric-field
    expr: evidence.drift.drift_share.vlaue < 0.3
  - id: syntax
    expr: model.name ===
  - id: not-bool
    expr: size(model.aliases)
  - id: bad-severity
    severity: fatal
    expr: "true"
  - id: unknown-key
    expresion: "true"
  - id: good
    expr: model.name == "credit"
`
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string]string{}
	for _, r := range p.BrokenRules() {
		broken[r.ID] = r.Err.Error()
	}
	want := map[string]string{
		"typo-field":        "unknown field model.nmae",
		"typo-dimension":    "unknown field evidence.fairnes",
		"typo-metric-field": "unknown field evidence.drift.drift_share.vlaue",
		"syntax":            "CEL: 1:",
		"not-bool":          "must return bool",
		"bad-severity":      `severity "fatal"`,
		"unknown-key":       "unknown key(s) expresion",
	}
	for id, sub := range want {
		if !strings.Contains(broken[id], sub) {
			t.Errorf("%s: error %q, want it to contain %q", id, broken[id], sub)
		}
	}
	if len(broken) != len(want) {
		t.Errorf("broken = %v", broken)
	}
	_, err = p.CheckHealth(context.Background())
	if err == nil || !strings.Contains(err.Error(), "rule typo-field") || !strings.Contains(err.Error(), "unknown field model.nmae") {
		t.Errorf("health: %v", err)
	}
	ev, err := p.Collect(context.Background(), trust.Compliance, &trust.Query{Format: trust.FormatLatest})
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	for _, n := range ev.Notices {
		notices = append(notices, n.String())
	}
	if !strings.Contains(strings.Join(notices, "\n"), "policy: rule syntax: broken rule (from policyRules) skipped: CEL") {
		t.Errorf("notices: %v", notices)
	}
	rules := map[string]float64{}
	for _, pt := range ev.Points {
		if pt.Metric == MetricRulePassed {
			rules[pt.Labels[trust.LabelRule]] = pt.Value
		}
	}
	if rules["good"] != 1 || rules["owner-tag"] != 1 || len(rules) != 13 {
		t.Errorf("the other rules must evaluate: %v", rules)
	}
}

func TestUnreadableRulesDocument(t *testing.T) {
	f := newFixture()
	f.cfg.PolicyRules = "rules: [unclosed"
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "policyRules: not valid YAML") {
		t.Fatalf("health: %v", err)
	}
	if len(p.selectedRules(nil)) != 12 {
		t.Fatal("the default pack must still evaluate")
	}
	if _, err := p.WithRules([]byte("{rulez: []}"), "--rules x.yaml"); err == nil || !strings.Contains(err.Error(), `unknown key "rulez"`) {
		t.Fatalf("WithRules: %v", err)
	}
}

func TestCostLimitAndCancel(t *testing.T) {
	f := newFixture()
	f.cfg.CostLimit = 1000
	f.cfg.PolicyRules = `
- id: expensive
  expr: "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, a+b+c > 0)))"
`
	r := evaluate(t, f)["expensive"]
	if r.Outcome != Unknown || !strings.Contains(r.Reason, "cost limit") {
		t.Fatalf("%+v", r)
	}
	p, _, _ := f.provider()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Evaluate(ctx, &trust.Query{}, []time.Time{testNow}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled evaluation: %v", err)
	}
}

func TestWithoutCatalogVersionsComeFromEvidence(t *testing.T) {
	f := newFixture()
	f.noCatalog = true
	f.points = append(f.points, point(trust.Drift, "drift_share", 0.5, testNow.Add(-days(1)), trust.LabelModel, "churn", trust.LabelVersion, "7"),
		point(trust.Drift, "drift_share", 0.5, testNow.Add(-days(1)), trust.LabelModel, ""))
	p, ev, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	vs := run.Evaluations[0].Versions
	if len(vs) != 2 || vs[0].Model.Name != "churn" || vs[1].Model.Name != "credit" || vs[0].Registered {
		t.Fatalf("versions: %+v", vs)
	}
	if ev.calls != 3 {
		t.Errorf("want one request per dimension the rules read (not quality), got %d", ev.calls)
	}
	res := map[string]RuleResult{}
	for _, r := range vs[1].Results {
		res[r.Rule.ID] = r
	}
	if r := res["owner-tag"]; r.Outcome != Unknown || !strings.Contains(r.Reason, "no registry metadata") {
		t.Errorf("owner-tag without registry: %+v", r)
	}
	if r := res["gdpr-dpia"]; r.Outcome != Unknown || !strings.Contains(r.Reason, "scope needs registry metadata") {
		t.Errorf("scoped rule without registry: %+v", r)
	}
	if r := res["fairness-demographic-parity"]; r.Outcome != Pass {
		t.Errorf("evidence rules still decide: %+v", r)
	}
	if r := res["drift-share"]; r.Outcome != Pass {
		t.Errorf("churn's drift must not leak into credit: %+v", r)
	}
}

func TestUnservedAndFailingDimensions(t *testing.T) {
	f := newFixture()
	p, ev, _ := f.provider()
	ev.dims = []trust.Dimension{trust.Drift, trust.Accuracy}
	ev.err = map[trust.Dimension]error{trust.Accuracy: errors.New("mlflow runs/get: 503")}
	run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]RuleResult{}
	for _, r := range run.Evaluations[0].Versions[0].Results {
		res[r.Rule.ID] = r
	}
	if r := res["fairness-fresh"]; r.Outcome != Unknown || !strings.Contains(r.Reason, "no configured source serves fairness") {
		t.Errorf("unserved: %+v", r)
	}
	if r := res["accuracy-minimum"]; r.Outcome != Unknown || !strings.Contains(r.Reason, "reading it failed: mlflow runs/get: 503") {
		t.Errorf("failing source: %+v", r)
	}
	if ev.calls != 2 {
		t.Errorf("unserved dimensions must not be requested: %d calls", ev.calls)
	}
	if !strings.Contains(noticeText(run.Notices), "mlflow runs/get: 503") {
		t.Errorf("notices: %v", run.Notices)
	}
}

func TestCatalogErrorIsUpstream(t *testing.T) {
	p, err := NewFromConfig(&fakeHost{providers: []trust.Provider{&fakeCatalog{err: errors.New("connection refused")}}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Collect(context.Background(), trust.Compliance, &trust.Query{})
	if !trust.IsUpstream(err) || !strings.Contains(err.Error(), "listing model versions from mlflow: connection refused") {
		t.Fatalf("%v", err)
	}
}

func noticeText(ns []trust.Notice) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.String() + "\n")
	}
	return b.String()
}

func TestCompliancePointsAndFormats(t *testing.T) {
	f := newFixture()
	delete(f.mv.Tags, "owner")
	setMetric(f.points, "drift_share", 0.5, time.Time{})
	p, _, _ := f.provider()

	ev, err := p.Collect(context.Background(), trust.Compliance, &trust.Query{Format: trust.FormatLatest, Alias: "champion", Model: "credit"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var score *trust.Point
	for i, pt := range ev.Points {
		if seen[pt.SeriesKey()] {
			t.Errorf("duplicate series %s", pt.SeriesKey())
		}
		seen[pt.SeriesKey()] = true
		if pt.Labels[LabelReason] != "" {
			t.Errorf("reason label outside table format")
		}
		if pt.Labels[trust.LabelSource] != trust.SourcePolicy || pt.Labels[trust.LabelAlias] != "champion" || pt.Labels[trust.LabelVersion] != "3" {
			t.Errorf("labels %v", pt.Labels)
		}
		if pt.Metric == MetricComplianceScore {
			score = &ev.Points[i]
		}
		if pt.Metric == MetricRulePassed && pt.Labels[trust.LabelRule] == "owner-tag" && (pt.Value != 0 || pt.Status != trust.StatusFail || pt.Labels[LabelSeverity] != "error") {
			t.Errorf("owner-tag point %+v", pt)
		}
	}
	if score == nil || math.Abs(score.Value-10.0/12) > 1e-9 || score.Status != trust.StatusFail {
		t.Fatalf("score %+v", score)
	}

	ev, _ = p.Collect(context.Background(), trust.Compliance, &trust.Query{Format: trust.FormatTable, Metrics: []string{MetricRulePassed}, Rules: []string{"owner-tag", "drift-share"}})
	if len(ev.Points) != 2 {
		t.Fatalf("rules filter: %d points", len(ev.Points))
	}
	for _, pt := range ev.Points {
		if pt.Labels[LabelReason] == "" || pt.Link == "" {
			t.Errorf("table point without reason or link: %+v", pt)
		}
		if pt.Labels[trust.LabelRule] == "drift-share" && pt.Link != "http://evidence/drift/drift_share" {
			t.Errorf("link to the evidence: %s", pt.Link)
		}
		if pt.Labels[trust.LabelRule] == "owner-tag" && pt.Link != f.mv.Link {
			t.Errorf("link to the model version: %s", pt.Link)
		}
	}
}

func TestTimeseriesEvaluatesAcrossTheRange(t *testing.T) {
	f := newFixture()
	// Drift evidence 10 days old at the start of the range, refreshed 2 days ago.
	f.points = append(f.points, point(trust.Drift, "drift_share", 0.1, testNow.Add(-days(16))))
	setMetric(f.points[:len(f.points)-1], "drift_share", 0.1, testNow.Add(-days(2)))
	p, _, _ := f.provider()
	q := &trust.Query{Format: trust.FormatTimeseries, From: testNow.Add(-days(6)), To: testNow, Rules: []string{"drift-fresh"}, Metrics: []string{MetricRulePassed}}
	ev, err := p.Collect(context.Background(), trust.Compliance, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Points) < 10 || len(ev.Points) > MaxSteps {
		t.Fatalf("%d points", len(ev.Points))
	}
	first, last := ev.Points[0], ev.Points[len(ev.Points)-1]
	if first.Value != 0 || !last.Time.Equal(testNow) || last.Value != 1 {
		t.Fatalf("first %v %v, last %v %v", first.Time, first.Value, last.Time, last.Value)
	}
	fr := frames.Build(trust.FormatTimeseries, ev)
	if len(fr) != 1 || fr[0].Meta.Type != data.FrameTypeTimeSeriesMulti {
		t.Fatalf("frames %v", fr)
	}
}

func TestTrustScore(t *testing.T) {
	f := newFixture()
	delete(f.mv.Tags, "owner")                           // compliance: 5 of 6
	setMetric(f.points, "drift_share", 0.5, time.Time{}) // drift: 1 of 2
	f.cfg.TrustScoreWeights = map[string]float64{"drift": 2, "bogus": 1}
	p, _, _ := f.provider()
	q := &trust.Query{QueryType: trust.QueryTrustScore, Format: trust.FormatLatest}
	ev, err := p.TrustScore(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	fr := frames.Build(q.Format, ev)
	if fr[0].Meta.Type != data.FrameTypeNumericLong {
		t.Fatalf("type %s", fr[0].Meta.Type)
	}
	got := map[string]float64{}
	metric, _ := fr[0].FieldByName(trust.LabelMetric)
	value, _ := fr[0].FieldByName("value")
	for i := 0; i < fr[0].Rows(); i++ {
		got[metric.At(i).(string)] = value.At(i).(float64)
	}
	want := map[string]float64{"trust_fairness": 100, "trust_drift": 50, "trust_accuracy": 100, "trust_compliance": 500.0 / 6}
	for m, v := range want {
		if math.Abs(got[m]-v) > 1e-9 {
			t.Errorf("%s = %v, want %v", m, got[m], v)
		}
	}
	total := (100 + 2*50 + 100 + 500.0/6) / 5
	if math.Abs(got[MetricTrustScore]-total) > 1e-9 {
		t.Errorf("trust_score = %v, want %v", got[MetricTrustScore], total)
	}
	if !strings.Contains(noticeText(p.Problems()), `unknown dimension "bogus"`) {
		t.Error("bad weight not reported")
	}
}

func TestAnnotationsMarkFailingStretches(t *testing.T) {
	f := newFixture()
	// Drift share above 0.3 until a report 3 days ago brought it down.
	f.points = append(f.points, point(trust.Drift, "drift_share", 0.6, testNow.Add(-days(20))))
	setMetric(f.points[:len(f.points)-1], "drift_share", 0.1, testNow.Add(-days(3)))
	p, _, _ := f.provider()
	anns, err := p.Annotations(context.Background(), trust.AnnotationCompliance, &trust.Query{From: testNow.Add(-days(10)), To: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var drift []trust.Annotation
	for _, a := range anns {
		if strings.Contains(a.Title, "drift-share") {
			drift = append(drift, a)
		}
	}
	if len(drift) != 1 || drift[0].TimeEnd.IsZero() || drift[0].TimeEnd.After(testNow.Add(-days(3))) || drift[0].Title != "credit v3: rule drift-share failed" {
		t.Fatalf("%+v", drift)
	}
}

func TestOptionsAndNew(t *testing.T) {
	p, _, _ := newFixture().provider()
	opts, err := p.Options(context.Background(), trust.VarRules, &trust.Query{})
	if err != nil || len(opts) != 12 || opts[0].Value != "owner-tag" || opts[0].Text != "owner-tag: Owner tag present" {
		t.Fatalf("%v %v", opts, err)
	}
	prov, err := New(context.Background(), trust.Settings{JSONData: []byte(`{"policyRules":"- id: x\n  expr: 'true'"}`)}, &fakeHost{})
	if err != nil || prov != nil {
		t.Fatalf("nothing to evaluate over must give nil: %v %v", prov, err)
	}
	prov, err = New(context.Background(), trust.Settings{JSONData: []byte(`{}`)}, &fakeHost{providers: []trust.Provider{&fakeCatalog{}}})
	if err != nil || prov == nil || prov.Name() != trust.SourcePolicy {
		t.Fatalf("%v %v", prov, err)
	}
}

func TestStepTimes(t *testing.T) {
	end := testNow
	for _, span := range []time.Duration{time.Minute, time.Hour, days(7), days(365)} {
		ts := stepTimes(end.Add(-span), end)
		if len(ts) > MaxSteps || !ts[len(ts)-1].Equal(end) || ts[0].Before(end.Add(-span)) {
			t.Errorf("%v: %d times from %v", span, len(ts), ts[0])
		}
		for i := 1; i < len(ts); i++ {
			if !ts[i].After(ts[i-1]) {
				t.Errorf("%v: not ascending", span)
			}
		}
	}
}

func TestScope(t *testing.T) {
	mv := &trust.ModelVersion{Name: "credit-eu", Aliases: []string{"champion"}, Stage: "Production", Tags: map[string]string{"risk_level": "high", "team": "x"}}
	for _, tc := range []struct {
		scope Scope
		want  bool
	}{
		{Scope{}, true},
		{Scope{Models: []string{"fraud", "credit-*"}}, true},
		{Scope{Models: []string{"credit"}}, false},
		{Scope{Aliases: []string{"challenger", "champion"}}, true},
		{Scope{Aliases: []string{"challenger"}}, false},
		{Scope{Stages: []string{"production"}}, true},
		{Scope{Stages: []string{"Staging"}}, false},
		{Scope{Tags: map[string]string{"risk_level": "high", "team": "*"}}, true},
		{Scope{Tags: map[string]string{"risk_level": "low"}}, false},
		{Scope{Tags: map[string]string{"owner": "*"}}, false},
		{Scope{Models: []string{"credit-*"}, Stages: []string{"Staging"}}, false},
	} {
		if got := tc.scope.matches(mv); got != tc.want {
			t.Errorf("%+v: %v", tc.scope, got)
		}
	}
	if err := (&Scope{Models: []string{"credit-["}}).validate(); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestRulesWithoutEvidenceStillFindVersionsWithoutCatalog(t *testing.T) {
	f := newFixture()
	f.noCatalog = true
	p, _, _ := f.provider()
	run, err := p.Evaluate(context.Background(), &trust.Query{Rules: []string{"owner-tag"}}, []time.Time{testNow})
	if err != nil || len(run.Evaluations[0].Versions) != 1 {
		t.Fatalf("%v %+v", err, run)
	}
}

// TestDocumentedSeriesFilter keeps the docs' example of judging only recent series working.
func TestDocumentedSeriesFilter(t *testing.T) {
	f := newFixture()
	f.points = append(f.points, point(trust.Fairness, "demographic_parity_difference", 0.4, testNow.Add(-days(200)), trust.LabelSensitiveFeature, "race"))
	f.cfg.PolicyRules = `
- id: recent-parity
  expr: evidence.fairness.demographic_parity_difference.series.filter(s, now - s.time < days(30)).all(s, s.value <= 0.1)
`
	res := evaluate(t, f)
	if res["fairness-demographic-parity"].Outcome != Fail || res["recent-parity"].Outcome != Pass {
		t.Fatalf("%+v / %+v", res["fairness-demographic-parity"], res["recent-parity"])
	}
}

// TestEvidenceReadOncePerModel: with several versions of a model in scope, each dimension is read
// once for the model, and every version gets exactly the evidence a query for that version alone
// selects: its own labelled points, never another version's nor an unversioned point.
func TestEvidenceReadOncePerModel(t *testing.T) {
	f := newFixture()
	v2 := f.mv
	v2.Version, v2.Aliases, v2.Link = "2", nil, "http://mlflow/#/models/credit/versions/2"
	f.points = append(f.points,
		point(trust.Drift, "drift_share", 0.6, testNow.Add(-days(1)), trust.LabelVersion, "2"),
		point(trust.Drift, "drift_share", 0.9, testNow.Add(-days(1)), trust.LabelVersion, ""), // no version
	)
	fe := &fakeEvidence{name: "fake", dims: []trust.Dimension{trust.Fairness, trust.Drift, trust.Accuracy}, points: f.points}
	host := &fakeHost{providers: []trust.Provider{fe, &fakeCatalog{versions: []trust.ModelVersion{f.mv, v2}}}}
	p, err := NewFromConfig(host, f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return testNow }
	run, err := p.Evaluate(context.Background(), &trust.Query{Model: "credit", Format: trust.FormatLatest}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	if fe.calls != 3 {
		t.Errorf("%d evidence requests for 2 versions x 3 dimensions, want 3 (one per dimension)", fe.calls)
	}
	drift := map[string]string{}
	for _, v := range run.Evaluations[0].Versions {
		for _, r := range v.Results {
			if r.Rule.Dimension == trust.Drift {
				drift[v.Model.Version] += string(r.Outcome) + ":" + r.Reason + ";"
			}
		}
	}
	if !strings.Contains(drift["3"], "0.1") || strings.Contains(drift["3"], "0.9") || strings.Contains(drift["3"], "0.6") {
		t.Errorf("version 3 read other evidence: %s", drift["3"])
	}
	if !strings.Contains(drift["2"], "0.6") || strings.Contains(drift["2"], "0.9") {
		t.Errorf("version 2 read other evidence: %s", drift["2"])
	}
}
