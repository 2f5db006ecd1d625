package trust

import (
	"strings"
	"testing"
)

func TestParseQueryDepthLimit(t *testing.T) {
	deep := `{"queryType": "drift", "x": ` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`
	if _, err := ParseQuery([]byte(deep), ""); err == nil || !strings.Contains(err.Error(), "malformed query JSON: JSON nested deeper than 512 levels") {
		t.Errorf("a deep query: %v", err)
	}
	q, err := ParseQuery([]byte(`{"queryType": "drift", "x": [[[]]], "metrics": [" a ", "$__all"]}`), "")
	if err != nil || q.QueryType != "drift" || len(q.Metrics) != 1 || q.Metrics[0] != "a" {
		t.Errorf("a query: %+v %v", q, err)
	}
}

func TestParseQueryStageAndDriftShareThreshold(t *testing.T) {
	q, err := ParseQuery([]byte(`{"queryType":"models","stage":" Production "}`), "")
	if err != nil || q.Stage != "Production" {
		t.Fatalf("stage %q, %v", q.Stage, err)
	}
	q, err = ParseQuery([]byte(`{"queryType":"drift","driftShareThreshold":0.3}`), "")
	if err != nil || q.DriftShareThreshold == nil || *q.DriftShareThreshold != 0.3 {
		t.Fatalf("driftShareThreshold %v, %v", q.DriftShareThreshold, err)
	}
	for _, bad := range []string{`-0.1`, `1.5`} {
		if _, err := ParseQuery([]byte(`{"queryType":"drift","driftShareThreshold":`+bad+`}`), ""); err == nil || !strings.Contains(err.Error(), "between 0 and 1") {
			t.Errorf("driftShareThreshold %s: %v", bad, err)
		}
	}
}
