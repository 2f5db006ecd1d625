//go:build integration

package mlflowintegration

// Compliance over the real MLflow server: the registry's governance tags (seeded by
// python/seed/seed_mlflow.py after docs/compliance-rules.md) together with the committed demo
// evidence (Evidently workspace, Fairlearn results), through plugin.New + QueryData exactly as
// Grafana calls it, and through the `trustq check` binary as CI runs it.
//
// Evidence dates are fixed (Fairlearn June-July 2026, Evidently November 2026) while the rules
// evaluate at now, so the assertions avoid what the passing of time changes: the evidence window
// is widened (policyEvidenceDays) so the evidence never ages out, freshness rules are not asserted
// (or are disabled for trustq), and the training-data retention outcome is computed from the clock.

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

const (
	churnModel = "churn-predictor"
	// Seeded tags (python/seed/seed_mlflow.py): gdpr_retention_days=730 on both models;
	// training_data_date 2026-05-01 on the credit-risk-classifier versions, 2026-06-30 on the
	// churn-predictor versions.
	retentionDays     = 730
	creditTrainingDay = "2026-05-01"
	churnTrainingDay  = "2026-06-30"
)

// complianceSettings are the demo's settings over the real MLflow: the registry from MLflow, drift
// from the committed Evidently workspace, fairness from the committed Fairlearn results. The wide
// evidence window keeps the fixed-date evidence in view however late the test runs.
func complianceSettings(t *testing.T) map[string]any {
	t.Helper()
	root := repoRoot()
	return map[string]any{
		"mlflowUrl":           mustEnv(t, "DTE_MLFLOW_URL"),
		"mlflowAuth":          "none",
		"evidentlyWorkspaces": []string{filepath.Join(root, "testdata", "evidently", "current", "workspace")},
		"fairlearnPaths":      []string{filepath.Join(root, "testdata", "fairlearn", "demo")},
		"policyEvidenceDays":  36500,
	}
}

func complianceDS(t *testing.T) *plugin.Datasource {
	t.Helper()
	b, _ := json.Marshal(complianceSettings(t))
	return newDS(t, trust.Settings{JSONData: b})
}

// withinRetention says whether training data of that day is inside the retention period now, as
// gdpr-training-data-retention decides it (now - date(d) <= days(retention)).
func withinRetention(day string) bool {
	d, _ := time.Parse("2006-01-02", day)
	return time.Since(d) <= retentionDays*24*time.Hour
}

type mv struct{ model, version string }

type ruleRow struct {
	passed float64
	status string // table format only
	reason string // table format only
}

// complianceRows reads a compliance frame (table or latest) into rule_passed per model version and
// rule, and compliance_score per model version (pack_score rows are skipped).
func complianceRows(t *testing.T, f *data.Frame, table bool) (map[mv]map[string]ruleRow, map[mv]float64) {
	t.Helper()
	metric, model, version, value := field(t, f, "metric"), field(t, f, "model"), field(t, f, "version"), field(t, f, "value")
	rule := field(t, f, "rule")
	var status, reason *data.Field
	if table {
		status, reason = field(t, f, "status"), field(t, f, "reason")
	}
	rules, scores := map[mv]map[string]ruleRow{}, map[mv]float64{}
	for i := 0; i < f.Rows(); i++ {
		k := mv{str(t, model, i), str(t, version, i)}
		v, ok := flt(t, value, i)
		if !ok {
			t.Fatalf("row %d (%v %s) has no value", i, k, str(t, metric, i))
		}
		switch m := str(t, metric, i); m {
		case "rule_passed":
			r := ruleRow{passed: v}
			if table {
				r.status, r.reason = str(t, status, i), str(t, reason, i)
			}
			id := str(t, rule, i)
			if rules[k] == nil {
				rules[k] = map[string]ruleRow{}
			}
			if _, dup := rules[k][id]; dup {
				t.Errorf("%v: rule %s appears twice", k, id)
			}
			rules[k][id] = r
		case "compliance_score":
			if _, dup := scores[k]; dup {
				t.Errorf("%v: compliance_score appears twice", k)
			}
			scores[k] = v
		case "pack_score":
			// per pack, asserted by TestMLflowPacks
		default:
			t.Errorf("row %d: unexpected metric %q", i, m)
		}
	}
	return rules, scores
}

