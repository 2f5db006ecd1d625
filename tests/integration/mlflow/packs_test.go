//go:build integration

package mlflowintegration

// The eu-ai-act-high-risk and nist-ai-rmf packs over the real MLflow server: churn-predictor v1
// carries every tag the packs read and its source run logs a training and a testing dataset input
// (python/seed/seed_mlflow.py PACK_TAGS), credit-risk-classifier none of them. The model card, a
// Great Expectations result and a SHAP summary are uploaded by the test through the server's
// artifact proxy (the seeded store holds no artifact files). Rules comparing the fixed-date demo evidence with now are not asserted, and disabled
// for the trustq gate.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// freshnessRules compare evidence dates with now; the demo evidence has fixed dates.
var freshnessRules = []string{"eu-ai-act-bias-examination", "eu-ai-act-post-market-drift", "eu-ai-act-post-market-fairness",
	"nist-measure-monitoring-live", "nist-measure-fairness-evaluated", "fairness-fresh", "drift-fresh"}

// uploadArtifact puts body at path in the artifacts of a run of the churn experiment through the
// artifact proxy (PUT /api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<path>).
func uploadArtifact(t *testing.T, runID, path string, body []byte) {
	t.Helper()
	url := fmt.Sprintf("%s/api/2.0/mlflow-artifacts/artifacts/churn/%s/artifacts/%s", mustEnv(t, "DTE_MLFLOW_URL"), runID, path)
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %s", url, resp.Status)
	}
}

