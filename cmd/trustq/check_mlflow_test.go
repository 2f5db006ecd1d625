package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
)

// unixMs is the Unix milliseconds of an RFC 3339 time, for fake MLflow stores.
func unixMs(t *testing.T, s string) int64 {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixMilli()
}

// fakeMLflowSettings starts a fake MLflow server holding store and writes settings reaching it and
// the Evidently exports of testdata/policy; it answers the settings file.
func fakeMLflowSettings(t *testing.T, store *mlflowtest.Store) string {
	t.Helper()
	srv := mlflowtest.New(t, store, mlflowtest.Options{Version: "3.1.0"})
	evidently, err := filepath.Abs("../../testdata/policy/evidently")
	if err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(t.TempDir(), "settings.json")
	b, _ := json.Marshal(map[string]any{"jsonData": map[string]any{"mlflowUrl": srv.URL, "evidentlyPaths": []string{evidently}}})
	if err := os.WriteFile(settings, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return settings
}

// TestCheckWithRegistry runs `trustq check` against a fake MLflow server (registry metadata and
// accuracy) plus the Evidently exports of testdata/policy (drift of credit v3).
func TestCheckWithRegistry(t *testing.T) {
	ms := func(s string) int64 { return unixMs(t, s) }
	gdpr := map[string]string{
		"gdpr_personal_data": "contact,financial", "gdpr_lawful_basis": "contract", "gdpr_retention_days": "365",
		"training_data_date": "2026-03-01", "min_accuracy": "0.8",
	}
	v4tags := map[string]string{"min_accuracy": "0.95"}
	store := &mlflowtest.Store{
		Experiments: []*mlflowtest.Experiment{{ID: "1", Name: "credit", Created: ms("2026-04-01T00:00:00Z")}},
		Runs: []*mlflowtest.Run{
			{ID: "0123456789abcdef0123456789abcdef", Name: "train-3", ExperimentID: "1", Start: ms("2026-05-01T00:00:00Z"), End: ms("2026-05-01T01:00:00Z"),
				History: []mlflowtest.Metric{{Key: "accuracy", Value: 0.9, Timestamp: ms("2026-05-01T01:00:00Z")}}},
		},
		Models: []*mlflowtest.Model{{Name: "credit", Created: ms("2026-05-01T00:00:00Z"), Updated: ms("2026-05-01T00:00:00Z"),
			Tags: map[string]string{"owner": "risk-team"}, Aliases: map[string]string{"champion": "3"}}},
		Versions: []*mlflowtest.Version{
			{Model: "credit", Version: "3", Stage: "Production", RunID: "0123456789abcdef0123456789abcdef",
				Created: ms("2026-05-02T00:00:00Z"), Updated: ms("2026-05-02T00:00:00Z"), Tags: gdpr},
			{Model: "credit", Version: "4", RunID: "0123456789abcdef0123456789abcdef",
				Created: ms("2026-05-03T00:00:00Z"), Updated: ms("2026-05-03T00:00:00Z"), Tags: v4tags},
		},
	}
	settings := fakeMLflowSettings(t, store)

	code, stdout, stderr := check(t, "--settings", settings, "--model", "credit@champion")
	if code != 0 {
		t.Fatalf("credit@champion: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"credit v3 (@champion, Production)",
		`PASS     error    owner-tag                     model.tags.owner = "risk-team"`,
		"PASS     error    gdpr-lawful-basis",
		"PASS     error    gdpr-training-data-retention",
		"PASS     error    accuracy-minimum              evidence.accuracy.accuracy.value = 0.9",
		"FAIL     warning  drift-share                   evidence.drift.drift_share.value = 0.5",
		"UNKNOWN  error    fairness-fresh                no fairness evidence",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "gdpr-dpia") {
		t.Error("gdpr-dpia applies only to risk_level=high")
	}

	code, stdout, _ = check(t, "--settings", settings, "--model", "credit:4")
	if code != 1 {
		t.Fatalf("credit:4: exit %d\n%s", code, stdout)
	}
	for _, want := range []string{"FAIL     error    gdpr-lawful-basis", "FAIL     error    accuracy-minimum", "FAIL: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}
