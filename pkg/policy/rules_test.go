package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// evaluate runs the fixture's rules once at testNow and returns the results of its one version.
func evaluate(t *testing.T, f *fixture) map[string]RuleResult {
	t.Helper()
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Evaluations) != 1 || len(run.Evaluations[0].Versions) != 1 {
		t.Fatalf("want one version, got %+v (notices %v)", run.Evaluations, run.Notices)
	}
	out := map[string]RuleResult{}
	for _, r := range run.Evaluations[0].Versions[0].Results {
		out[r.Rule.ID] = r
	}
	return out
}

func TestDefaultPackCompiles(t *testing.T) {
	p, _, err := newFixture().provider()
	if err != nil {
		t.Fatal(err)
	}
	if probs := p.Problems(); len(probs) > 0 {
		t.Fatalf("default pack has problems: %v", probs)
	}
	want := []string{"owner-tag", "fairness-fresh", "fairness-demographic-parity", "fairness-equalized-odds",
		"drift-fresh", "drift-share", "accuracy-minimum", "gdpr-personal-data", "gdpr-lawful-basis",
		"gdpr-retention", "gdpr-training-data-retention", "gdpr-dpia"}
	var got []string
	for _, r := range p.Rules() {
		got = append(got, r.ID)
		if r.Description == "" || r.Title == "" {
			t.Errorf("rule %s lacks a title or description", r.ID)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("rules = %v, want %v", got, want)
	}
}

// TestDefaultRules checks every default rule with a passing and a failing case (and the unknown
// and out-of-scope cases where the rule has them).
func TestDefaultRules(t *testing.T) {
	tests := []struct {
		rule   string
		name   string
		change func(f *fixture)
		want   Outcome // "" means the rule does not apply
		reason string  // substring of the reason
	}{
		{"owner-tag", "present", nil, Pass, `model.tags.owner = "risk-team"`},
		{"owner-tag", "missing", func(f *fixture) { delete(f.mv.Tags, "owner") }, Fail, "model.tags.owner not set"},
		{"owner-tag", "blank", func(f *fixture) { f.mv.Tags["owner"] = "  " }, Fail, `model.tags.owner = "  "`},

		{"fairness-fresh", "5 days old", nil, Pass, "evidence.fairness.age = 5d 0h"},
		{"fairness-fresh", "40 days old", func(f *fixture) {
			for i := range f.points {
				if f.points[i].Dimension == trust.Fairness {
					f.points[i].Time = testNow.Add(-days(40))
				}
			}
		}, Fail, "evidence.fairness.age = 40d 0h"},
		{"fairness-fresh", "no evaluation", func(f *fixture) {
			f.points = without(without(f.points, "demographic_parity_difference"), "equalized_odds_difference")
		}, Unknown, "no fairness evidence for this model version"},

		{"fairness-demographic-parity", "worst of two features 0.08", nil, Pass, "demographic_parity_difference.value = 0.08"},
		{"fairness-demographic-parity", "one feature at 0.23", func(f *fixture) {
			f.points = append(f.points, point(trust.Fairness, "demographic_parity_difference", 0.23, testNow.Add(-days(5)), trust.LabelSensitiveFeature, "race"))
		}, Fail, "demographic_parity_difference.value = 0.23"},
		{"fairness-demographic-parity", "metric missing", func(f *fixture) {
			f.points = without(f.points, "demographic_parity_difference")
		}, Unknown, `no metric "demographic_parity_difference"`},
		{"fairness-demographic-parity", "newer evaluation supersedes", func(f *fixture) {
			f.points = append(f.points, point(trust.Fairness, "demographic_parity_difference", 0.3, testNow.Add(-days(20)), trust.LabelSensitiveFeature, "sex"))
		}, Pass, "0.08"},

		{"fairness-equalized-odds", "0.07", nil, Pass, "equalized_odds_difference.value = 0.07"},
		{"fairness-equalized-odds", "0.12", func(f *fixture) { setMetric(f.points, "equalized_odds_difference", 0.12, time.Time{}) }, Fail, "0.12"},

		{"drift-fresh", "1 day old", nil, Pass, "evidence.drift.age = 1d 0h"},
		{"drift-fresh", "8 days old", func(f *fixture) { setMetric(f.points, "drift_share", 0.1, testNow.Add(-days(8))) }, Fail, "8d 0h"},
		{"drift-fresh", "older than the evidence window", func(f *fixture) {
			setMetric(f.points, "drift_share", 0.1, testNow.Add(-days(400)))
		}, Unknown, "no drift evidence"},

		{"drift-share", "0.1", nil, Pass, "evidence.drift.drift_share.value = 0.1"},
		{"drift-share", "0.35", func(f *fixture) { setMetric(f.points, "drift_share", 0.35, time.Time{}) }, Fail, "0.35"},
		{"drift-share", "exactly 0.3", func(f *fixture) { setMetric(f.points, "drift_share", 0.3, time.Time{}) }, Fail, "0.3"},

		{"accuracy-minimum", "0.9 >= 0.8", nil, Pass, "evidence.accuracy.accuracy.value = 0.9"},
		{"accuracy-minimum", "0.7 < 0.8", func(f *fixture) { setMetric(f.points, "accuracy", 0.7, time.Time{}) }, Fail, `model.tags.min_accuracy = "0.8"`},
		{"accuracy-minimum", "no declared minimum", func(f *fixture) { delete(f.mv.Tags, "min_accuracy") }, "", ""},

		{"gdpr-personal-data", "declared", nil, Pass, "contact,financial"},
		{"gdpr-personal-data", "none is a declaration", func(f *fixture) { f.mv.Tags["gdpr_personal_data"] = "none" }, Pass, ""},
		{"gdpr-personal-data", "missing", func(f *fixture) { delete(f.mv.Tags, "gdpr_personal_data") }, Fail, "not set"},

		{"gdpr-lawful-basis", "contract", nil, Pass, `"contract"`},
		{"gdpr-lawful-basis", "case-insensitive", func(f *fixture) { f.mv.Tags["gdpr_lawful_basis"] = "Legitimate_Interests" }, Pass, ""},
		{"gdpr-lawful-basis", "not an Art. 6 basis", func(f *fixture) { f.mv.Tags["gdpr_lawful_basis"] = "because" }, Fail, `"because"`},
		{"gdpr-lawful-basis", "missing", func(f *fixture) { delete(f.mv.Tags, "gdpr_lawful_basis") }, Fail, "model.tags.gdpr_lawful_basis not set"},
		{"gdpr-lawful-basis", "no personal data", func(f *fixture) {
			f.mv.Tags["gdpr_personal_data"] = "none"
			delete(f.mv.Tags, "gdpr_lawful_basis")
		}, Pass, ""},

		{"gdpr-retention", "365 days", nil, Pass, `"365"`},
		{"gdpr-retention", "not a number", func(f *fixture) { f.mv.Tags["gdpr_retention_days"] = "forever" }, Fail, `"forever"`},
		{"gdpr-retention", "zero", func(f *fixture) { f.mv.Tags["gdpr_retention_days"] = "0" }, Fail, ""},
		{"gdpr-retention", "missing", func(f *fixture) { delete(f.mv.Tags, "gdpr_retention_days") }, Fail, "not set"},

		{"gdpr-training-data-retention", "92 days old, 365 kept", nil, Pass, ""},
		{"gdpr-training-data-retention", "older than the retention", func(f *fixture) { f.mv.Tags["training_data_date"] = "2025-01-01" }, Fail, ""},
		{"gdpr-training-data-retention", "date from the run params", func(f *fixture) {
			delete(f.mv.Tags, "training_data_date")
			f.mv.RunParams["training_data_date"] = "2026-05-01T00:00:00Z"
		}, Pass, ""},
		{"gdpr-training-data-retention", "no date declared", func(f *fixture) { delete(f.mv.Tags, "training_data_date") }, Fail, "not set"},
		{"gdpr-training-data-retention", "unreadable date", func(f *fixture) { f.mv.Tags["training_data_date"] = "last spring" }, Unknown, "date("},
		{"gdpr-training-data-retention", "no personal data", func(f *fixture) {
			f.mv.Tags["gdpr_personal_data"] = "none"
			f.mv.Tags["training_data_date"] = "2001-01-01"
		}, Pass, ""},

		{"gdpr-dpia", "referenced", nil, Pass, `"DPIA-42"`},
		{"gdpr-dpia", "missing for a high-risk model", func(f *fixture) { delete(f.mv.Tags, "dpia_ref") }, Fail, "model.tags.dpia_ref not set"},
		{"gdpr-dpia", "not high-risk", func(f *fixture) {
			f.mv.Tags["risk_level"] = "low"
			delete(f.mv.Tags, "dpia_ref")
		}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			f := newFixture()
			if tc.change != nil {
				tc.change(f)
			}
			results := evaluate(t, f)
			got, applied := results[tc.rule]
			if tc.want == "" {
				if applied {
					t.Fatalf("rule applied: %+v", got)
				}
				return
			}
			if !applied {
				t.Fatalf("rule did not apply")
			}
			if got.Outcome != tc.want || !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("got %s (%q), want %s with reason containing %q", got.Outcome, got.Reason, tc.want, tc.reason)
			}
			if got.Link == "" {
				t.Errorf("no link")
			}
		})
	}
}

