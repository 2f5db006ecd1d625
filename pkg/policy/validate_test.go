package policy

import (
	"strings"
	"testing"
)

func TestValidateRules(t *testing.T) {
	for _, doc := range []string{
		"",
		"  \n",
		"rules: []",
		"- id: has-owner\n  dimension: compliance\n  expr: \"'owner' in model.tags\"\n",
		// overriding a default rule by id with a part of its fields
		"- id: " + firstDefaultRuleID(t) + "\n  enabled: false\n",
	} {
		if err := ValidateRules(doc, 0); err != nil {
			t.Errorf("%q: unexpected error %v", doc, err)
		}
	}
	for doc, want := range map[string]string{
		"rules: [":                                          "not valid YAML",
		"policies: []":                                      `unknown key "policies"`,
		"- id: x\n  expr: model.nope(\n":                    "rule x:",
		"- id: y\n  exprr: \"true\"\n":                      "unknown key(s) exprr",
		"- title: no id\n  expr: \"true\"\n":                "has no id",
		"- id: a\n  expr: \"true\"\n- id: b\n  expr: 1 +\n": "rule b:",
	} {
		err := ValidateRules(doc, 0)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", doc, err, want)
		}
	}
}

func firstDefaultRuleID(t *testing.T) string {
	t.Helper()
	packs, err := loadPacks()
	if err != nil || len(packs) == 0 || len(packs[0].specs) == 0 {
		t.Fatalf("default pack: %v", err)
	}
	return packs[0].specs[0].spec.ID
}
