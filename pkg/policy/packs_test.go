package policy

import (
	"context"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestPacksLoad is every shipped pack's load test: a header naming the pack with a version, title
// and description, rules that decode, compile on their own and carry refs, ids unique across
// packs, and a title and description per rule.
func TestPacksLoad(t *testing.T) {
	packs, err := loadPacks()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(packs); got != len(PackNames()) {
		t.Fatalf("%d packs loaded, %d shipped", got, len(PackNames()))
	}
	for _, pk := range packs {
		t.Run(pk.Name, func(t *testing.T) {
			if pk.Version == "" || pk.Title == "" || pk.Description == "" {
				t.Errorf("header: %+v", pk)
			}
			p, _, err := (&fixture{mv: newFixture().mv, cfg: Config{PolicyPacks: []string{pk.Name}}}).provider()
			if err != nil {
				t.Fatal(err)
			}
			if probs := p.Problems(); len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			if len(p.Rules()) != len(pk.specs) {
				t.Fatalf("%d rules, the pack has %d", len(p.Rules()), len(pk.specs))
			}
			for _, r := range p.Rules() {
				if r.Pack != pk.Name || len(r.Refs) == 0 || r.Title == r.ID || r.Description == "" {
					t.Errorf("rule %s: pack %q, refs %v, title %q, description %q", r.ID, r.Pack, r.Refs, r.Title, r.Description)
				}
			}
		})
	}
}

func TestPackDocumentChecks(t *testing.T) {
	const head = "pack: x\nversion: \"1\"\ntitle: X\ndescription: the x pack\n"
	tests := []struct{ doc, want string }{
		{head + "rules:\n  - id: a\n    expr: \"true\"\n", "rule a has no refs"},
		{head + "rules:\n  - id: a\n    refs: [\" \"]\n    expr: \"true\"\n", "rule a has no refs"},
		{"pack: y\nversion: \"1\"\ntitle: X\ndescription: d\nrules:\n  - {id: a, refs: [r], expr: \"true\"}\n", `names pack "y"`},
		{"pack: x\ntitle: X\ndescription: d\nrules:\n  - {id: a, refs: [r], expr: \"true\"}\n", "no version"},
		{head + "rules:\n  - {id: a, refs: [r], expresion: \"true\"}\n", "unknown key(s) expresion"},
		{head + "rules: []\n", "has no rules"},
		{head + "owner: me\nrules: []\n", `unknown key "owner"`},
	}
	for _, tc := range tests {
		if _, err := parsePack("x", []byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.doc, err, tc.want)
		}
	}
	if _, err := parsePack("x", []byte(head+"rules:\n  - {id: a, refs: [r], expr: \"true\"}\n")); err != nil {
		t.Fatal(err)
	}
	// a user's rules document has no header
	if _, err := parseRules([]byte(head + "rules: []\n")); err == nil || !strings.Contains(err.Error(), `unknown key "pack"`) {
		t.Errorf("policyRules with a pack header: %v", err)
	}
}

func ruleIDs(results []RuleResult) []string {
	var out []string
	for _, r := range results {
		out = append(out, r.Rule.ID)
	}
	return out
}

func TestPackSelection(t *testing.T) {
	gdpr := len(newFixture().provider0(t).Rules())
	if gdpr != 12 {
		t.Fatalf("gdpr pack: %d rules", gdpr)
	}

	// an unknown name in policyPacks: a notice naming it, health fails, the known packs evaluate
	f := newFixture()
	f.cfg.PolicyPacks = []string{"GDPR", "iso-42001"}
	p := f.provider0(t)
	if len(p.Rules()) != 12 || !slices.Equal(p.SelectedPacks(), []string{PackGDPR}) {
		t.Fatalf("packs %v, %d rules", p.SelectedPacks(), len(p.Rules()))
	}
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "pack iso-42001: no such rule pack (in policyPacks") {
		t.Errorf("health: %v", err)
	}
	run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	if !noticesContain(run.Notices, "pack iso-42001: no such rule pack") || len(run.Evaluations[0].Versions[0].Results) != 12 {
		t.Errorf("notices %v, results %v", run.Notices, ruleIDs(run.Evaluations[0].Versions[0].Results))
	}

	// an empty list: no shipped pack, the data source's own rules only
	f = newFixture()
	f.cfg.PolicyPacks = []string{}
	f.cfg.PolicyRules = "- {id: own, expr: \"true\"}\n- {id: drift-share, params: {max: 0.2}}\n"
	p = f.provider0(t)
	if ids := slices.Collect(maps.Keys(evaluate(t, f))); !slices.Equal(ids, []string{"own"}) {
		t.Errorf("rules %v: an override of a pack rule that is not selected is left out, not broken", ids)
	}
	if probs := p.Problems(); len(probs) > 0 {
		t.Errorf("problems %v", probs)
	}

	// a query's packs replace the data source's; unknown names are notices
	f = newFixture()
	f.cfg.PolicyPacks = []string{}
	f.cfg.PolicyRules = "- {id: own, expr: \"true\"}\n- {id: drift-share, params: {max: 0.05}}\n"
	p = f.provider0(t)
	run, err = p.Evaluate(context.Background(), &trust.Query{Packs: []string{"nope", "gdpr"}}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	res := run.Evaluations[0].Versions[0].Results
	if len(res) != 13 || !noticesContain(run.Notices, "pack nope: no such rule pack (in the query's packs") {
		t.Fatalf("results %v, notices %v", ruleIDs(res), run.Notices)
	}
	for _, r := range res {
		switch r.Rule.ID {
		case "drift-share": // the data source's override applies to the query's pack
			if r.Outcome != Fail || r.Rule.Pack != PackGDPR || r.Rule.Origin != OriginSettings {
				t.Errorf("drift-share: %+v %+v", r, r.Rule)
			}
		case "own":
			if r.Rule.Pack != "" {
				t.Errorf("own rule in pack %q", r.Rule.Pack)
			}
		}
	}
	// the second query with the same packs reuses the compiled rules
	b1, _, _ := p.bookFor([]string{"gdpr"})
	b2, _, _ := p.bookFor([]string{" GDPR ", "gdpr"})
	if b1 != b2 {
		t.Error("the rule book of a pack selection is not cached")
	}
}

