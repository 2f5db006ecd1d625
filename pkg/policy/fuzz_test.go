package policy

import (
	"testing"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
)

// FuzzParseRules feeds rules documents (policyRules, policyRulesFile, trustq check --rules) to the
// YAML reader, the layer merge and the CEL compiler: no document may crash them, and every rule
// either compiles or carries its error.
func FuzzParseRules(f *testing.F) {
	fuzzseed.Add(f, fuzzseed.Files([]string{fuzzseed.Testdata("policy"), fuzzseed.Samples("")}, ".yaml", ".yml")...)
	fuzzseed.Add(f, gdprPackDoc)
	f.Add([]byte("- id: stage-set\n  expr: model.stage != ''\n"))
	f.Add([]byte("rules:\n  - id: a\n    params: &p {x: [1, 2, {y: z}]}\n    expr: params.x[0] > 0\n  - id: b\n    params: *p\n    scope: {models: ['credit-*'], tags: {team: '*'}}\n    expr: \"true\"\n"))
	c, err := newCompiler(0)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		specs, err := parseRules(doc)
		if err != nil {
			// a pack document (with a header) is read by the pack reader
			if specs, _, err = parseDoc(doc, true); err != nil {
				return
			}
		}
		if len(specs) > MaxRules {
			t.Fatalf("%d rules accepted", len(specs))
		}
		var rs ruleSet
		rs.apply(specs, OriginSettings, "")
		for _, r := range rs.rules {
			c.compile(r)
			if !r.Broken() && r.Enabled && r.prg == nil {
				t.Fatalf("rule %s neither compiled nor broken", r.ID)
			}
		}
	})
}
