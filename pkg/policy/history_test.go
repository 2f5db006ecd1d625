package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// historyFixture is the compliant fixture with demographic parity differences of 0.15, 0.05 and
// 0.2 at 25, 15 and 5 days ago (the default pack's fairness-demographic-parity fails, passes,
// fails), plus the rules of doc.
func historyFixture(doc string) *fixture {
	f := newFixture()
	f.points = without(f.points, "demographic_parity_difference")
	for i, v := range []float64{0.15, 0.05, 0.2} {
		f.points = append(f.points, point(trust.Fairness, "demographic_parity_difference", v,
			testNow.Add(-days(25-10*float64(i))), trust.LabelSensitiveFeature, "sex"))
	}
	f.cfg.PolicyRules = doc
	return f
}

func evaluateRun(t *testing.T, f *fixture, q *trust.Query, times ...time.Time) *Run {
	t.Helper()
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	run, err := p.Evaluate(context.Background(), q, times)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestHistoryOutcomes(t *testing.T) {
	tests := []struct {
		name, expr string
		want       Outcome
		reason     string
	}{
		{"newest first", `history("fairness-demographic-parity", 3) == ["fail", "pass", "fail"]`, Pass,
			`history("fairness-demographic-parity", 3) = [fail, pass, fail]`},
		{"n bounds the list", `history("fairness-demographic-parity", 2) == ["fail", "pass"]`, Pass, "= [fail, pass]"},
		{"fewer evaluations than asked", `size(history("fairness-demographic-parity", 10)) == 3`, Pass, "= [fail, pass, fail]"},
		{"n from a param (a double)", `history("fairness-demographic-parity", params.n).size() == 1`, Pass, "= [fail]"},
		// fairness-fresh at each evaluation time is as of that time: each evaluation was fresh then
		{"as of each evaluation time", `history("fairness-fresh", 3).all(o, o == "pass")`, Pass, "= [pass, pass, pass]"},
		// a rule reading no evidence has no history (registry metadata keeps none)
		{"no evidence, no history", `history("owner-tag", 3) == []`, Pass, `history("owner-tag", 3) = []`},
		{"sustained breach", `!history("fairness-demographic-parity", 2).all(o, o == "fail")`, Pass, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := historyFixture("rules:\n  - id: h\n    params: {n: 1}\n    expr: '" + tc.expr + "'\n")
			r := evaluate(t, f)["h"]
			if r.Outcome != tc.want || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("%s (%s), want %s with %q", r.Outcome, r.Reason, tc.want, tc.reason)
			}
		})
	}
}

// TestHistoryOverTime evaluates at several times: each sees only the evaluations before it.
func TestHistoryOverTime(t *testing.T) {
	f := historyFixture("rules:\n  - id: breach\n    expr: '!(history(\"fairness-demographic-parity\", 2) == [\"fail\", \"fail\"])'\n")
	// 0.15 at -25d fails, then 0.25 at -15d fails, then 0.05 at -5d passes
	for i, v := range []float64{0.15, 0.25, 0.05} {
		f.points[len(f.points)-3+i].Value = v
	}
	times := []time.Time{testNow.Add(-days(20)), testNow.Add(-days(10)), testNow}
	run := evaluateRun(t, f, &trust.Query{Rules: []string{"breach"}}, times...)
	var got []Outcome
	for _, e := range run.Evaluations {
		got = append(got, e.Versions[0].Results[0].Outcome)
	}
	// at -20d one failing evaluation, at -10d two (sustained), now the newest passes
	want := []Outcome{Pass, Fail, Pass}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
}