// provider0 builds the fixture's provider or fails the test.
func (f *fixture) provider0(t *testing.T) *Provider {
	t.Helper()
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func noticesContain(ns []trust.Notice, sub string) bool {
	for _, n := range ns {
		if strings.Contains(n.String(), sub) {
			return true
		}
	}
	return false
}

// TestMalformedFieldIsUnknownWithNotice: a tag holding a malformed number, duration or date makes
// the rule unknown, with a notice naming the rule and the field; the other rules evaluate.
func TestMalformedFieldIsUnknownWithNotice(t *testing.T) {
	f := newFixture()
	f.mv.Tags["min_accuracy"] = "high"
	f.mv.Tags["training_data_date"] = "last spring"
	f.mv.Tags["cadence"] = "7 days"
	f.mv.Tags["max_days"] = "a week"
	f.mv.RunTags["n"] = "1x"
	f.cfg.PolicyRules = `
- {id: cadence, expr: 'duration(model.tags.cadence) < duration("720h")'}
- {id: day-count, expr: 'evidence.drift.age < days(model.tags.max_days)'}
- {id: run-int, expr: 'has(model.run.tags.n) && int(model.run.tags.n) > 0'}
- {id: stamp, expr: 'timestamp(model.tags.training_data_date) < now'}
`
	p := f.provider0(t)
	run, err := p.Evaluate(context.Background(), &trust.Query{}, []time.Time{testNow})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]RuleResult{}
	for _, r := range run.Evaluations[0].Versions[0].Results {
		res[r.Rule.ID] = r
	}
	want := map[string]string{
		"accuracy-minimum":             `model.tags.min_accuracy = "high" is not a number`,
		"gdpr-training-data-retention": `model.tags.training_data_date = "last spring" is not a date`,
		"cadence":                      `model.tags.cadence = "7 days" is not a duration`,
		"day-count":                    `model.tags.max_days = "a week" is not a number of days`,
		"run-int":                      `model.run.tags.n = "1x" is not a whole number`,
		"stamp":                        `model.tags.training_data_date = "last spring" is not an RFC 3339 timestamp`,
	}
	for id, reason := range want {
		r := res[id]
		if r.Outcome != Unknown || !strings.Contains(r.Reason, reason) {
			t.Errorf("%s: %s %q, want unknown with %q", id, r.Outcome, r.Reason, reason)
		}
		if !noticesContain(run.Notices, "policy: rule "+id+": credit v3: "+reason) {
			t.Errorf("no notice for %s: %v", id, run.Notices)
		}
	}
	if res["owner-tag"].Outcome != Pass || res["drift-share"].Outcome != Pass {
		t.Errorf("the other rules must evaluate: %+v", res)
	}
}

// TestPackAndRefsOnPoints: rule_passed carries the rule's pack in every format and its refs in
// table format only (documentation text must not split series or alert instances).
func TestPackAndRefsOnPoints(t *testing.T) {
	f := newFixture()
	f.cfg.PolicyRules = "- {id: own, expr: \"true\"}\n"
	p := f.provider0(t)
	for _, format := range []trust.Format{trust.FormatLatest, trust.FormatTable, trust.FormatTimeseries} {
		ev, err := p.Collect(context.Background(), trust.Compliance, &trust.Query{Format: format, Metrics: []string{MetricRulePassed}})
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range ev.Points {
			l := pt.Labels
			switch rule := l[trust.LabelRule]; {
			case rule == "own":
				if _, ok := l[LabelPack]; ok || l[LabelRefs] != "" {
					t.Errorf("%s: own rule labelled %v", format, l)
				}
			case l[LabelPack] != PackGDPR:
				t.Errorf("%s: %s has pack %q", format, rule, l[LabelPack])
			case format == trust.FormatTable && rule == "gdpr-retention" && l[LabelRefs] != "GDPR Art. 5(1)(e); GDPR Art. 30(1)(f)":
				t.Errorf("refs %q", l[LabelRefs])
			case format != trust.FormatTable && l[LabelRefs] != "":
				t.Errorf("%s: refs label outside table format: %v", format, l)
			}
		}
	}
}

// The config editor checks policyPacks and packWeights against the frontend's POLICY_PACKS list:
// it must name the packs the backend ships, in the same order.
func TestFrontendPackNames(t *testing.T) {
	ts, err := os.ReadFile("../../src/types.ts")
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`export const POLICY_PACKS = \[([^\]]*)\]`).FindSubmatch(ts)
	if list == nil {
		t.Fatal("src/types.ts has no POLICY_PACKS list")
	}
	var front []string
	for _, m := range regexp.MustCompile(`'([a-z0-9-]+)'`).FindAllSubmatch(list[1], -1) {
		front = append(front, string(m[1]))
	}
	if back := PackNames(); !slices.Equal(front, back) {
		t.Errorf("src/types.ts POLICY_PACKS %v, backend packs %v", front, back)
	}
}
