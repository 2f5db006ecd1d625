package evidently

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// deepDocument is the reproducer of issue 12, defect 1: a metric result nested n arrays deep.
func deepDocument(n int) string {
	return `{"metrics":[{"metric":"x","result":{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}]}`
}

// A deeply nested file is a notice naming the file, never a crash (it used to overflow the stack,
// from a query and from the health check alike).
func TestDeeplyNestedFileIsANotice(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "deep.json")
	write(t, deep, deepDocument(3_000_000))
	write(t, filepath.Join(dir, "ok.json"), snapshotModelJSON("2025-01-02T03:04:05", 0.25, nil, nil))
	p := newTestProvider(t, Config{Paths: []string{dir}})
	if _, err := p.CheckHealth(context.Background()); err != nil {
		t.Fatalf("health: %v", err)
	}
	ev, err := p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: trust.QueryDrift, Format: trust.FormatTable})
	if err != nil {
		t.Fatal(err)
	}
	n := notices(ev)
	if !strings.Contains(n, "deep.json") || !strings.Contains(n, "nested deeper than 512") {
		t.Errorf("no notice naming the deep file and the limit:\n%s", n)
	}
	if len(ev.Points) == 0 {
		t.Errorf("the good file was not served")
	}
	// at the limit the document is read
	if _, err := Parse([]byte(deepDocument(500)), time.Time{}); err != nil {
		t.Errorf("500 levels: %v", err)
	}
	if _, err := Parse([]byte(deepDocument(600)), time.Time{}); err == nil || !strings.Contains(err.Error(), "nested deeper than 512") {
		t.Errorf("600 levels: %v", err)
	}
}