// TestHistoryOfItself asks a rule about its own earlier outcomes: the nesting stops at
// maxHistoryDepth, where the earlier outcomes are unknown, instead of recursing.
func TestHistoryOfItself(t *testing.T) {
	f := historyFixture("rules:\n  - id: self\n    dimension: fairness\n    expr: 'has(evidence.fairness) && history(\"self\", 3).all(o, o != \"unknown\")'\n")
	r := evaluate(t, f)["self"]
	// -5d (depth 1) sees its earlier outcomes at depth 2 unknown: fail; the same at -15d;
	// -25d has no earlier evaluation: pass. Now (depth 0) sees no unknown: pass.
	if r.Outcome != Pass || !strings.Contains(r.Reason, `history("self", 3) = [fail, fail, pass]`) {
		t.Fatalf("%s (%s)", r.Outcome, r.Reason)
	}
}

// TestHistoryBadArguments: a malformed argument makes the rule unknown with a notice naming the
// rule and the argument; the other rules are evaluated.
func TestHistoryBadArguments(t *testing.T) {
	tests := []struct {
		name, expr, reason string
	}{
		{"unknown rule", `history("no-such-rule", 3) == []`, `argument 1 (rule) "no-such-rule" is not a rule`},
		{"rule id not a text", `history(7, 3) == []`, "argument 1 (rule) is a int"},
		{"n zero", `history("owner-tag", 0) == []`, "argument 2 (n) is 0"},
		{"n negative", `history("owner-tag", -2) == []`, "argument 2 (n) is -2"},
		{"n huge", `history("owner-tag", 100000) == []`, "argument 2 (n) is 100000: use a whole number from 1 to 20"},
		{"n not whole", `history("owner-tag", params.half) == []`, "argument 2 (n) is 2.5"},
		{"n a text", `history("owner-tag", params.text) == []`, "argument 2 (n) is a string"},
		{"disabled rule", `history("drift-fresh", 3) == []`, `"drift-fresh" is disabled`},
		{"rule out of scope", `history("scoped", 3) == []`, `"scoped" does not apply`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := "rules:\n  - id: h\n    params: {half: 2.5, text: three}\n    expr: '" + tc.expr + "'\n" +
				"  - id: drift-fresh\n    enabled: false\n" +
				"  - id: scoped\n    scope: {models: [other-*]}\n    expr: 'true'\n"
			f := historyFixture(doc)
			p, _, err := f.provider()
			if err != nil {
				t.Fatal(err)
			}
			run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow})
			if err != nil {
				t.Fatal(err)
			}
			res := map[string]RuleResult{}
			for _, r := range run.Evaluations[0].Versions[0].Results {
				res[r.Rule.ID] = r
			}
			r := res["h"]
			if r.Outcome != Unknown || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("%s (%s), want unknown with %q", r.Outcome, r.Reason, tc.reason)
			}
			var notice string
			for _, n := range run.Notices {
				if n.Location == "rule h" {
					notice = n.String()
				}
			}
			if !strings.Contains(notice, "credit v3: history(") || !strings.Contains(notice, tc.reason) || !strings.Contains(notice, "the rule is unknown") {
				t.Fatalf("notice %q, want one naming rule h and %q (notices %v)", notice, tc.reason, run.Notices)
			}
			if res["owner-tag"].Outcome != Pass || res["fairness-fresh"].Outcome != Pass {
				t.Fatalf("the other rules: owner-tag %s, fairness-fresh %s", res["owner-tag"].Outcome, res["fairness-fresh"].Outcome)
			}
		})
	}
}

// TestHistoryCollectsReferencedEvidence: a query narrowed to a rule reading no evidence still
// reads the evidence of the rule its history() asks about.
func TestHistoryCollectsReferencedEvidence(t *testing.T) {
	f := historyFixture("rules:\n  - id: h\n    expr: 'history(\"fairness-demographic-parity\", 3).size() == 3'\n")
	run := evaluateRun(t, f, &trust.Query{Rules: []string{"h"}}, testNow)
	r := run.Evaluations[0].Versions[0].Results[0]
	if r.Rule.ID != "h" || r.Outcome != Pass {
		t.Fatalf("%s %s (%s)", r.Rule.ID, r.Outcome, r.Reason)
	}
}