// uploadEvidence logs what a compliant team logs to churn-predictor v1's source run besides its
// tags: a model card (docs/model_card.md), the newest Great Expectations validation of its data
// asset (gx/, the GX 1.x result of testdata/gx/gx1, which succeeded) and a SHAP summary of the
// version (shap/, the demo summary of testdata/shap/demo dated a day ago: the EU pack wants
// explanations younger than 180 days). The GX and SHAP sources read them through MLflow, the way
// they read results logged by a team's pipeline.
func uploadEvidence(t *testing.T, exp *expected) string {
	t.Helper()
	runID, _, _ := exp.modelVersion(t, churnModel, "1")
	uploadArtifact(t, runID, "docs/model_card.md", []byte("# churn-predictor v1\n\nLimitations: ...\n"))
	root := repoRoot()
	gx, err := os.ReadFile(filepath.Join(root, "testdata", "gx", "gx1", "model=churn-predictor", "version=1",
		"churn_events_suite", "nightly-2026-07-20", "20260720T020000.000000Z", "crm-churn_events.json"))
	if err != nil {
		t.Fatal(err)
	}
	uploadArtifact(t, runID, "gx/crm-churn_events.json", gx)
	raw, err := os.ReadFile(filepath.Join(root, "testdata", "shap", "demo", "churn-predictor", "2026-06-08_v1.shap.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary map[string]any
	if err := json.Unmarshal(raw, &summary); err != nil {
		t.Fatal(err)
	}
	summary["timestamp"] = time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	b, _ := json.Marshal(summary)
	uploadArtifact(t, runID, "shap/churn-predictor_v1.shap.json", b)
	return runID
}

func TestMLflowPacks(t *testing.T) {
	exp := loadExpected(t)
	uploadEvidence(t, exp)
	ds := complianceDS(t)
	fs := mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryCompliance, "format": "table",
		"packs": []string{"eu-ai-act-high-risk", "nist-ai-rmf"}}))
	rules, _ := complianceRows(t, fs[0], true)
	good, bad := mv{churnModel, "1"}, mv{modelName, "2"}

	// Every rule of both packs applying to churn-predictor v1 passes, but the freshness rules, those
	// without evidence for it (unknown) and eu-ai-act-data-tests-pass (a warning: the demo's
	// Evidently test suite on churn data has a failed test).
	for id, r := range rules[good] {
		if slices.Contains(freshnessRules, id) || r.status == "unknown" && strings.HasPrefix(r.reason, "no ") {
			continue
		}
		if id == "eu-ai-act-data-tests-pass" {
			expectRule(t, rules[good], good, id, false, true, "tests_failed")
			continue
		}
		if r.status != "ok" {
			t.Errorf("%v %s: %s (%s), want pass", good, id, r.status, r.reason)
		}
	}
	// the run context: dataset inputs, the model card, the run's user
	expectRule(t, rules[good], good, "eu-ai-act-data-sets-identified", true, true, "model.run.inputs")
	expectRule(t, rules[good], good, "nist-measure-test-sets", true, true, "")
	expectRule(t, rules[good], good, "eu-ai-act-model-card", true, true, "model.run.artifacts")
	expectRule(t, rules[good], good, "nist-manage-release-decision", true, true, "")
	// the Great Expectations result and the SHAP summary logged to its run, read through MLflow
	expectRule(t, rules[good], good, "eu-ai-act-data-validation-passed", true, true, "validation_success")
	expectRule(t, rules[good], good, "eu-ai-act-explanations-present", true, true, "explainability")
	expectRule(t, rules[good], good, "nist-measure-explained", true, true, "")

	// credit-risk-classifier v2: no pack tag, no dataset input, no model card.
	for _, id := range []string{"eu-ai-act-risk-management", "eu-ai-act-data-sets-identified", "eu-ai-act-model-card",
		"eu-ai-act-record-keeping", "nist-measure-test-sets", "nist-manage-release-decision", "nist-manage-incident-channel"} {
		expectRule(t, rules[bad], bad, id, false, true, "")
		if r := rules[bad][id]; r.status != "fail" {
			t.Errorf("%v %s: status %s (%s), want fail", bad, id, r.status, r.reason)
		}
	}
	// no SHAP summary: explanations are missing (a fail, not unknown); no GX result: unknown
	expectRule(t, rules[bad], bad, "eu-ai-act-explanations-present", false, true, "")
	if r := rules[bad]["eu-ai-act-data-validation-passed"]; r.status != "unknown" {
		t.Errorf("%v eu-ai-act-data-validation-passed: %s (%s), want unknown", bad, r.status, r.reason)
	}
	// its fairness evidence (demographic parity difference 0.41) fails the EU bias tolerance
	expectRule(t, rules[bad], bad, "eu-ai-act-bias-within-tolerance", false, true, "0.41")
	// unknown without the threshold tag, not fail
	if r := rules[bad]["eu-ai-act-test-threshold-met"]; r.status != "unknown" || !strings.Contains(r.reason, "min_accuracy") {
		t.Errorf("%v eu-ai-act-test-threshold-met: %s (%s), want unknown naming min_accuracy", bad, r.status, r.reason)
	}

	// pack_score per pack and model version
	fs = mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryCompliance, "format": "latest",
		"metrics": []string{"pack_score"}, "packs": []string{"eu-ai-act-high-risk", "nist-ai-rmf"}}))
	f := fs[0]
	scores := map[string]float64{}
	for i := 0; i < f.Rows(); i++ {
		v, _ := flt(t, valueField(t, f), i)
		scores[str(t, field(t, f, "model"), i)+" v"+str(t, field(t, f, "version"), i)+" "+str(t, field(t, f, "pack"), i)] = v
	}
	for _, pk := range []string{"eu-ai-act-high-risk", "nist-ai-rmf"} {
		g, b := scores[churnModel+" v1 "+pk], scores[modelName+" v2 "+pk]
		if g <= b || g <= 0.5 || b >= 0.5 {
			t.Errorf("%s: pack_score %v for churn-predictor v1, %v for credit-risk-classifier v2", pk, g, b)
		}
	}
}

func TestMLflowTrustqCheckPack(t *testing.T) {
	exp := loadExpected(t)
	uploadEvidence(t, exp)
	bin := buildTrustq(t)
	dir := t.TempDir()
	settings := filepath.Join(dir, "settings.json")
	b, _ := json.MarshalIndent(map[string]any{"jsonData": complianceSettings(t)}, "", "  ")
	if err := os.WriteFile(settings, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	doc.WriteString("rules:\n")
	for _, id := range freshnessRules {
		fmt.Fprintf(&doc, "  - id: %s\n    enabled: false\n", id)
	}
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte(doc.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, model string
		pack        string
		want        int
		has         string
	}{
		{"compliant", churnModel + ":1", "eu-ai-act-high-risk", 0, "PASS: no rule of severity error failed"},
		{"non-compliant", modelName + ":2", "eu-ai-act-high-risk", 1, "refs: EU AI Act Art. 9(1); EU AI Act Art. 9(2)"},
		{"unknown pack", churnModel + ":1", "iso-42001", 2, "iso-42001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runTrustq(t, bin, "check", "--settings", settings, "--rules", rules, "--model", tc.model, "--pack", tc.pack)
			if code != tc.want || !strings.Contains(stdout+stderr, tc.has) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tc.want, tc.has, stdout, stderr)
			}
		})
	}
}
