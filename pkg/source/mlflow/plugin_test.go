package mlflow_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestThroughThePluginHost runs queries the way Grafana does: settings -> plugin.New -> QueryData.
func TestThroughThePluginHost(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{Version: "3.1.0", User: "grafana", Password: "pw-123456"})
	settings := trust.Settings{
		JSONData: json.RawMessage(`{"mlflowUrl":"` + srv.URL + `","mlflowAuth":"basic","mlflowUser":"grafana","timeoutSeconds":10}`),
		Secure:   map[string]string{"mlflowPassword": "pw-123456"},
	}
	ctx := context.Background()
	ds, err := plugin.New(ctx, settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Dispose)

	from := time.UnixMilli(mlflowtest.Base).UTC()
	tr := backend.TimeRange{From: from, To: from.AddDate(0, 0, 30)}
	req := &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "A", QueryType: "accuracy", TimeRange: tr, JSON: []byte(`{"queryType":"accuracy","model":"credit-risk","metrics":["accuracy","f1"]}`)},
		{RefID: "B", QueryType: "accuracy", TimeRange: tr, JSON: []byte(`{"model":"credit-risk","alias":"champion","format":"latest"}`)},
		{RefID: "C", QueryType: "accuracy", TimeRange: tr, JSON: []byte(`{"model":"nope-model"}`)},
		{RefID: "D", QueryType: "runs", TimeRange: tr, JSON: []byte(`{"experiments":["credit-risk"]}`)},
		{RefID: "E", QueryType: "models", TimeRange: tr, JSON: []byte(`{"model":"credit-risk"}`)},
		{RefID: "F", QueryType: "variable", TimeRange: tr, JSON: []byte(`{"variable":"versions","model":"credit-risk"}`)},
		{RefID: "G", QueryType: "annotations", TimeRange: tr, JSON: []byte(`{"annotation":"model_versions","model":"credit-risk"}`)},
	}}
	resp, err := ds.QueryData(ctx, req)
	if err != nil {
		t.Fatal(err)
	}

	// A: one timeseries-multi frame per version and metric, value labels and display names.
	a := resp.Responses["A"]
	if a.Error != nil {
		t.Fatal(a.Error)
	}
	if len(a.Frames) != 6 {
		t.Fatalf("A: %d frames, want 6 (3 versions x 2 metrics)", len(a.Frames))
	}
	nan := 0
	for _, f := range a.Frames {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti || len(f.Fields) != 2 {
			t.Fatalf("A: frame %s meta %+v", f.Name, f.Meta)
		}
		l := f.Fields[1].Labels
		if l["model"] != "credit-risk" || l["source"] != "mlflow" || l["dimension"] != "accuracy" || l["run_id"] == "" {
			t.Errorf("A: labels %v", l)
		}
		if !strings.HasPrefix(f.Fields[1].Config.DisplayNameFromDS, "credit-risk v") {
			t.Errorf("A: display name %q", f.Fields[1].Config.DisplayNameFromDS)
		}
		for i := 0; i < f.Fields[1].Len(); i++ {
			if math.IsNaN(f.Fields[1].At(i).(float64)) {
				nan++
			}
		}
	}
	if nan != 1 {
		t.Errorf("A: %d NaN values, want 1", nan)
	}

	// B: numeric-long with the alias label, one row per metric.
	b := resp.Responses["B"]
	if b.Error != nil || len(b.Frames) != 1 || b.Frames[0].Meta.Type != data.FrameTypeNumericLong {
		t.Fatalf("B: %v %v", b.Error, b.Frames)
	}
	if n, _ := b.Frames[0].RowLen(); n != 3 {
		t.Errorf("B: %d rows", n)
	}
	if f, _ := b.Frames[0].FieldByName("alias"); f == nil || f.At(0) != "champion" {
		t.Errorf("B: no alias column")
	}

	// C: an unknown model is a downstream error naming it.
	c := resp.Responses["C"]
	if c.Error == nil || !strings.Contains(c.Error.Error(), `registered model "nope-model" not found`) || c.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("C: %v (%s)", c.Error, c.ErrorSource)
	}
	if strings.Contains(c.Error.Error(), "pw-123456") {
		t.Errorf("C leaks the password")
	}

	for _, ref := range []string{"D", "E", "F", "G"} {
		r := resp.Responses[ref]
		if r.Error != nil || len(r.Frames) != 1 {
			t.Fatalf("%s: %v", ref, r.Error)
		}
		if n, _ := r.Frames[0].RowLen(); n != 3 {
			t.Errorf("%s: %d rows, want 3", ref, n)
		}
	}

	health, err := ds.CheckHealth(ctx, &backend.CheckHealthRequest{})
	if err != nil || health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "MLflow 3.1.0 at "+srv.URL) {
		t.Errorf("health: %+v, %v", health, err)
	}
}

// TestPluginHostWithoutMLflow checks that an absent mlflowUrl leaves MLflow out (no typed-nil
// provider) and that invalid settings reach the health check.
func TestPluginHostWithoutMLflow(t *testing.T) {
	ctx := context.Background()
	ds, err := plugin.New(ctx, trust.Settings{JSONData: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if p := ds.Engine.Provider("mlflow"); p != nil {
		t.Fatalf("mlflow provider present without mlflowUrl: %#v", p)
	}
	bad, err := plugin.New(ctx, trust.Settings{JSONData: json.RawMessage(`{"mlflowUrl":"mlflow:5000"}`)})
	if err != nil {
		t.Fatal(err)
	}
	health, _ := bad.CheckHealth(ctx, &backend.CheckHealthRequest{})
	if health.Status != backend.HealthStatusError || !strings.Contains(health.Message, "mlflowUrl") {
		t.Errorf("health: %+v", health)
	}
}
