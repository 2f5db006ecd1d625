package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// check runs `trustq check` from the repository root (where testdata/policy/settings.json points
// at the Evidently exports of testdata/policy/evidently) at a fixed time.
func check(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir("../..")
	old := checkNow
	checkNow = func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { checkNow = old })
	var stdout, stderr bytes.Buffer
	code := runCheck(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCheckExitCodes(t *testing.T) {
	const settings = "testdata/policy/settings.json"
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"passes: only unknown and warning results", []string{"--settings", settings, "--model", "churn:1"}, 0, "PASS: no rule of severity error failed", ""},
		{"default drift-share is a warning", []string{"--settings", settings, "--model", "credit"}, 0, "FAIL     warning  drift-share", ""},
		{"gate makes drift-share an error", []string{"--settings", settings, "--model", "credit:3", "--rules", "testdata/policy/drift-gate.yaml"}, 1, "FAIL: drift-share on credit v3: fail", ""},
		{"gate passes a model below it", []string{"--settings", settings, "--model", "churn", "--rules", "testdata/policy/drift-gate.yaml"}, 0, "PASS     error    drift-share", ""},
		{"strict: unknown error rules block", []string{"--settings", settings, "--model", "churn:1", "--strict"}, 1, "owner-tag on churn v1: unknown", ""},
		{"broken rule reported, others evaluated", []string{"--settings", settings, "--model", "churn:1", "--rules", "testdata/policy/broken.yaml"}, 1, "BROKEN  error  owner-typo", ""},
		{"no such model", []string{"--settings", settings, "--model", "nope"}, 1, "no model version found to check", ""},

		{"no settings", nil, 2, "", "--settings is required"},
		{"bad output", []string{"--settings", settings, "--output", "xml"}, 2, "", "--output must be text or json"},
		{"bad model spec", []string{"--settings", settings, "--model", "credit@"}, 2, "", "use NAME@ALIAS"},
		{"unknown flag", []string{"--settings", settings, "--modle", "x"}, 2, "", "flag provided but not defined"},
		{"stray argument", []string{"--settings", settings, "credit"}, 2, "", `unexpected argument "credit"`},
		{"missing settings file", []string{"--settings", "testdata/policy/nope.json"}, 2, "", "settings file"},
		{"missing rules file", []string{"--settings", settings, "--rules", "testdata/policy/nope.yaml"}, 2, "", "rules file"},
		{"rules file not YAML", []string{"--settings", settings, "--rules", "testdata/policy/evidently/credit-v3-drift.json"}, 2, "", "--rules testdata/policy/evidently/credit-v3-drift.json"},
		{"nothing configured", []string{"--settings", "testdata/policy/settings-empty.json"}, 2, "", "configure no source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := check(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
		})
	}
}

func TestCheckBrokenRuleDoesNotStopTheOthers(t *testing.T) {
	_, stdout, _ := check(t, "--settings", "testdata/policy/settings.json", "--model", "churn:1", "--rules", "testdata/policy/broken.yaml")
	for _, want := range []string{"unknown field model.tag", "PASS     warning  drift-reported", "PASS     warning  drift-share"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	code, stdout, stderr := check(t, "--settings", "testdata/policy/settings.json", "--model", "credit:3", "--rules", "testdata/policy/drift-gate.yaml", "--output", "json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep checkReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if rep.Summary.ExitCode != 1 || rep.Summary.Result != "fail" || len(rep.ModelVersions) != 1 {
		t.Fatalf("%+v", rep.Summary)
	}
	v := rep.ModelVersions[0]
	if v.Model != "credit" || v.Version != "3" || v.Registered || v.Score == nil || v.TrustScore == nil {
		t.Fatalf("%+v", v)
	}
	found := false
	for _, r := range v.Rules {
		if r.ID == "drift-share" {
			found = true
			if r.Status != "fail" || r.Severity != "error" || !strings.Contains(r.Reason, "drift_share.value = 0.5") {
				t.Errorf("%+v", r)
			}
		}
	}
	if !found {
		t.Error("drift-share missing")
	}
}

func TestParseModelSpec(t *testing.T) {
	for in, want := range map[string][3]string{
		"credit":          {"credit", "", ""},
		"credit@champion": {"credit", "", "champion"},
		"credit:3":        {"credit", "3", ""},
		"ns/credit:12":    {"ns/credit", "12", ""},
	} {
		q, err := parseModelSpec(in)
		if err != nil || q.Model != want[0] || q.Version != want[1] || q.Alias != want[2] {
			t.Errorf("%s: %+v %v", in, q, err)
		}
	}
	for _, bad := range []string{"@x", "x@", ":3", "x:"} {
		if _, err := parseModelSpec(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestQueryCompliance runs the compliance and trust_score query types through QueryData, as a panel
// or an alert rule would.
func TestQueryCompliance(t *testing.T) {
	t.Chdir("../..")
	for file, want := range map[string][]string{
		"testdata/policy/query-compliance.json":  {"(numeric-long)", "compliance_score  credit  3", "drift-share", "warning"},
		"testdata/policy/query-trust-score.json": {"trust_score", "trust_drift", "churn", "credit"},
	} {
		var stdout, stderr bytes.Buffer
		code := runQuery([]string{"--settings", "testdata/policy/settings.json", "--query", file,
			"--from", "2026-05-01T00:00:00Z", "--to", "2026-06-01T12:00:00Z"}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", file, code, stderr.String())
		}
		for _, w := range want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", file, w, stdout.String())
			}
		}
	}
}