// registryVersions are the seeded model versions of both demo models.
func registryVersions(t *testing.T, exp *expected) []mv {
	t.Helper()
	var out []mv
	for _, m := range exp.Models {
		if m.Name != modelName && m.Name != churnModel {
			continue
		}
		for _, v := range m.Versions {
			out = append(out, mv{m.Name, string(v.Version)})
		}
	}
	if len(out) != 5 {
		t.Fatalf("expected.json lists %d versions of %s and %s, the seed registers 3 + 2", len(out), modelName, churnModel)
	}
	return out
}

func TestMLflowCompliance(t *testing.T) {
	exp := loadExpected(t)
	versions := registryVersions(t, exp)
	ds := complianceDS(t)
	for _, format := range []string{"table", "latest"} {
		t.Run(format, func(t *testing.T) {
			table := format == "table"
			fs := mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryCompliance, "format": format}))
			if len(fs) != 1 {
				t.Fatalf("compliance %s gave %d frames, want 1", format, len(fs))
			}
			rules, scores := complianceRows(t, fs[0], table)

			for _, k := range versions {
				rs := rules[k]
				if len(rs) == 0 {
					t.Errorf("%s v%s: no rule_passed rows", k.model, k.version)
					continue
				}
				// compliance_score is the share of the version's rules that passed.
				passed := 0
				for id, r := range rs {
					if r.passed != 0 && r.passed != 1 {
						t.Errorf("%v %s: rule_passed %v, want 0 or 1", k, id, r.passed)
					}
					if r.passed == 1 {
						passed++
					}
					if table {
						wantStatus := map[bool]string{true: "ok", false: "fail|unknown"}[r.passed == 1]
						if !strings.Contains(wantStatus, r.status) || r.status == "" {
							t.Errorf("%v %s: rule_passed %v with status %q", k, id, r.passed, r.status)
						}
						if r.reason == "" {
							t.Errorf("%v %s: no reason", k, id)
						}
					}
				}
				score, ok := scores[k]
				if !ok {
					t.Errorf("%s v%s: no compliance_score", k.model, k.version)
				} else if want := float64(passed) / float64(len(rs)); score < 0 || score > 1 || math.Abs(score-want) > 1e-9 {
					t.Errorf("%s v%s: compliance_score %v, want %d/%d = %v", k.model, k.version, score, passed, len(rs), want)
				}

				// Registry tags (the same for every version of a model).
				expectRule(t, rs, k, "owner-tag", true, table, "model.tags.owner")
				expectRule(t, rs, k, "gdpr-personal-data", true, table, "")
				expectRule(t, rs, k, "gdpr-lawful-basis", true, table, "")
				expectRule(t, rs, k, "gdpr-retention", true, table, "")
				day := churnTrainingDay
				if k.model == modelName {
					day = creditTrainingDay
				}
				expectRule(t, rs, k, "gdpr-training-data-retention", withinRetention(day), table, "")
				// accuracy-minimum is scoped to versions tagged min_accuracy: only churn-predictor v1 is
				// (the rule packs' tags, python/seed/seed_mlflow.py PACK_TAGS), with 0.5 below every
				// seeded accuracy.
				if k == (mv{churnModel, "1"}) {
					expectRule(t, rs, k, "accuracy-minimum", true, table, "")
				} else if _, ok := rs["accuracy-minimum"]; ok {
					t.Errorf("%v: accuracy-minimum applies although the version declares no min_accuracy", k)
				}
				if k.model == modelName {
					// risk_level=high without dpia_ref.
					expectRule(t, rs, k, "gdpr-dpia", false, table, "dpia_ref")
				} else if _, ok := rs["gdpr-dpia"]; ok {
					t.Errorf("%v: gdpr-dpia applies although the model is not tagged risk_level=high", k)
				}
			}

			// Fairness from the Fairlearn demo: credit-risk-classifier v2 is biased (demographic
			// parity difference 0.41), churn-predictor v1 fair (0.008); versions without fairness
			// results are unknown (0, status unknown).
			expectRule(t, rules[mv{modelName, "2"}], mv{modelName, "2"}, "fairness-demographic-parity", false, table, "0.41")
			expectRule(t, rules[mv{modelName, "2"}], mv{modelName, "2"}, "fairness-equalized-odds", false, table, "")
			expectRule(t, rules[mv{churnModel, "1"}], mv{churnModel, "1"}, "fairness-demographic-parity", true, table, "")
			expectRule(t, rules[mv{churnModel, "1"}], mv{churnModel, "1"}, "fairness-equalized-odds", true, table, "")
			if table {
				for _, k := range []mv{{modelName, "1"}, {modelName, "3"}, {churnModel, "2"}} {
					if r := rules[k]["fairness-demographic-parity"]; r.status != "unknown" {
						t.Errorf("%v fairness-demographic-parity: status %q (%s), want unknown: the demo has no fairness results for it", k, r.status, r.reason)
					}
				}
			}
			// credit-risk-classifier fails an error rule, so it can never be fully compliant.
			for _, k := range versions {
				if k.model == modelName && scores[k] >= 1 {
					t.Errorf("%v: compliance_score %v although gdpr-dpia fails", k, scores[k])
				}
			}
		})
	}
}

