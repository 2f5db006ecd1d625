//go:build integration

// Package evidentlyintegration runs DTE Trust against a real Evidently UI service serving the
// generated workspace (testdata/evidently/current/workspace), exactly as Grafana calls the plugin.
// scripts/test-integration-evidently.sh starts the service and sets DTE_EVIDENTLY_UI_URL; run by
// hand without it, the tests fail rather than skip.
package evidentlyintegration

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

func uiURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("DTE_EVIDENTLY_UI_URL")
	if u == "" {
		t.Fatal("DTE_EVIDENTLY_UI_URL is not set: run scripts/test-integration-evidently.sh, which starts `evidently ui` over the generated workspace")
	}
	return u
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// snapshotExpect is one workspace snapshot in testdata/evidently/current/expected.json: the values
// Evidently reported when the generator made it.
type snapshotExpect struct {
	Path      string `json:"path"`
	Format    string `json:"format"`
	Timestamp string `json:"timestamp"`
	Model     string `json:"model"`
	Version   string `json:"version"`
	Values    []struct {
		Metric string            `json:"metric"`
		Labels map[string]string `json:"labels"`
		Value  float64           `json:"value"`
	} `json:"values"`
}

// expected returns, per snapshot time, the dataset-level values (no labels) by metric.
func expected(t *testing.T) map[time.Time]map[string]float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "testdata", "evidently", "current", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Files []snapshotExpect `json:"files"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[time.Time]map[string]float64{}
	for _, f := range doc.Files {
		if f.Format != "snapshot-model" || f.Model != "credit-risk-classifier" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, f.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]float64{}
		for _, v := range f.Values {
			if len(v.Labels) == 0 {
				m[v.Metric] = v.Value
			}
		}
		out[ts] = m
	}
	if len(out) < 7 {
		t.Fatalf("expected.json lists %d workspace snapshots", len(out))
	}
	return out
}

func newDS(t *testing.T, jsonData map[string]any) *plugin.Datasource {
	t.Helper()
	b, _ := json.Marshal(jsonData)
	ds, err := plugin.New(context.Background(), trust.Settings{JSONData: b})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Dispose)
	return ds
}

func query(t *testing.T, ds *plugin.Datasource, q map[string]any) backend.DataResponse {
	t.Helper()
	b, _ := json.Marshal(q)
	qt, _ := q["queryType"].(string)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{PluginID: plugin.PluginID},
		Queries: []backend.DataQuery{{RefID: "A", QueryType: qt, JSON: b,
			TimeRange: backend.TimeRange{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Now().Add(24 * time.Hour)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Responses["A"]
}

func frames(t *testing.T, r backend.DataResponse) data.Frames {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("query failed: %v", r.Error)
	}
	return r.Frames
}

// series reads timeseries-multi frames into time -> value for one metric.
func series(t *testing.T, fs data.Frames, metric string) map[time.Time]float64 {
	t.Helper()
	out := map[time.Time]float64{}
	for _, f := range fs {
		if len(f.Fields) != 2 || f.Fields[1].Labels["metric"] != metric {
			continue
		}
		for i := 0; i < f.Rows(); i++ {
			v, _ := f.Fields[1].FloatAt(i)
			out[f.Fields[0].At(i).(time.Time)] = v
		}
	}
	return out
}

func TestEvidentlyUIDriftQualityAccuracy(t *testing.T) {
	url := uiURL(t)
	want := expected(t)
	ds := newDS(t, map[string]any{"evidentlyUiUrl": url})

	// metrics the series carry come from one data_series_batch call per project; the test counts
	// need test statuses and come from downloaded snapshots: both must equal Evidently's numbers
	for _, c := range []struct{ queryType, metric string }{
		{trust.QueryDrift, "drift_share"}, {trust.QueryDrift, "drifted_columns"}, {trust.QueryDrift, "dataset_drift"},
		{trust.QueryQuality, "tests_failed"}, {trust.QueryQuality, "row_count"},
		{trust.QueryAccuracy, "accuracy"}, {trust.QueryAccuracy, "f1"},
	} {
		fs := frames(t, query(t, ds, map[string]any{"queryType": c.queryType, "metrics": []string{c.metric},
			"model": "credit-risk-classifier", "project": "credit-risk", "source": "evidently"}))
		got := series(t, fs, c.metric)
		if len(got) != len(want) {
			t.Errorf("%s: %d points from the UI, want %d snapshots", c.metric, len(got), len(want))
		}
		for ts, w := range want {
			if g, ok := got[ts]; !ok || g != w[c.metric] {
				t.Errorf("%s at %s = %v (present %v), Evidently reported %v", c.metric, ts, g, ok, w[c.metric])
			}
		}
	}

	// version filter: version 2 started on the 8th day
	fs := frames(t, query(t, ds, map[string]any{"queryType": "drift", "metrics": []string{"drift_share"}, "version": "2"}))
	if n := len(series(t, fs, "drift_share")); n != 3 {
		t.Errorf("version 2: %d snapshots, want 3", n)
	}

	// table: links open the snapshot in the Evidently UI
	fs = frames(t, query(t, ds, map[string]any{"queryType": "drift", "format": "table", "metrics": []string{"drift_share"}}))
	link, _ := fs[0].FieldByName("link")
	if link == nil || link.Len() == 0 {
		t.Fatal("no link column")
	}
	l := link.At(0).(string)
	if !strings.HasPrefix(l, url+"/projects/") || !strings.Contains(l, "/reports/") {
		t.Fatalf("link %q", l)
	}
	resp, err := http.Get(l)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %v %v", l, err, resp)
	}
	if resp != nil {
		resp.Body.Close()
	}

	// latest: one row per series (feature x model version), for alerting
	fs = frames(t, query(t, ds, map[string]any{"queryType": "drift", "format": "latest", "metrics": []string{"drift_score"}}))
	if fs[0].Meta == nil || fs[0].Meta.Type != data.FrameTypeNumericLong || fs[0].Rows() != 9 {
		t.Errorf("latest drift_score: %d rows (want 3 features x credit-risk-classifier v1 and v2 and churn-predictor v1)", fs[0].Rows())
	}
}

func TestEvidentlyUIVariablesAnnotationsHealth(t *testing.T) {
	url := uiURL(t)
	want := expected(t)
	ds := newDS(t, map[string]any{"evidentlyUiUrl": url})
	values := func(kind string) []string {
		fs := frames(t, query(t, ds, map[string]any{"queryType": "variable", "variable": kind, "source": "evidently"}))
		f, _ := fs[0].FieldByName("value")
		var out []string
		for i := 0; i < f.Len(); i++ {
			out = append(out, f.At(i).(string))
		}
		return out
	}
	if got := strings.Join(values("projects"), ","); got != "churn,credit-risk" {
		t.Errorf("projects %s", got)
	}
	if got := strings.Join(values("features"), ","); got != "age,contract,monthly_charges,region,tenure,utilization" {
		t.Errorf("features %s", got)
	}
	if got := strings.Join(values("versions"), ","); got != "1,2" {
		t.Errorf("versions %s", got)
	}
	drifted := 0
	for _, w := range want {
		if w["dataset_drift"] == 1 {
			drifted++
		}
	}
	fs := frames(t, query(t, ds, map[string]any{"queryType": "annotations", "annotation": "drift_detected"}))
	if fs[0].Rows() != drifted || drifted == 0 {
		t.Errorf("%d drift annotations, want %d", fs[0].Rows(), drifted)
	}
	h, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || h.Status != backend.HealthStatusOk || !strings.Contains(h.Message, "Evidently UI 0.7.") {
		t.Errorf("health %v %v", h, err)
	}
}

func TestEvidentlyUIUnreachable(t *testing.T) {
	_ = uiURL(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	ds := newDS(t, map[string]any{"evidentlyUiUrl": dead})
	r := query(t, ds, map[string]any{"queryType": "drift"})
	if r.Error == nil || !strings.Contains(r.Error.Error(), dead) || !strings.Contains(r.Error.Error(), "unreachable") {
		t.Errorf("unreachable UI: %v", r.Error)
	}
	h, _ := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if h.Status != backend.HealthStatusError || !strings.Contains(h.Message, dead) {
		t.Errorf("health %v", h)
	}
	// with files configured too, the files are served and the UI failure is a notice
	ws := filepath.Join(repoRoot(), "testdata", "evidently", "current", "workspace")
	ds = newDS(t, map[string]any{"evidentlyUiUrl": dead, "evidentlyWorkspaces": []string{ws}})
	fs := frames(t, query(t, ds, map[string]any{"queryType": "drift", "metrics": []string{"drift_share"}}))
	if len(series(t, fs, "drift_share")) == 0 {
		t.Fatal("workspace not served when the UI is down")
	}
	var texts []string
	for _, n := range fs[0].Meta.Notices {
		texts = append(texts, n.Text)
	}
	if !strings.Contains(strings.Join(texts, "\n"), dead) {
		t.Errorf("no notice naming the unreachable UI: %v", texts)
	}
}
