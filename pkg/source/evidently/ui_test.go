package evidently

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fakeUI answers the Evidently UI routes the source reads, like evidently ui 0.7 does: project
// list, snapshot list (metadata, tags, naive timestamps) and download?report_format=json giving
// Snapshot.json() (here sample 05). It records the secret header it receives.
func fakeUI(t *testing.T, secret *atomic.Value, downloads *atomic.Int32) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile(samplesDir + "/05_v0.7.20_Snapshot_save_json_metric_name_config_tests.json")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"application":"Evidently UI","version":"0.7.21","commit":"-"}`))
	})
	mux.HandleFunc("GET /api/projects", func(w http.ResponseWriter, r *http.Request) {
		secret.Store(r.Header.Get("evidently-secret"))
		_, _ = w.Write([]byte(`[{"id":"p1","name":"bank-marketing","version":"2"},{"id":"p2","name":"broken"}]`))
	})
	mux.HandleFunc("GET /api/projects/p1/snapshots", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[
			{"id":"s1","name":null,"metadata":{"model":"bank","model_version":"7"},"tags":[],"timestamp":"2026-01-02T03:04:05.5"},
			{"id":"s2","name":null,"metadata":{},"tags":["model=bank","version=8"],"timestamp":"2026-01-09T03:04:05"},
			{"id":"s3","name":null,"metadata":{},"tags":[],"timestamp":"2020-01-01T00:00:00"}]`))
	})
	mux.HandleFunc("GET /api/projects/p2/snapshots", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"detail":"boom"}`, http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /api/projects/p1/{sid}/download", func(w http.ResponseWriter, r *http.Request) {
		downloads.Add(1)
		if r.URL.Query().Get("report_format") != "json" {
			http.Error(w, "html", http.StatusBadRequest)
			return
		}
		_, _ = w.Write(body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestUIService(t *testing.T) {
	var secret atomic.Value
	var downloads atomic.Int32
	srv := fakeUI(t, &secret, &downloads)
	p, err := New(context.Background(), trust.Settings{
		JSONData: json.RawMessage(`{"evidentlyUiUrl":"` + srv.URL + `/"}`),
		Secure:   map[string]string{"evidentlyUiSecret": "s3cret"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := &trust.Query{QueryType: "drift", Metrics: []string{"drift_share"}, From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	ev, err := p.Collect(ctx, trust.Drift, q)
	if err != nil {
		t.Fatal(err)
	}
	if secret.Load() != "s3cret" {
		t.Errorf("evidently-secret header %v", secret.Load())
	}
	if len(ev.Points) != 2 {
		t.Fatalf("points %v: want s1 and s2 (s3 is outside the range)", ev.Points)
	}
	first := ev.Points[0]
	if !first.Time.Equal(time.Date(2026, 1, 2, 3, 4, 5, 500000000, time.UTC)) || first.Value != 0.8421052631578947 ||
		first.Labels[trust.LabelModel] != "bank" || first.Labels[trust.LabelVersion] != "7" || first.Labels[trust.LabelProject] != "bank-marketing" {
		t.Errorf("first point %+v", first)
	}
	if first.Link != srv.URL+"/projects/p1/reports/s1" {
		t.Errorf("link %q", first.Link)
	}
	if ev.Points[1].Labels[trust.LabelVersion] != "8" {
		t.Errorf("version from tags: %v", ev.Points[1].Labels)
	}
	if n := notices(ev); !strings.Contains(n, "/api/projects/p2/snapshots: skipped project broken") || strings.Contains(n, "s3cret") {
		t.Errorf("notices: %s", n)
	}
	// snapshots never change: a second query downloads nothing
	before := downloads.Load()
	if _, err := p.Collect(ctx, trust.Quality, &trust.Query{QueryType: "quality", From: q.From, To: q.To}); err != nil {
		t.Fatal(err)
	}
	if before == 0 || downloads.Load() != before {
		t.Errorf("downloads %d -> %d: a server without data_series_batch is read by downloads, once", before, downloads.Load())
	}
	msg, err := p.CheckHealth(ctx)
	if err != nil || !strings.Contains(msg, "Evidently UI 0.7.21") {
		t.Errorf("health %q %v", msg, err)
	}
}

func TestUIUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	p, err := NewFromConfig(Config{UIURL: dead}, "secret-value", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: "drift"})
	if err == nil || !trust.IsUpstream(err) || !strings.Contains(err.Error(), dead+"/api/projects: unreachable") || strings.Contains(err.Error(), "secret-value") {
		t.Fatalf("error %v", err)
	}
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), dead) {
		t.Errorf("health %v", err)
	}
	if _, err := NewFromConfig(Config{UIURL: "ftp://x"}, "", nil); err == nil {
		t.Error("a non-http UI URL was accepted")
	}
}

// TestUIDataSeries answers from data_series_batch (the answer below has the shape evidently ui
// 0.7.21 gives for the generated workspace) without downloading any snapshot.
func TestUIDataSeries(t *testing.T) {
	var downloads atomic.Int32
	var gotRange atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/projects", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`[{"id":"p1","name":"credit-risk"}]`))
	})
	mux.HandleFunc("POST /api/v2/snapshots/p1/data_series_batch", func(w http.ResponseWriter, r *http.Request) {
		gotRange.Store(r.URL.Query().Get("timestamp_start") + "/" + r.URL.Query().Get("timestamp_end"))
		w.WriteHeader(http.StatusCreated) // as litestar answers a POST
		_, _ = w.Write([]byte(`{"sources": [
		  {"snapshot_id": "s8", "timestamp": "2026-11-08T06:00:00", "tags": ["model=credit-risk-classifier", "version=2"], "metadata": {}},
		  {"snapshot_id": "s9", "timestamp": "2026-11-09T06:00:00", "tags": [], "metadata": {"model": "credit-risk-classifier", "model_version": "2"}}],
		 "series": [
		  {"metric_type": "evidently:metric_v2:DriftedColumnsCount", "filter_index": 0, "params": {"value_type": "count", "drift_share": "0.5"}, "values": [2.0, 1.0]},
		  {"metric_type": "evidently:metric_v2:DriftedColumnsCount", "filter_index": 0, "params": {"value_type": "share", "drift_share": "0.5"}, "values": [0.6666666666666666, 0.3333333333333333]},
		  {"metric_type": "evidently:metric_v2:ValueDrift", "filter_index": 0, "params": {"column": "age", "method": "K-S p_value", "threshold": "0.05"}, "values": [0.17977713226781433, null]},
		  {"metric_type": "evidently:metric_v2:UniqueValueCount", "filter_index": 0, "params": {"column": "region", "label": "north", "value_type": "share"}, "values": [0.25, 0.5]},
		  {"metric_type": "evidently:metric_v2:Accuracy", "filter_index": 0, "params": {"classification_name": "default"}, "values": [0.65, 0.55]}]}`))
	})
	mux.HandleFunc("GET /api/projects/p1/{sid}/download", func(w http.ResponseWriter, r *http.Request) { downloads.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, err := NewFromConfig(Config{UIURL: srv.URL}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	from, to := time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	ev, err := p.Collect(ctx, trust.Drift, &trust.Query{QueryType: "drift", Metrics: []string{"drift_share", "dataset_drift", "drift_score"}, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if gotRange.Load() != "2026-11-08T00:00:00/2026-11-10T00:00:00" {
		t.Errorf("range sent %v", gotRange.Load())
	}
	want := map[string]float64{
		"s8 drift_share": 0.6666666666666666, "s9 drift_share": 0.3333333333333333,
		"s8 dataset_drift": 1, "s9 dataset_drift": 0, "s8 drift_score": 0.17977713226781433,
	}
	got := map[string]float64{}
	for _, pt := range ev.Points {
		sid := pt.Link[strings.LastIndex(pt.Link, "/")+1:]
		got[sid+" "+pt.Metric] = pt.Value
		if pt.Labels[trust.LabelModel] != "credit-risk-classifier" || pt.Labels[trust.LabelVersion] != "2" || pt.Labels[trust.LabelProject] != "credit-risk" {
			t.Errorf("labels %v", pt.Labels)
		}
		if pt.Metric == "drift_score" && (pt.Labels[LabelMethod] != "K-S p_value" || *pt.Threshold != 0.05) {
			t.Errorf("drift_score %+v", pt)
		}
	}
	if len(got) != len(want) {
		t.Errorf("points %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	evq, _ := p.Collect(ctx, trust.Quality, &trust.Query{QueryType: "quality", Metrics: []string{"unique_value_count_share"}, From: from, To: to})
	if len(evq.Points) != 2 || evq.Points[0].Labels[LabelValue] != "north" {
		t.Errorf("by-label shares %+v", evq.Points)
	}
	if downloads.Load() != 0 {
		t.Errorf("%d snapshot downloads: the series answer the query alone", downloads.Load())
	}
}
