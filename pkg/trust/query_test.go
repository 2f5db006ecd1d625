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
