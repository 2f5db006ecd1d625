package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// freshnessOf runs a freshness query over the fixture and returns its points by
// "dimension/metric" (the last one of each for a time series) and its notices.
func freshnessOf(t *testing.T, f *fixture, q *trust.Query) (map[string]trust.Point, *trust.Evidence) {
	t.Helper()
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Freshness(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]trust.Point{}
	for _, pt := range ev.Points {
		out[string(pt.Dimension)+"/"+pt.Metric] = pt
	}
	return out, ev
}

func TestFreshnessLatest(t *testing.T) {
	// fixture: fairness 5 days old, drift 1 day, accuracy 30 days, no quality or explainability evidence
	tests := []struct {
		stale string
		want  map[string][2]any // dimension/metric -> value, status
	}{
		{"", map[string][2]any{
			"fairness/evidence_age_seconds": {5 * 86400.0, trust.StatusOK}, "fairness/evidence_present": {1.0, trust.StatusOK},
			"drift/evidence_age_seconds": {86400.0, trust.StatusOK}, "drift/evidence_present": {1.0, trust.StatusOK},
			// exactly staleAfter (the default 30 days) old still counts as present
			"accuracy/evidence_age_seconds": {30 * 86400.0, trust.StatusOK}, "accuracy/evidence_present": {1.0, trust.StatusOK},
			"quality/evidence_present": {0.0, trust.StatusFail}, "explainability/evidence_present": {0.0, trust.StatusFail},
		}},
		{"7d", map[string][2]any{
			"fairness/evidence_present":     {1.0, trust.StatusOK},
			"accuracy/evidence_age_seconds": {30 * 86400.0, trust.StatusFail}, "accuracy/evidence_present": {0.0, trust.StatusFail},
			"quality/evidence_present": {0.0, trust.StatusFail},
		}},
		{"12h", map[string][2]any{
			"drift/evidence_age_seconds": {86400.0, trust.StatusFail}, "drift/evidence_present": {0.0, trust.StatusFail},
		}},
	}
	for _, tc := range tests {
		t.Run("staleAfter="+tc.stale, func(t *testing.T) {
			got, ev := freshnessOf(t, newFixture(), &trust.Query{Format: trust.FormatLatest, StaleAfter: tc.stale})
			for k, w := range tc.want {
				pt, ok := got[k]
				if !ok {
					t.Errorf("%s missing", k)
					continue
				}
				if pt.Value != w[0].(float64) || pt.Status != w[1].(trust.Status) {
					t.Errorf("%s = %v %s, want %v %s", k, pt.Value, pt.Status, w[0], w[1])
				}
				if pt.Labels[trust.LabelModel] != "credit" || pt.Labels[trust.LabelVersion] != "3" || pt.Labels[trust.LabelSource] != trust.SourcePolicy {
					t.Errorf("%s labels %v", k, pt.Labels)
				}
				if !pt.Time.Equal(testNow) {
					t.Errorf("%s at %s, want the evaluation time", k, pt.Time)
				}
			}
			for _, d := range []string{"quality", "explainability"} {
				if _, ok := got[d+"/evidence_age_seconds"]; ok {
					t.Errorf("an age without %s evidence", d)
				}
			}
			if len(ev.Points) != 8 {
				t.Errorf("%d points, want an age and a presence for 3 dimensions and a presence for quality and explainability", len(ev.Points))
			}
		})
	}
	got, _ := freshnessOf(t, newFixture(), &trust.Query{Format: trust.FormatLatest})
	if th := got["fairness/evidence_age_seconds"].Threshold; th == nil || *th != 30*86400 {
		t.Errorf("age threshold %v, want staleAfter in seconds", th)
	}
	if l := got["fairness/evidence_age_seconds"].Link; l != "http://evidence/fairness/demographic_parity_difference" &&
		l != "http://evidence/fairness/equalized_odds_difference" {
		t.Errorf("age link %q, want the newest evidence's", l)
	}
}

