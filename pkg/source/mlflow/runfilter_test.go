package mlflow

import (
	"strings"
	"testing"
)

func TestValidateRunFilterAcceptsMLflowSyntax(t *testing.T) {
	for _, f := range []string{
		"",
		"   ",
		"metrics.accuracy > 0.92",
		"metrics.accuracy>0.92",
		`params.model = "LogisticRegression" and params.lambda = "0.001" and metrics.error <= 0.05`,
		"attributes.status = 'FAILED'",
		"params.model_type = 'xgb' AND metrics.auc >= 0.8",
		`metrics."error rate" < 0.1`,
		"params.`model-type` != 'lr'",
		"tags.mlflow.runName LIKE 'train-%'",
		"tags.team ILIKE '%risk%'",
		"attributes.run_id IN ('a1', 'b2')",
		"attributes.run_id NOT IN ('a1')",
		"tags.owner IS NULL",
		"tags.owner IS NOT NULL",
		"attributes.start_time > 1700000000000",
		"metric.loss < -0.5 and metrics.f1 != 1e-3",
		"datasets.name = 'train' AND datasets.context = 'training'",
		"params.name = 'it''s'",
		"run.status = 'FINISHED'",
	} {
		if err := ValidateRunFilter(f); err != nil {
			t.Errorf("%q: unexpected error %v", f, err)
		}
	}
}

func TestValidateRunFilterNamesTheMistake(t *testing.T) {
	for f, want := range map[string]string{
		"accuracy > 0.9": `write entity.key, e.g. metrics.accuracy`,
		"metric.accuracy > 0.9 OR metrics.f1 > 0.5": "OR is not supported",
		"metrics.accuracy > 0.9 and":                "ends with AND",
		"metrics.accuracy > 0.9 metrics.f1 > 0.5":   "expected AND",
		"params.model_type = 'xgb":                  "never closed",
		"params.model_type = xgb":                   "expected a number or a quoted string",
		"params.depth = 3":                          "quoted strings: write '3'",
		"metrics.accuracy > 'high'":                 "compares with a number",
		"metrics.accuracy LIKE '0.9%'":              "metrics compare with",
		"metrics.accuracy":                          "has no comparator",
		"metrics.accuracy >":                        "has no value",
		"model.name = 'x'":                          `unknown entity "model"`,
		"params.a <> 'b'":                           "!=",
		"params.a ! 'b'":                            "'!' must be followed",
		"attributes.run_id IN 'a'":                  "list in parentheses",
		"attributes.run_id IN ('a', 'b'":            "never closed",
		"attributes.run_id IN ('a' 'b')":            "expected , or )",
		"tags.owner IS 'x'":                         "IS NULL or IS NOT NULL",
		"metrics.accuracy IS NULL":                  "IS NULL",
		"(metrics.accuracy > 0.9)":                  "expected an identifier",
		"params.a = 'b' AND AND params.c = 'd'":     "clause 2: expected an identifier",
		"params.a NOT 'b'":                          "NOT IN",
		"metrics.accuracy > 0.9; drop table runs":   "unexpected character",
		"metrics.accuracy > NaN":                    "expected a number",
	} {
		err := ValidateRunFilter(f)
		if err == nil {
			t.Errorf("%q: no error, want one containing %q", f, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q, want it to contain %q", f, err, want)
		}
	}
}

func TestValidateRunFilterLimits(t *testing.T) {
	if err := ValidateRunFilter(strings.Repeat("x", MaxRunFilterBytes+1)); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("got %v", err)
	}
	if err := ValidateRunFilter("params.a = '\xff'"); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("got %v", err)
	}
}

func FuzzValidateRunFilter(f *testing.F) {
	for _, s := range []string{
		"metrics.accuracy > 0.92 and params.model = 'lr'",
		"tags.`a-b` IN ('x', 'y''z')",
		`metrics."error rate" <= -1e-3 AND tags.owner IS NOT NULL`,
		"attributes.run_id NOT IN ('a',",
		"params.a = \"\\\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateRunFilter(s)
		if err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
	})
}
