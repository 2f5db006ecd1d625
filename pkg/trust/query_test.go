package trust

import (
	"strings"
	"testing"
	"time"
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

func TestParseQueryStaleAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": DefaultStaleAfter, "30d": 30 * 24 * time.Hour, " 36h ": 36 * time.Hour, "2w": 14 * 24 * time.Hour, "1y": 8766 * time.Hour, /* Grafana: 365.25 days */
		"12h": 12 * time.Hour, "90m": 90 * time.Minute, "1h30m": 90 * time.Minute,
	} {
		q, err := ParseQuery([]byte(`{"queryType":"freshness","staleAfter":"`+in+`","dimensions":[" fairness ",""]}`), "")
		if err != nil {
			t.Fatalf("staleAfter %q: %v", in, err)
		}
		if d, err := q.StaleAfterDuration(); err != nil || d != want {
			t.Errorf("staleAfter %q = %v, %v, want %v", in, d, err, want)
		}
		if len(q.Dimensions) != 1 || q.Dimensions[0] != "fairness" {
			t.Errorf("dimensions %q", q.Dimensions)
		}
	}
	for _, bad := range []string{"thirty days", "30", "-1d", "0s", "30x", "1.5d", "1000000000d", "999999999999999y"} {
		_, err := ParseQuery([]byte(`{"queryType":"freshness","staleAfter":"`+bad+`"}`), "")
		if err == nil || !strings.Contains(err.Error(), `staleAfter "`+bad+`": use a positive duration`) {
			t.Errorf("staleAfter %q: %v", bad, err)
		}
	}
}