// expectRule checks one rule outcome of a model version; in table format the reason must contain
// reasonHas (when set).
func expectRule(t *testing.T, rs map[string]ruleRow, k mv, id string, pass, table bool, reasonHas string) {
	t.Helper()
	r, ok := rs[id]
	if !ok {
		t.Errorf("%s v%s: no rule_passed row for %s", k.model, k.version, id)
		return
	}
	want, wantStatus := 0.0, "fail"
	if pass {
		want, wantStatus = 1, "ok"
	}
	if r.passed != want {
		t.Errorf("%s v%s %s: rule_passed %v, want %v (reason %q)", k.model, k.version, id, r.passed, want, r.reason)
	}
	if table {
		if r.status != wantStatus {
			t.Errorf("%s v%s %s: status %q, want %q (reason %q)", k.model, k.version, id, r.status, wantStatus, r.reason)
		}
		if reasonHas != "" && !strings.Contains(r.reason, reasonHas) {
			t.Errorf("%s v%s %s: reason %q should mention %q", k.model, k.version, id, r.reason, reasonHas)
		}
	}
}

// trust_score: one 0-100 value per model version, and its compliance part is 100 x the share of
// the version's compliance-dimension rules (owner-tag and the GDPR rules) that passed.
func TestMLflowTrustScore(t *testing.T) {
	exp := loadExpected(t)
	versions := registryVersions(t, exp)
	ds := complianceDS(t)

	cfs := mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryCompliance, "format": "latest"}))
	rules, _ := complianceRows(t, cfs[0], false)

	fs := mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryTrustScore, "format": "latest"}))
	if len(fs) != 1 {
		t.Fatalf("trust_score latest gave %d frames, want 1", len(fs))
	}
	f := fs[0]
	metric, model, version, value := field(t, f, "metric"), field(t, f, "model"), field(t, f, "version"), field(t, f, "value")
	got := map[mv]map[string]float64{}
	for i := 0; i < f.Rows(); i++ {
		k := mv{str(t, model, i), str(t, version, i)}
		v, ok := flt(t, value, i)
		if !ok {
			t.Fatalf("trust_score row %d (%v) has no value", i, k)
		}
		if got[k] == nil {
			got[k] = map[string]float64{}
		}
		got[k][str(t, metric, i)] = v
	}
	for _, k := range versions {
		m := got[k]
		ts, ok := m["trust_score"]
		if !ok {
			t.Errorf("%s v%s: no trust_score", k.model, k.version)
			continue
		}
		if ts < 0 || ts > 100 || math.IsNaN(ts) {
			t.Errorf("%s v%s: trust_score %v outside 0-100", k.model, k.version, ts)
		}
		passed, total := 0, 0
		for id, r := range rules[k] {
			if id == "owner-tag" || strings.HasPrefix(id, "gdpr-") {
				total++
				if r.passed == 1 {
					passed++
				}
			}
		}
		if tc, ok := m["trust_compliance"]; !ok {
			t.Errorf("%s v%s: no trust_compliance part", k.model, k.version)
		} else if want := 100 * float64(passed) / float64(total); math.Abs(tc-want) > 1e-6 {
			t.Errorf("%s v%s: trust_compliance %v, want 100 x %d/%d = %v", k.model, k.version, tc, passed, total, want)
		}
	}
	// The biased, DPIA-less credit-risk-classifier v2 is trusted less than the fair churn-predictor v1
	// on fairness (0 of its decidable fairness rules pass; churn passes both parity rules).
	if c, ch := got[mv{modelName, "2"}]["trust_fairness"], got[mv{churnModel, "1"}]["trust_fairness"]; c >= ch {
		t.Errorf("trust_fairness: credit-risk-classifier v2 %v should be below churn-predictor v1 %v", c, ch)
	}
}

