package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestExamples: every query file in examples/queries is a valid query model, and
// examples/settings.json, read from the repository's root as the README runs it, answers the
// evidence queries with rows over its fixed-date demo evidence. (scripts/test-readme.sh runs the
// README's commands against the native demo's MLflow.)
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/queries/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples/queries/*.json (%v)", err)
	}
	for _, f := range files {
		b, err := readFileOrStdin(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trust.ParseQuery(b, ""); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	t.Chdir("../..")
	s, err := loadSettings("examples/settings.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := plugin.NewDatasource(context.Background(), s)
	if err != nil {
		t.Fatalf("examples/settings.json: %v", err)
	}
	inst.(*plugin.Datasource).Dispose()
	for _, q := range []string{"fairness-latest", "drift-latest", "quality-gx-latest", "explainability-top-feature"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"query", "--settings", "examples/settings.json", "--query", "examples/queries/" + q + ".json",
			"--from", "2026-01-01T00:00:00Z", "--to", "now"}, &stdout, &stderr)
		if code != 0 || strings.Count(stdout.String(), "credit-risk-classifier") == 0 {
			t.Errorf("trustq query %s over examples/settings.json: exit %d, stdout %q, stderr %q", q, code, stdout.String(), stderr.String())
		}
	}
}
