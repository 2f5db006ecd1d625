package mlflow

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// updateGolden rewrites the golden files; only UPDATE_GOLDEN=1 turns it on, so by default a
// difference fails the test.
var updateGolden = os.Getenv("UPDATE_GOLDEN") == "1"

// TestGoldenFrames checks whole responses of the accuracy, runs and models query types against
// testdata/*.jsonc. Links use mlflowUiUrl so that they do not depend on the fake's port.
func TestGoldenFrames(t *testing.T) {
	if updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	p := NewWithClient(newClient(t, srv, func(c *Config) { c.UIURL = "http://mlflow.example:5000" }))
	from := time.UnixMilli(mlflowtest.Base).UTC()
	to := from.AddDate(0, 0, 30)
	tests := []struct {
		name, queryType, js string
	}{
		{"accuracy_timeseries", "accuracy", `{"model":"credit-risk","metrics":["accuracy","f1"]}`},
		{"accuracy_latest", "accuracy", `{"model":"credit-risk","format":"latest"}`},
		{"accuracy_latest_alias_no_history", "accuracy", `{"model":"credit-risk","alias":"champion","format":"latest","history":false}`},
		{"accuracy_table", "accuracy", `{"experiments":["credit-risk"],"metrics":["f1"],"format":"table"}`},
		{"accuracy_missing_metric", "accuracy", `{"model":"churn","metrics":["rmse","auc"],"format":"latest"}`},
		{"runs", "runs", `{"experiments":["credit-risk"],"params":["model_type"],"tags":["team"]}`},
		{"models", "models", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := query(t, tt.queryType, tt.js)
			q.From, q.To = from, to
			var fs data.Frames
			var err error
			if tt.queryType == trust.QueryAccuracy {
				var ev *trust.Evidence
				ev, err = p.Collect(context.Background(), trust.Accuracy, q)
				if err == nil {
					fs = frames.Build(q.Format, ev)
				}
			} else {
				fs, err = tableFrames(p, q)
			}
			if err != nil {
				t.Fatal(err)
			}
			dr := backend.DataResponse{Frames: fs}
			experimental.CheckGoldenJSONResponse(t, "testdata", tt.name, &dr, updateGolden)
		})
	}
}