// TestFixturePassesEverything keeps the fixture honest: with nothing changed every rule passes.
func TestFixturePassesEverything(t *testing.T) {
	for id, r := range evaluate(t, newFixture()) {
		if r.Outcome != Pass {
			t.Errorf("%s: %s (%s)", id, r.Outcome, r.Reason)
		}
	}
}

func TestOverrides(t *testing.T) {
	f := newFixture()
	f.cfg.PolicyRules = `
rules:
  - id: drift-share
    params: {max: 0.05}
    severity: ERROR
  - id: owner-tag
    enabled: false
  - id: quality-tests
    title: No failing data tests
    dimension: drift
    severity: warning
    expr: evidence.quality.tests_failed.value == 0
`
	f.points = append(f.points, point(trust.Quality, "tests_failed", 2, testNow.Add(-days(1))))
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	if probs := p.Problems(); len(probs) > 0 {
		t.Fatal(probs)
	}
	results := evaluate(t, f)
	if _, ok := results["owner-tag"]; ok {
		t.Error("disabled rule evaluated")
	}
	ds := results["drift-share"]
	if ds.Outcome != Fail || ds.Rule.Severity != SeverityError || ds.Rule.Params["max"] != 0.05 || ds.Rule.Origin != OriginSettings {
		t.Errorf("override not applied: %+v %+v", ds, ds.Rule)
	}
	if ds.Rule.Title != "Drifted column share below 0.3" || ds.Rule.Expr == "" {
		t.Errorf("fields left out must keep the default: %+v", ds.Rule)
	}
	q := results["quality-tests"]
	if q.Outcome != Fail || q.Rule.Dimension != trust.Drift || !strings.Contains(q.Reason, "tests_failed.value = 2") {
		t.Errorf("added rule: %+v", q)
	}
}

func TestRulesFileAndBareList(t *testing.T) {
	f := newFixture()
	path := t.TempDir() + "/rules.yaml"
	if err := writeFile(path, "- id: stage-set\n  expr: model.stage != ''\n"); err != nil {
		t.Fatal(err)
	}
	f.cfg.PolicyRulesFile = path
	if r := evaluate(t, f)["stage-set"]; r.Outcome != Pass || r.Rule.Origin != OriginRulesFile+" "+path {
		t.Fatalf("%+v", r)
	}
	f.cfg.PolicyRulesFile = path + ".missing"
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot read the rules file") {
		t.Fatalf("health: %v", err)
	}
}
