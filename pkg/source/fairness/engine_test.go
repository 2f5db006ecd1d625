package fairness_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/source/fairness"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The engine serves fairness queries from this source: frames per DESIGN.md.
func TestEngineQuery(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"fairlearnPaths": []string{filepath.Join("..", "..", "..", "testdata", "fairlearn", "demo")}})
	p, err := fairness.New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.NewWith(10*time.Second, p)
	q, err := trust.ParseQuery([]byte(`{"queryType":"fairness","model":"credit-risk-classifier","metrics":["demographic_parity_difference"]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	fr, err := e.Query(context.Background(), &q)
	if err != nil {
		t.Fatal(err)
	}
	if len(fr) != 1 || fr[0].Rows() != 8 {
		t.Fatalf("frames %d, rows %d", len(fr), fr[0].Rows())
	}
	if name := fr[0].Fields[1].Config.DisplayNameFromDS; name != "credit-risk-classifier v2 demographic_parity_difference {sensitive_feature=sex}" {
		t.Errorf("display name %q", name)
	}
}