func TestFreshnessSelection(t *testing.T) {
	f := newFixture()
	got, ev := freshnessOf(t, f, &trust.Query{Format: trust.FormatLatest, Alias: "champion",
		Dimensions: []string{"Fairness", "bogus", "compliance", "fairness"}, Metrics: []string{MetricEvidencePresent}})
	if len(ev.Points) != 1 || got["fairness/evidence_present"].Labels[trust.LabelAlias] != "champion" {
		t.Fatalf("points %+v, want fairness presence labelled alias=champion", ev.Points)
	}
	var msgs []string
	for _, n := range ev.Notices {
		msgs = append(msgs, n.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{`policy: dimensions: "bogus" is not an evidence dimension`, `policy: dimensions: "compliance" is not an evidence dimension`} {
		if !strings.Contains(all, want) {
			t.Errorf("notices %q lack %q", all, want)
		}
	}
	// an alias no version carries: no points, a notice
	_, ev = freshnessOf(t, f, &trust.Query{Format: trust.FormatLatest, Alias: "shadow"})
	if len(ev.Points) != 0 || len(ev.Notices) == 0 || !strings.Contains(ev.Notices[len(ev.Notices)-1].Message, "no model versions found") {
		t.Errorf("alias shadow: %+v %v", ev.Points, ev.Notices)
	}
	// without a registry the versions are the evidence's
	f.noCatalog = true
	got, _ = freshnessOf(t, f, &trust.Query{Format: trust.FormatLatest})
	if got["drift/evidence_present"].Value != 1 || got["drift/evidence_present"].Labels[trust.LabelVersion] != "3" {
		t.Errorf("no catalog: %+v", got["drift/evidence_present"])
	}
}

// TestFreshnessReadError: a dimension whose evidence cannot be read reports neither age nor
// presence (a notice says why); the others are reported.
func TestFreshnessReadError(t *testing.T) {
	f := newFixture()
	p, ev, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	ev.err = map[trust.Dimension]error{trust.Drift: errors.New("evidently: /reports: permission denied")}
	out, err := p.Freshness(context.Background(), &trust.Query{Format: trust.FormatLatest})
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range out.Points {
		if pt.Dimension == trust.Drift {
			t.Errorf("drift point %+v despite the read error", pt)
		}
	}
	if len(out.Points) != 6 || len(out.Notices) == 0 || !strings.Contains(out.Notices[0].String(), "drift evidence: evidently: /reports: permission denied") {
		t.Errorf("%d points, notices %v", len(out.Points), out.Notices)
	}
}

// TestFreshnessTimeseries: across the range the age rises between evaluations and drops when
// evidence arrives; before the first evidence there is no age and presence is 0.
func TestFreshnessTimeseries(t *testing.T) {
	f := newFixture()
	f.points = []trust.Point{
		point(trust.Fairness, "demographic_parity_difference", 0.05, testNow.Add(-days(8))),
		point(trust.Fairness, "demographic_parity_difference", 0.06, testNow.Add(-days(3))),
	}
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Freshness(context.Background(), &trust.Query{Format: trust.FormatTimeseries, From: testNow.Add(-days(10)), To: testNow,
		Dimensions: []string{"fairness"}, StaleAfter: "4d"})
	if err != nil {
		t.Fatal(err)
	}
	var ages, present []trust.Point
	for _, pt := range ev.Points {
		switch pt.Metric {
		case MetricEvidenceAge:
			ages = append(ages, pt)
		case MetricEvidencePresent:
			present = append(present, pt)
		}
	}
	if len(present) < 40 || len(ages) >= len(present) {
		t.Fatalf("%d presence and %d age points", len(present), len(ages))
	}
	drops := 0
	for i, pt := range ages {
		newest := testNow.Add(-days(8))
		if !pt.Time.Before(testNow.Add(-days(3))) {
			newest = testNow.Add(-days(3))
		}
		if want := pt.Time.Sub(newest).Seconds(); pt.Value != want {
			t.Errorf("age at %s = %v, want %v", pt.Time, pt.Value, want)
		}
		if i > 0 && pt.Value < ages[i-1].Value {
			drops++
		}
	}
	if drops != 1 {
		t.Errorf("%d drops of the age, want 1 (the evaluation of 3 days ago)", drops)
	}
	for _, pt := range present {
		age := time.Duration(-1)
		for _, a := range ages {
			if a.Time.Equal(pt.Time) {
				age = time.Duration(a.Value * float64(time.Second))
			}
		}
		want := 0.0
		if age >= 0 && age <= days(4) {
			want = 1
		}
		if pt.Value != want {
			t.Errorf("present at %s = %v with age %s, want %v", pt.Time, pt.Value, age, want)
		}
	}
}

func TestFreshnessAnnotations(t *testing.T) {
	f := newFixture()
	f.points = nil
	for _, d := range []float64{60, 50, 5} {
		f.points = append(f.points, point(trust.Fairness, "demographic_parity_difference", 0.05, testNow.Add(-days(d))))
	}
	f.points = append(f.points, point(trust.Drift, "drift_share", 0.1, testNow.Add(-days(100))))
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	anns, err := p.Annotations(context.Background(), trust.AnnotationFreshness,
		&trust.Query{From: testNow.Add(-days(90)), To: testNow, StaleAfter: "30d"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		at    time.Time
		title string
	}{
		{testNow.Add(-days(70)), "credit v3: drift evidence went stale"}, // measured 100 days ago, before the range
		{testNow.Add(-days(60)), "credit v3: fairness evidence appeared"},
		{testNow.Add(-days(20)), "credit v3: fairness evidence went stale"}, // 50 days ago + 30
		{testNow.Add(-days(5)), "credit v3: fairness evidence appeared"},
	}
	if len(anns) != len(want) {
		t.Fatalf("%d annotations %+v, want %d", len(anns), anns, len(want))
	}
	for i, w := range want {
		if !anns[i].Time.Equal(w.at) || anns[i].Title != w.title {
			t.Errorf("annotation %d: %s %q, want %s %q", i, anns[i].Time, anns[i].Title, w.at, w.title)
		}
	}
	if tags := strings.Join(anns[1].Tags, ","); tags != "freshness,fairness,appeared,credit" {
		t.Errorf("tags %s", tags)
	}
	if !strings.Contains(anns[2].Text, "measured at 2026-04-12T12:00:00Z, is now older than 30d 0h") {
		t.Errorf("text %q", anns[2].Text)
	}
	if _, err := p.Annotations(context.Background(), trust.AnnotationFreshness, &trust.Query{StaleAfter: "soon"}); err == nil ||
		!strings.Contains(err.Error(), `staleAfter "soon"`) {
		t.Errorf("malformed staleAfter: %v", err)
	}
}
