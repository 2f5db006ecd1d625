package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// manyRules is a rules document of n trivial rules.
func manyRules(n int) string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - id: r%d\n    expr: \"true\"\n", i)
	}
	return b.String()
}

func problemsText(p *Provider) string {
	var s []string
	for _, n := range p.Problems() {
		s = append(s, n.String())
	}
	return strings.Join(s, "\n")
}

// Issue 12, defect 8: rule documents had no limit (20,000 rules took 20 s and 409 MB to load). A
// document over MaxRules rules, over MaxDocumentBytes or nested deeper than 512 levels is refused
// as a whole with a notice saying which limit; the other layers are evaluated.
func TestRuleDocumentLimits(t *testing.T) {
	deep := "rules:\n  - id: deep\n    expr: \"true\"\n    params:\n      p: " + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "\n"
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"too many rules", manyRules(20_000), "20000 rules, more than the 1000 one document may hold"},
		{"too large", "# " + strings.Repeat("x", MaxDocumentBytes) + "\nrules: []\n", "larger than the 1 MB limit of a rules document"},
		{"too deep", deep, "nested deeper than 512 levels"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.cfg.PolicyRules = tt.doc
			p, _, err := f.provider()
			if err != nil {
				t.Fatal(err)
			}
			if got := problemsText(p); !strings.Contains(got, "policy: policyRules: ") || !strings.Contains(got, tt.want) {
				t.Errorf("problems:\n%s", got)
			}
			if len(p.Rules()) != 12 {
				t.Errorf("%d rules loaded, want the 12 of the default pack", len(p.Rules()))
			}
			if _, err := p.WithRules([]byte(tt.doc), "--rules"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("WithRules: %v", err)
			}
		})
	}
	f := newFixture()
	f.cfg.PolicyRules = manyRules(MaxRules)
	p, _, err := f.provider()
	if err != nil {
		t.Fatal(err)
	}
	if got := problemsText(p); got != "" || len(p.Rules()) != 12+MaxRules {
		t.Errorf("%d rules at the limit: %d loaded, problems %s", MaxRules, len(p.Rules()), got)
	}
	if _, err := p.CheckHealth(context.Background()); err != nil {
		t.Errorf("health: %v", err)
	}
}