// buildTrustq builds cmd/trustq into a temporary directory.
func buildTrustq(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trustq")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/trustq")
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/trustq: %v\n%s", err, out)
	}
	return bin
}

// runTrustq runs the binary and returns its exit code, stdout and stderr.
func runTrustq(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("trustq %s: %v", strings.Join(args, " "), err)
	}
	return code, stdout.String(), stderr.String()
}

func TestMLflowTrustqCheck(t *testing.T) {
	bin := buildTrustq(t)
	dir := t.TempDir()
	settings := filepath.Join(dir, "settings.json")
	b, _ := json.MarshalIndent(map[string]any{"jsonData": complianceSettings(t)}, "", "  ")
	if err := os.WriteFile(settings, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The freshness rules compare the fixed-date demo evidence with now: a CI gate over this
	// evidence disables them (drift-fresh is a warning and never blocks anyway).
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte("rules:\n  - id: fairness-fresh\n    enabled: false\n  - id: drift-fresh\n    enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("churn-predictor passes", func(t *testing.T) {
		code, stdout, stderr := runTrustq(t, bin, "check", "--settings", settings, "--rules", rules, "--model", churnModel, "--output", "json")
		var rep struct {
			ModelVersions []struct {
				Model, Version string
				Rules          []struct{ ID, Severity, Status, Reason string }
			} `json:"modelVersions"`
			Summary struct {
				Blocking []string
				ExitCode int `json:"exitCode"`
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("trustq check --output json: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
		}
		wantCode := 0
		if !withinRetention(churnTrainingDay) {
			wantCode = 1 // the seeded training data has outlived its 730-day retention
		}
		if code != wantCode || rep.Summary.ExitCode != code {
			t.Fatalf("exit code %d (report %d), want %d; blocking: %v\nstderr:\n%s", code, rep.Summary.ExitCode, wantCode, rep.Summary.Blocking, stderr)
		}
		if len(rep.ModelVersions) != 2 {
			t.Fatalf("%d model versions checked, want churn-predictor v1 and v2", len(rep.ModelVersions))
		}
		for _, v := range rep.ModelVersions {
			status := map[string]string{}
			for _, r := range v.Rules {
				status[r.ID] = r.Status
			}
			for _, id := range []string{"owner-tag", "gdpr-personal-data", "gdpr-lawful-basis", "gdpr-retention"} {
				if status[id] != "pass" {
					t.Errorf("%s v%s %s: %q, want pass", v.Model, v.Version, id, status[id])
				}
			}
			if _, ok := status["fairness-fresh"]; ok {
				t.Errorf("%s v%s: fairness-fresh evaluated although --rules disabled it", v.Model, v.Version)
			}
			if v.Version == "1" && status["fairness-demographic-parity"] != "pass" {
				t.Errorf("churn-predictor v1 fairness-demographic-parity: %q, want pass", status["fairness-demographic-parity"])
			}
		}
	})

	t.Run("credit-risk-classifier fails", func(t *testing.T) {
		code, stdout, stderr := runTrustq(t, bin, "check", "--settings", settings, "--rules", rules, "--model", modelName)
		if code != 1 {
			t.Fatalf("exit code %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		t.Logf("trustq check --model %s:\n%s", modelName, stdout)
		fail := ""
		for _, line := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(line, "FAIL: ") {
				fail = line
			}
		}
		for _, want := range []string{
			"gdpr-dpia on credit-risk-classifier v1", "gdpr-dpia on credit-risk-classifier v2", "gdpr-dpia on credit-risk-classifier v3",
			"fairness-demographic-parity on credit-risk-classifier v2", "fairness-equalized-odds on credit-risk-classifier v2",
		} {
			if !strings.Contains(fail, want) {
				t.Errorf("verdict line %q should name %q\nstdout:\n%s", fail, want, stdout)
			}
		}
		if strings.Contains(fail, "owner-tag") || strings.Contains(fail, "gdpr-lawful-basis") {
			t.Errorf("verdict line %q names a rule the seeded tags satisfy", fail)
		}
	})

	t.Run("bad flag", func(t *testing.T) {
		code, _, stderr := runTrustq(t, bin, "check", "--settings", settings, "--no-such-flag")
		if code != 2 {
			t.Fatalf("exit code %d, want 2 (usage)\nstderr:\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "no-such-flag") {
			t.Errorf("stderr %q should name the bad flag", stderr)
		}
	})
}
