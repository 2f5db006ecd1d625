package fairness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestOverallCountNoticed: an overall count (MetricFrame.overall["count"] in hand-built JSON) is not
// a point (count is a by-group metric), and the answer says so instead of dropping it silently.
func TestOverallCountNoticed(t *testing.T) {
	dir := t.TempDir()
	doc := `{"model": "m", "version": "1", "timestamp": "2026-06-01T00:00:00Z", "sensitive_features": ["sex"],
	  "overall": {"selection_rate": 0.5, "count": 1000},
	  "by_group": {"F": {"selection_rate": 0.4, "count": 400}, "M": {"selection_rate": 0.57, "count": 600}}}`
	if err := os.WriteFile(filepath.Join(dir, "eval.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{dir}})
	ev := collect(t, p, trust.Query{})
	ev.Flatten()
	var groups int
	for _, pt := range ev.Points {
		if pt.Metric == countMetric {
			if pt.Labels[trust.LabelGroup] == "" {
				t.Errorf("an overall count point: %+v", pt)
			}
			groups++
		}
	}
	if groups != 2 {
		t.Errorf("%d group count points, want 2", groups)
	}
	found := false
	for _, n := range ev.Notices {
		found = found || strings.Contains(n.Message, "overall count (1000 rows) is not served")
	}
	if !found {
		t.Errorf("no notice for the overall count; notices %v", ev.Notices)
	}
	// A query for other metrics does not hear about it.
	ev = collect(t, p, trust.Query{Metrics: []string{"selection_rate"}})
	for _, n := range ev.Notices {
		if strings.Contains(n.Message, "overall count") {
			t.Errorf("notice for a query that did not ask for count: %v", n)
		}
	}
}
