package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestPackRuleOverrideWithoutRefs: an override that leaves a pack rule without refs makes that
// rule unknown (never pass) with a notice naming the rule and the field; the others are evaluated.
func TestPackRuleOverrideWithoutRefs(t *testing.T) {
	for _, refs := range []string{"[]", `[" "]`} {
		f := packFixture()
		f.cfg.PolicyRules = "rules:\n  - id: eu-ai-act-risk-management\n    refs: " + refs + "\n"
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
		r := res["eu-ai-act-risk-management"]
		if r.Outcome != Unknown || !strings.Contains(r.Reason, "refs: policyRules leaves this rule of pack eu-ai-act-high-risk without refs") {
			t.Errorf("refs %s: %s %q, want unknown naming refs", refs, r.Outcome, r.Reason)
		}
		if res["eu-ai-act-residual-risk-accepted"].Outcome != Pass {
			t.Errorf("refs %s: the other rules must be evaluated: %+v", refs, res["eu-ai-act-residual-risk-accepted"])
		}
		found := false
		for _, n := range run.Notices {
			found = found || (n.Location == "rule eu-ai-act-risk-management" && strings.Contains(n.Message, "without refs"))
		}
		if !found {
			t.Errorf("refs %s: no notice naming the rule: %v", refs, run.Notices)
		}
		if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "rule eu-ai-act-risk-management") {
			t.Errorf("refs %s: health %v", refs, err)
		}
		if err := ValidateRules(f.cfg.PolicyRules, 0); err == nil || !strings.Contains(err.Error(), "rule eu-ai-act-risk-management: refs:") {
			t.Errorf("refs %s: ValidateRules %v", refs, err)
		}
	}
	// an override that changes refs keeps the rule decided; one that leaves refs out keeps the pack's
	f := packFixture()
	f.cfg.PolicyRules = "rules:\n  - id: eu-ai-act-risk-management\n    refs: [\"EU AI Act Art. 9(2)(a)\"]\n  - id: eu-ai-act-record-keeping\n    title: logging\n"
	res := evaluate(t, f)
	if r := res["eu-ai-act-risk-management"]; r.Outcome != Pass || strings.Join(r.Rule.Refs, ";") != "EU AI Act Art. 9(2)(a)" {
		t.Errorf("refs override: %s %v", r.Outcome, r.Rule.Refs)
	}
	if r := res["eu-ai-act-record-keeping"]; r.Outcome != Pass || strings.Join(r.Rule.Refs, ";") != "EU AI Act Art. 12(1)" {
		t.Errorf("title override: %s %v", r.Outcome, r.Rule.Refs)
	}
}

// TestUserRuleClaimingPack: a rule of the data source cannot put itself in a pack: `pack` is not
// a rule key, so the rule is reported by id and skipped, and the others are evaluated. A user rule
// without refs is fine (refs are required of pack rules only).
func TestUserRuleClaimingPack(t *testing.T) {
	f := packFixture()
	f.cfg.PolicyRules = "rules:\n  - id: my-rule\n    pack: eu-ai-act-high-risk\n    expr: \"true\"\n  - id: my-other-rule\n    expr: \"true\"\n"
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	probs := p.Problems()
	if len(probs) != 1 || probs[0].Location != "rule my-rule" || !strings.Contains(probs[0].Message, "unknown key(s) pack") {
		t.Errorf("problems %v", probs)
	}
	res := evaluate(t, f)
	if _, ok := res["my-rule"]; ok {
		t.Errorf("a broken rule was evaluated: %+v", res["my-rule"])
	}
	if r := res["my-other-rule"]; r.Outcome != Pass || r.Rule.Pack != "" || r.Rule.Defect != "" {
		t.Errorf("my-other-rule: %+v", r)
	}
}
