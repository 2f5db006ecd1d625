package gx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodRel = "model=churn-predictor/version=1/churn_events_suite/nightly-2026-07-20/20260720T020000.000000Z/crm-churn_events.json"

// Bad inputs next to a good result: each is a notice naming its file and saying what was wrong;
// the good result is served.
func TestBadInputsNamedGoodServed(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(testdataDir, "gx1", filepath.FromSlash(goodRel)), filepath.Join(dir, "model=churn-predictor", "version=1", "good.json"))
	for _, name := range []string{"checkpoint_describe.json", "no_run_time.json", "truncated.json", "unknown_major.json"} {
		copyFile(t, filepath.Join(testdataDir, "bad", name), filepath.Join(dir, name))
	}
	big := make([]byte, maxFileBytes+1)
	if err := os.WriteFile(filepath.Join(dir, "oversized.json"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deep.json"), []byte(strings.Repeat("[", 600)+strings.Repeat("]", 600)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, map[string]any{"gxPaths": []string{dir}}, nil)
	ev := collect(t, p, trust.Query{})
	n := noticeText(ev)
	for _, want := range []string{
		"checkpoint_describe.json: unreadable: GX 1.x CheckpointResult.describe() output: it carries no run time",
		"no_run_time.json: unreadable: no run time (meta.run_id.run_time or meta.validation_time)",
		"truncated.json: unreadable: not valid JSON",
		`unknown_major.json: unreadable: great_expectations_version "2.0.0": unknown major version`,
		"oversized.json: unreadable: file is 64.0 MB, over the 64.0 MB limit",
		"deep.json: unreadable: ",
	} {
		if !strings.Contains(n, want) {
			t.Errorf("missing notice %q in:\n%s", want, n)
		}
	}
	models := map[string]bool{}
	for _, pt := range ev.Points {
		models[pt.Labels[trust.LabelModel]+"/"+pt.Labels[trust.LabelVersion]] = true
		if !strings.HasSuffix(pt.Labels[LabelFile], "good.json") {
			t.Errorf("point from %s", pt.Labels[LabelFile])
		}
	}
	if len(ev.Points) != 8 || !models["churn-predictor/1"] {
		t.Errorf("good file: %d points for %v, want 8 for churn-predictor/1", len(ev.Points), models)
	}
	msg, err := p.CheckHealth(context.Background())
	if err != nil || !strings.Contains(msg, "1 validation result(s) in 1 file(s) for 1 model(s)") || !strings.Contains(msg, "6 unreadable") || !strings.Contains(msg, "checkpoint_describe.json") {
		t.Errorf("health: %q, %v", msg, err)
	}
}

// A gxPaths directory that does not exist or cannot be read: the health check fails naming it,
// and a query fails as an upstream error naming it.
func TestHealthUnreadableRoot(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	p := newProvider(t, map[string]any{"gxPaths": []string{missing}}, nil)
	_, err := p.CheckHealth(context.Background())
	if err == nil || !trust.IsUpstream(err) || !strings.Contains(err.Error(), "gxPaths entry "+missing) {
		t.Errorf("health of a missing path: %v", err)
	}
	if _, err := p.Collect(context.Background(), trust.Quality, &trust.Query{}); err == nil || !trust.IsUpstream(err) || !strings.Contains(err.Error(), missing) {
		t.Errorf("collect from a missing path: %v", err)
	}
	empty := newProvider(t, map[string]any{"gxPaths": []string{t.TempDir()}}, nil)
	if _, err := empty.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "no Great Expectations validation results found under gxPaths") {
		t.Errorf("health of an empty directory: %v", err)
	}
	good := newProvider(t, map[string]any{"gxPaths": []string{filepath.Join(testdataDir, "gx018")}}, nil)
	msg, err := good.CheckHealth(context.Background())
	if err != nil || msg != "Great Expectations: 6 validation result(s) in 6 file(s) for 2 model(s)" {
		t.Errorf("health: %q, %v", msg, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`[1,2]`, "a JSON list"},
		{`{"a":1}`, "no results and statistics"},
		{`{"results":[],"statistics":{},"meta":{}}`, "no meta.great_expectations_version"},
		{`{"results":[],"statistics":{},"success":true,"meta":{"great_expectations_version":"1.2.0","run_id":{"run_time":"yesterday"}}}`, `run time "yesterday"`},
		{`{"results":[],"statistics":{"evaluated_expectations":1},"success":true,"meta":{"great_expectations_version":"1.2.0","validation_time":"2026-01-01T00:00:00Z"}}`, "statistics lack"},
		{`{"results":[{"success":true}],"statistics":{"evaluated_expectations":1,"successful_expectations":1},"success":true,"meta":{"great_expectations_version":"0.18.1","validation_time":"20260101T000000.000000Z"}}`, "results[0]: no expectation_config"},
		{`{"run_results":{}}`, "run_results is empty"},
	} {
		_, err := Decode([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
	if _, err := Decode([]byte(`{"a":1}`)); !errors.Is(err, errNotGX) {
		t.Errorf("unrelated JSON is not errNotGX: %v", err)
	}
}
