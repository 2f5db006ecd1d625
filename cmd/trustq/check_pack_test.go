package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
)

// euTags satisfy every tag the eu-ai-act-high-risk pack reads.
func euTags() map[string]string {
	return map[string]string{
		"owner": "risk-team", "gdpr_personal_data": "contact,financial", "min_accuracy": "0.8",
		"thresholds_declared_at": "2026-04-01", "declared_accuracy": "0.9", "risk_register_ref": "RR-7",
		"residual_risk": "accepted", "risk_approver": "cro", "data_origin": "core banking",
		"data_original_purpose": "loan servicing", "data_gaps_ref": "DG-3", "bias_mitigation": "reweighing",
		"technical_documentation_ref": "TD-3", "inference_log_uri": "s3://logs/credit", "log_retention_days": "365",
		"instructions_for_use_ref": "IFU-3", "intended_purpose": "credit scoring", "oversight_mode": "human-in-the-loop",
		"override_mechanism": "true", "stop_procedure": "true", "pmm_plan_ref": "PMM-1",
	}
}

// packSettings writes settings for a fake MLflow holding credit v3 with tags (accuracy 0.9, training
// and testing dataset inputs, a model card artifact) plus
// the Evidently exports of testdata/policy (credit v3: drift share 0.5, two days old).
func packSettings(t *testing.T, tags map[string]string) string {
	t.Helper()
	ms := func(s string) int64 { return unixMs(t, s) }
	const run = "0123456789abcdef0123456789abcdef"
	store := &mlflowtest.Store{
		Experiments: []*mlflowtest.Experiment{{ID: "1", Name: "credit", Created: ms("2026-04-01T00:00:00Z")}},
		Runs: []*mlflowtest.Run{{ID: run, Name: "train-3", ExperimentID: "1", Start: ms("2026-05-01T00:00:00Z"), End: ms("2026-05-01T01:00:00Z"),
			History:   []mlflowtest.Metric{{Key: "accuracy", Value: 0.9, Timestamp: ms("2026-05-01T01:00:00Z")}},
			Artifacts: map[string][]byte{"docs/model_card.md": []byte("# credit v3\n")},
			Datasets: []mlflowtest.Dataset{{Name: "loans-train", Digest: "a1", SourceType: "local", Context: "training"},
				{Name: "loans-test", Digest: "b2", SourceType: "local", Context: "testing"}}}},
		Models: []*mlflowtest.Model{{Name: "credit", Created: ms("2026-05-01T00:00:00Z"), Updated: ms("2026-05-01T00:00:00Z"),
			Aliases: map[string]string{"champion": "3"}}},
		Versions: []*mlflowtest.Version{{Model: "credit", Version: "3", Stage: "Production", RunID: run,
			Created: ms("2026-05-02T00:00:00Z"), Updated: ms("2026-05-02T00:00:00Z"), Tags: tags}},
	}
	return fakeMLflowSettings(t, store)
}

// TestCheckPackExitCodes: `trustq check --pack eu-ai-act-high-risk` exits 0 when no error rule of
// the pack fails, 1 when one fails (its refs in the report), 2 for an unknown pack.
func TestCheckPackExitCodes(t *testing.T) {
	good := packSettings(t, euTags())
	code, stdout, stderr := check(t, "--settings", good, "--model", "credit:3", "--pack", "eu-ai-act-high-risk")
	if code != 0 {
		t.Fatalf("compliant: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Rule packs: eu-ai-act-high-risk",
		"PASS     error    eu-ai-act-risk-management",
		"PASS     error    eu-ai-act-accuracy-maintained",
		"PASS     error    eu-ai-act-data-sets-identified",
		"PASS     warning  eu-ai-act-model-card",
		"FAIL     warning  eu-ai-act-drift-within-tolerance",
		"refs: EU AI Act Art. 15(1); EU AI Act Art. 15(4)",
		"UNKNOWN  error    eu-ai-act-bias-examination", // no fairness source: not blocking without --strict
		"PASS: no rule of severity error failed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "owner-tag") || strings.Contains(stdout, "nist-") {
		t.Errorf("rules of other packs evaluated:\n%s", stdout)
	}

	tags := euTags()
	delete(tags, "risk_register_ref")
	tags["log_retention_days"] = "30"
	bad := packSettings(t, tags)
	code, stdout, stderr = check(t, "--settings", bad, "--model", "credit:3", "--pack", "eu-ai-act-high-risk")
	if code != 1 {
		t.Fatalf("non-compliant: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"FAIL     error    eu-ai-act-risk-management", "refs: EU AI Act Art. 9(1); EU AI Act Art. 9(2)",
		"FAIL     error    eu-ai-act-log-retention", "refs: EU AI Act Art. 19(1); EU AI Act Art. 26(6)",
		"FAIL: eu-ai-act-risk-management on credit v3: fail; eu-ai-act-log-retention on credit v3: fail.",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}

	// JSON carries the packs and each rule's pack and refs; a comma list and a repeated flag
	code, stdout, _ = check(t, "--settings", bad, "--model", "credit:3", "--pack", "eu-ai-act-high-risk,gdpr", "--pack", "NIST-AI-RMF", "--output", "json")
	var rep checkReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 1 {
		t.Fatalf("exit %d, %v\n%s", code, err, stdout)
	}
	if strings.Join(rep.Packs, ",") != "gdpr,eu-ai-act-high-risk,nist-ai-rmf" {
		t.Errorf("packs %v", rep.Packs)
	}
	packs := map[string]int{}
	for _, r := range rep.ModelVersions[0].Rules {
		packs[r.Pack]++
		if len(r.Refs) == 0 {
			t.Errorf("rule %s has no refs", r.ID)
		}
	}
	if packs["gdpr"] != 11 || packs["eu-ai-act-high-risk"] != 24 || packs["nist-ai-rmf"] != 20 {
		t.Errorf("rules per pack %v", packs) // scoped rules (dpia, special categories, third party) do not apply
	}

	// a malformed number is unknown, named in a notice
	tags = euTags()
	tags["log_retention_days"] = "six months"
	code, stdout, _ = check(t, "--settings", packSettings(t, tags), "--model", "credit:3", "--pack", "eu-ai-act-high-risk")
	if code != 0 || !strings.Contains(stdout, `policy: rule eu-ai-act-log-retention: credit v3: model.tags.log_retention_days = "six months" is not a number`) {
		t.Errorf("malformed tag: exit %d\n%s", code, stdout)
	}

	for _, args := range [][]string{
		{"--settings", good, "--pack", "iso-42001"},
		{"--settings", good, "--pack", "gdpr,nope"},
	} {
		code, _, stderr = check(t, args...)
		if code != 2 || !strings.Contains(stderr, "no such rule pack (known: gdpr, eu-ai-act-high-risk, nist-ai-rmf)") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}
