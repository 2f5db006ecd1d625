package mlflow

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

func TestSearchRunsPaginatesToTheEnd(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Many(2500, 1, 1), mlflowtest.Options{})
	c := newClient(t, srv)
	tests := []struct {
		name      string
		limit     int
		wantRuns  int
		wantPages int
	}{
		{"all", 0, 2500, 3},
		{"limit below a page", 10, 10, 1},
		{"limit across pages", 1500, 1500, 2},
		{"limit above total", 9999, 2500, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCounts()
			runs, err := c.SearchRuns(context.Background(), RunsSearch{ExperimentIDs: []string{"1"}, Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != tt.wantRuns {
				t.Errorf("got %d runs, want %d", len(runs), tt.wantRuns)
			}
			if n := srv.Count("runs/search"); n != tt.wantPages {
				t.Errorf("got %d pages, want %d", n, tt.wantPages)
			}
			seen := map[string]bool{}
			for i, r := range runs {
				if seen[r.Info.RunID] {
					t.Fatalf("run %s twice", r.Info.RunID)
				}
				seen[r.Info.RunID] = true
				if i > 0 && r.Info.StartTime > runs[i-1].Info.StartTime {
					t.Fatalf("not most recent first at %d", i)
				}
			}
		})
	}
}

func TestSearchRunsSendsMaxResultsExplicitly(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Many(5, 1, 1), mlflowtest.Options{})
	var bodies []string
	var mu sync.Mutex
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "runs/search") {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
		}
		return false
	})
	c := newClient(t, srv)
	runs, err := c.SearchRuns(context.Background(), RunsSearch{ExperimentIDs: []string{"1"}, Filter: "params.i = '3'", OrderBy: []string{"attributes.start_time DESC"}})
	if err != nil || len(runs) != 1 || runs[0].Data.Param("i") != "3" {
		t.Fatalf("got %d runs, %v", len(runs), err)
	}
	want := `{"experiment_ids":["1"],"filter":"params.i = '3'","run_view_type":"ACTIVE_ONLY","max_results":1000,"order_by":["attributes.start_time DESC"]}`
	if len(bodies) != 1 || bodies[0] != want {
		t.Errorf("body %v, want %s", bodies, want)
	}
	// A server with a small ceiling rejects big pages: the error names endpoint, server and code.
	small := mlflowtest.New(t, mlflowtest.Many(5, 1, 1), mlflowtest.Options{MaxRunsPerPage: 500})
	_, err = newClient(t, small).SearchRuns(context.Background(), RunsSearch{ExperimentIDs: []string{"1"}})
	prefix := fmt.Sprintf("mlflow runs/search at %s: 400 INVALID_PARAMETER_VALUE: Invalid value 1000 for parameter 'max_results'", small.URL)
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !trust.IsUpstream(err) {
		t.Fatalf("got %v, want prefix %q", err, prefix)
	}
	// A filter the server rejects comes back with its message.
	_, err = c.SearchRuns(context.Background(), RunsSearch{ExperimentIDs: []string{"1"}, Filter: "bogus.x = 1"})
	if err == nil || !strings.Contains(err.Error(), "400 INVALID_PARAMETER_VALUE: Invalid entity type 'bogus'") {
		t.Fatalf("got %v", err)
	}
}

func TestRetryOn429HonoursRetryAfter(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	var calls atomic.Int32
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "experiments/search") && calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"Too many requests"}`))
			return true
		}
		return false
	})
	c := newClient(t, srv)
	start := time.Now()
	exps, err := c.SearchExperiments(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(exps) != 2 || calls.Load() != 2 {
		t.Errorf("got %d experiments after %d calls", len(exps), calls.Load())
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("retried after %s, before Retry-After: 1", el)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{"0", 0, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"Wed, 01 Jan 2025 12:00:05 GMT", 5 * time.Second, true},
		{"Wed, 01 Jan 2025 11:00:00 GMT", 0, true},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRetriesExhaustedOn503(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	var calls atomic.Int32
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		calls.Add(1)
		http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
		return true
	})
	c := newClient(t, srv)
	_, err := c.GetRun(context.Background(), "r1")
	if err == nil {
		t.Fatal("want an error")
	}
	if calls.Load() != int32(c.maxAttempts) {
		t.Errorf("%d calls, want %d", calls.Load(), c.maxAttempts)
	}
	for _, part := range []string{"mlflow runs/get at " + srv.URL, "503", "gave up after 4 attempts"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("%q lacks %q", err, part)
		}
	}
	if !trust.IsUpstream(err) || StatusCode(err) != 503 {
		t.Errorf("not an upstream 503: %v", err)
	}
}

func TestRetryOnConnectionReset(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	var calls atomic.Int32
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if calls.Add(1) <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST instead of FIN
				}
				_ = conn.Close()
			}
			return true
		}
		return false
	})
	c := newClient(t, srv)
	run, err := c.GetRun(context.Background(), mlflowtest.RunBaseline)
	if err != nil {
		t.Fatal(err)
	}
	if run.Info.RunName != "baseline" || calls.Load() != 3 {
		t.Errorf("run %q after %d calls", run.Info.RunName, calls.Load())
	}
}

func TestRetryAfterBeyondDeadlineGivesUp(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	c := newClient(t, srv)
	start := time.Now()
	_, err := c.GetRun(ctxTimeout(t, 2*time.Second), "r")
	if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "beyond the query deadline") {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("waited %s instead of giving up", time.Since(start))
	}
}

func TestContextCancelledMidPagination(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Many(2500, 1, 1), mlflowtest.Options{})
	var pages atomic.Int32
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "runs/search") && pages.Add(1) == 2 {
			select { // the second page hangs until the test ends
			case <-release:
			case <-r.Context().Done():
			}
			return true
		}
		return false
	})
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	err := c.SearchRunsPages(ctx, RunsSearch{ExperimentIDs: []string{"1"}}, func(page []Run) error {
		time.AfterFunc(50*time.Millisecond, cancel)
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("returned after %s", el)
	}
}

func TestServerSlowerThanTimeout(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	c := newClient(t, srv, func(c *Config) { c.TimeoutSeconds = 0.2 })
	start := time.Now()
	_, err := c.SearchExperiments(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "no answer within 200ms") || !strings.Contains(err.Error(), "timeoutSeconds") {
		t.Fatalf("got %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s", el)
	}
	// The query deadline (context) is reported as such and stays recognisable.
	c2 := newClient(t, srv)
	_, err = c2.SearchExperiments(ctxTimeout(t, 150*time.Millisecond), "")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("got %v", err)
	}
}

func TestMetricHistoriesBulkAndFallback(t *testing.T) {
	store := mlflowtest.Many(250, 2, 3)
	runIDs := make([]string, len(store.Runs))
	for i, r := range store.Runs {
		runIDs[i] = r.ID
	}
	tests := []struct {
		name        string
		opts        mlflowtest.Options
		wantBulk    int // bulk calls for one key
		wantPerRun  int
		wantSupport bool
	}{
		{"bulk present", mlflowtest.Options{}, 3, 0, true},
		{"bulk absent (404)", mlflowtest.Options{NoBulk: true}, 1, 250, false},
		{"old server, 20 runs per call", mlflowtest.Options{BulkMaxRuns: 20}, 1 + 13, 0, true},
		{"paginated get-history", mlflowtest.Options{NoBulk: true, HistoryPageSize: 2}, 1, 500, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mlflowtest.New(t, store, tt.opts)
			c := newClient(t, srv)
			ms, err := c.MetricHistories(context.Background(), runIDs, "metric_1")
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 250*3 {
				t.Errorf("got %d values, want 750", len(ms))
			}
			perRun := map[string]int{}
			for _, m := range ms {
				perRun[m.RunID]++
				if m.Key != "metric_1" {
					t.Fatalf("key %q", m.Key)
				}
			}
			if len(perRun) != 250 {
				t.Errorf("values for %d runs", len(perRun))
			}
			if got := srv.Count("get-history-bulk"); got != tt.wantBulk {
				t.Errorf("bulk calls %d, want %d", got, tt.wantBulk)
			}
			if got := srv.Count("metrics/get-history"); got != tt.wantPerRun {
				t.Errorf("get-history calls %d, want %d", got, tt.wantPerRun)
			}
			if sup, known := c.BulkHistorySupported(); !known || sup != tt.wantSupport {
				t.Errorf("support %v known %v", sup, known)
			}
			// The outcome is remembered: a second key makes no failed bulk call.
			srv.ResetCounts()
			if _, err := c.MetricHistories(context.Background(), runIDs[:5], "metric_0"); err != nil {
				t.Fatal(err)
			}
			if !tt.wantSupport && srv.Count("get-history-bulk") != 0 {
				t.Errorf("bulk asked again after it was found missing")
			}
		})
	}
}

func TestMetricHistoriesTruncatedBulk(t *testing.T) {
	store := mlflowtest.Many(10, 1, 7)
	runIDs := make([]string, len(store.Runs))
	for i, r := range store.Runs {
		runIDs[i] = r.ID
	}
	// Answers cut at 20 values: 2 complete runs and part of a third per call.
	srv := mlflowtest.New(t, store, mlflowtest.Options{BulkMaxResults: 20})
	c := newClient(t, srv)
	c.bulkLimit = 20 // the server's cut, 25 000 on a real server
	ms, err := c.MetricHistories(context.Background(), runIDs, "metric_0")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 70 {
		t.Fatalf("got %d values, want 70", len(ms))
	}
	count := map[string]int{}
	for _, m := range ms {
		count[m.RunID]++
	}
	for _, id := range runIDs {
		if count[id] != 7 {
			t.Errorf("run %s: %d values, want 7", id, count[id])
		}
	}
	// One run alone larger than an answer is paged through get-history.
	big := mlflowtest.Many(2, 1, 30)
	srv2 := mlflowtest.New(t, big, mlflowtest.Options{BulkMaxResults: 20})
	c2 := newClient(t, srv2)
	c2.bulkLimit = 20
	ms, err = c2.MetricHistories(context.Background(), []string{big.Runs[0].ID, big.Runs[1].ID}, "metric_0")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 60 || srv2.Count("metrics/get-history") != 2 {
		t.Errorf("got %d values with %d get-history calls", len(ms), srv2.Count("metrics/get-history"))
	}
}

func TestBulkNaNAndHistoryNaN(t *testing.T) {
	store := mlflowtest.Demo()
	for _, noBulk := range []bool{false, true} {
		srv := mlflowtest.New(t, store, mlflowtest.Options{NoBulk: noBulk})
		c := newClient(t, srv)
		ms, err := c.MetricHistories(context.Background(), []string{mlflowtest.RunXGB1}, "f1")
		if err != nil {
			t.Fatalf("noBulk=%v: %v", noBulk, err)
		}
		if len(ms) != 3 || !math.IsNaN(float64(ms[2].Value)) || ms[0].Value != 0.8 {
			t.Errorf("noBulk=%v: %+v", noBulk, ms)
		}
	}
}

func TestNotMLflow(t *testing.T) {
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Grafana</body></html>"))
	}))
	t.Cleanup(html.Close)
	c, err := NewClient(Config{URL: html.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SearchExperiments(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "this does not look like an MLflow server") || !strings.Contains(err.Error(), "HTML page") {
		t.Fatalf("HTML 200: got %v", err)
	}
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	c, _ = NewClient(Config{URL: notFound.URL})
	_, err = c.SearchExperiments(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "this does not look like an MLflow server") {
		t.Fatalf("404: got %v", err)
	}
	for name, h := range map[string]http.HandlerFunc{
		"another JSON API": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"ok","items":[]}`))
		},
		"python http.server": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html;charset=utf-8")
			w.WriteHeader(http.StatusNotImplemented)
			_, _ = w.Write([]byte("<html><body><h1>Error response</h1><p>Error code: 501</p></body></html>"))
		},
		"GET only": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusMethodNotAllowed)
		},
	} {
		other := httptest.NewServer(h)
		t.Cleanup(other.Close)
		c, _ = NewClient(Config{URL: other.URL})
		_, err = c.SearchExperiments(context.Background(), "")
		if err == nil || !strings.Contains(err.Error(), "this does not look like an MLflow server") || strings.Contains(err.Error(), "<html") {
			t.Errorf("%s: got %v", name, err)
		}
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"experiments": "nope"}`))
	}))
	t.Cleanup(garbage.Close)
	c, _ = NewClient(Config{URL: garbage.URL})
	_, err = c.SearchExperiments(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "not the JSON MLflow sends") {
		t.Fatalf("bad JSON: got %v", err)
	}
}

func TestAuthFailuresAndSecrets(t *testing.T) {
	tests := []struct {
		name    string
		opts    mlflowtest.Options
		cfg     func(*Config)
		status  int
		errPart string
	}{
		{
			name: "basic wrong password", opts: mlflowtest.Options{User: "alice", Password: "right"},
			cfg:    func(c *Config) { c.Auth, c.User, c.Password = "basic", "alice", testPassword },
			status: 401, errPart: "check mlflowUser/mlflowPassword or token (mlflowAuth is basic)",
		},
		{
			name: "bearer wrong token", opts: mlflowtest.Options{Token: "right"},
			cfg:    func(c *Config) { c.Auth, c.Token = "bearer", testToken },
			status: 401, errPart: "check mlflowUser/mlflowPassword or token",
		},
		{
			name: "no credentials", opts: mlflowtest.Options{User: "alice", Password: "right"},
			status: 401, errPart: "mlflowAuth is none",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mlflowtest.New(t, mlflowtest.Demo(), tt.opts)
			mods := []func(*Config){func(c *Config) { c.Headers = []Header{{"X-Api-Key", testHeader}} }}
			if tt.cfg != nil {
				mods = append(mods, tt.cfg)
			}
			c := newClient(t, srv, mods...)
			_, err := c.SearchExperiments(context.Background(), "")
			if err == nil || StatusCode(err) != tt.status || !strings.Contains(err.Error(), tt.errPart) {
				t.Fatalf("got %v", err)
			}
			assertNoSecrets(t, err)
		})
	}
	// 403, with a server that echoes the credentials it received in its message.
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"error_code":"PERMISSION_DENIED","message":"Permission denied for %s / %s"}`, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
		return true
	})
	c := newClient(t, srv, func(c *Config) {
		c.Auth, c.User, c.Password = "basic", "alice", testPassword
		c.Headers = []Header{{"X-Api-Key", testHeader}}
	})
	_, err := c.GetRun(context.Background(), "r")
	if err == nil || !strings.Contains(err.Error(), "403 PERMISSION_DENIED") || !strings.Contains(err.Error(), "permission denied: check mlflowUser/mlflowPassword or token") {
		t.Fatalf("got %v", err)
	}
	assertNoSecrets(t, err)
	// And the right credentials work.
	ok := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{Token: testToken})
	if _, err := newClient(t, ok, func(c *Config) { c.Auth, c.Token = "bearer", testToken }).SearchExperiments(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
}

func TestTransportErrors(t *testing.T) {
	// Connection refused: a port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, _ := NewClient(Config{URL: "http://" + addr, Auth: "basic", User: "u", Password: testPassword})
	_, err = c.SearchExperiments(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "mlflow experiments/search at http://"+addr) {
		t.Fatalf("refused: got %v", err)
	}
	assertNoSecrets(t, err)

	// DNS failure (.invalid never resolves).
	c, _ = NewClient(Config{URL: "http://mlflow.invalid:5000"})
	_, err = c.SearchExperiments(ctxTimeout(t, 10*time.Second), "")
	if err == nil || !strings.Contains(err.Error(), `cannot resolve host "mlflow.invalid"`) {
		t.Fatalf("dns: got %v", err)
	}

	// TLS: a self-signed certificate, then the same server trusted through tlsCACert.
	srv := mlflowtest.NewUnstarted(mlflowtest.Demo(), mlflowtest.Options{})
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, _ = NewClient(Config{URL: srv.URL, Auth: "bearer", Token: testToken})
	_, err = c.SearchExperiments(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "TLS certificate error") || !strings.Contains(err.Error(), "tlsCACert") {
		t.Fatalf("tls: got %v", err)
	}
	assertNoSecrets(t, err)
	pemCert := certPEM(srv.Certificate().Raw)
	c, err = NewClient(Config{URL: srv.URL, TLSAuthWithCACert: true, CACert: pemCert})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SearchExperiments(context.Background(), ""); err != nil {
		t.Fatalf("with CA: %v", err)
	}
	c, _ = NewClient(Config{URL: srv.URL, TLSSkipVerify: true})
	if _, err := c.SearchExperiments(context.Background(), ""); err != nil {
		t.Fatalf("skip verify: %v", err)
	}
	// https:// toward a plain HTTP server.
	plain := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	c, _ = NewClient(Config{URL: strings.Replace(plain.URL, "http://", "https://", 1)})
	_, err = c.SearchExperiments(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "use http:// instead of https://") {
		t.Fatalf("https to http: got %v", err)
	}
}

func TestUnknownEntitiesAreNamed(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	c := newClient(t, srv)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"experiment", func() error { _, err := c.GetExperimentByName(ctx, "nope-exp"); return err }, `experiment "nope-exp" not found`},
		{"model", func() error { _, err := c.GetRegisteredModel(ctx, "nope-model"); return err }, `registered model "nope-model" not found`},
		{"alias", func() error { _, err := c.GetModelVersionByAlias(ctx, "credit-risk", "nope-alias"); return err }, `alias "nope-alias" of registered model "credit-risk" not found`},
		{"alias of unknown model", func() error { _, err := c.GetModelVersionByAlias(ctx, "nope-model", "champion"); return err }, `registered model "nope-model" not found`},
		{"version", func() error { _, err := c.GetModelVersion(ctx, "credit-risk", "42"); return err }, `version "42" of registered model "credit-risk" not found`},
		{"run", func() error { _, err := c.GetRun(ctx, "nope-run"); return err }, `run "nope-run" not found`},
		{"logged model", func() error { _, err := c.GetLoggedModel(ctx, "m-404"); return err }, `logged model "m-404" not found`},
		{"artifact", func() error { _, err := c.ReadArtifact(ctx, mlflowtest.RunBaseline, "nope.json", 0); return err }, `artifact "nope.json" of run ` + mlflowtest.RunBaseline + " not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if !IsNotFound(err) || !trust.IsUpstream(err) {
				t.Errorf("IsNotFound %v, IsUpstream %v", IsNotFound(err), trust.IsUpstream(err))
			}
			if !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("does not name the server: %v", err)
			}
		})
	}
}

func TestRegistryAndLoggedModels(t *testing.T) {
	store := mlflowtest.Demo()
	for i := 0; i < 120; i++ {
		store.LoggedModels = append(store.LoggedModels, &mlflowtest.LoggedModel{ID: fmt.Sprintf("m-%032d", i), ExperimentID: "1", Name: "model"})
	}
	for i := 0; i < 1500; i++ {
		store.Versions = append(store.Versions, &mlflowtest.Version{Model: "big", Version: fmt.Sprint(i + 1)})
	}
	srv := mlflowtest.New(t, store, mlflowtest.Options{})
	c := newClient(t, srv)
	ctx := context.Background()
	lms, err := c.SearchLoggedModels(ctx, LoggedModelsSearch{ExperimentIDs: []string{"1"}})
	if err != nil || len(lms) != 120 || srv.Count("logged-models/search") != 3 {
		t.Fatalf("logged models: %d, %v, %d calls", len(lms), err, srv.Count("logged-models/search"))
	}
	lms, err = c.SearchLoggedModels(ctx, LoggedModelsSearch{ExperimentIDs: []string{"1"}, Limit: 60})
	if err != nil || len(lms) != 60 {
		t.Fatalf("limited: %d, %v", len(lms), err)
	}
	vs, err := c.SearchModelVersions(ctx, NameFilter("big"))
	if err != nil || len(vs) != 1500 {
		t.Fatalf("versions: %d, %v", len(vs), err)
	}
	mv, err := c.GetModelVersionByAlias(ctx, "credit-risk", "champion")
	if err != nil || mv.Version != "3" || mv.RunID != mlflowtest.RunXGB2 {
		t.Fatalf("alias: %+v, %v", mv, err)
	}
	if NameFilter("it's") != `name="it's"` || NameFilter("a") != "name='a'" {
		t.Errorf("NameFilter quoting: %s", NameFilter("it's"))
	}
}

func TestArtifacts(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	c := newClient(t, srv)
	ctx := context.Background()
	root, err := c.ListArtifacts(ctx, mlflowtest.RunBaseline, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(t, root); got != `[{"path":"evidently","is_dir":true},{"path":"fairness","is_dir":true},{"path":"model","is_dir":true}]` {
		t.Errorf("root: %s", got)
	}
	files, err := c.ListArtifacts(ctx, mlflowtest.RunBaseline, "/evidently/")
	if err != nil || len(files) != 1 || files[0].Path != "evidently/report.json" || files[0].FileSize != 14 {
		t.Fatalf("evidently: %+v, %v", files, err)
	}
	data, err := c.ReadArtifact(ctx, mlflowtest.RunBaseline, files[0].Path, 0)
	if err != nil || string(data) != `{"metrics":[]}` {
		t.Fatalf("read: %q, %v", data, err)
	}
	_, err = c.ReadArtifact(ctx, mlflowtest.RunBaseline, "evidently/report.json", 5)
	if err == nil || !strings.Contains(err.Error(), "larger than 5 bytes") {
		t.Fatalf("size limit: %v", err)
	}
	// /get-artifact failing (an artifact server behind a proxy): the mlflow-artifacts route is used.
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case r.URL.Path == "/get-artifact":
			http.Error(w, "artifact store unreachable", http.StatusInternalServerError)
			return true
		case strings.HasPrefix(r.URL.Path, "/api/2.0/mlflow-artifacts/artifacts/1/"+mlflowtest.RunBaseline+"/artifacts/"):
			_, _ = w.Write([]byte("proxied:" + strings.TrimPrefix(r.URL.Path, "/api/2.0/mlflow-artifacts/artifacts/1/"+mlflowtest.RunBaseline+"/artifacts/")))
			return true
		}
		return false
	})
	data, err = c.ReadArtifact(ctx, mlflowtest.RunBaseline, "fairness/fairness.json", 0)
	if err != nil || string(data) != "proxied:fairness/fairness.json" {
		t.Fatalf("proxied: %q, %v", data, err)
	}
}

func TestServerVersion(t *testing.T) {
	srv := mlflowtest.New(t, nil, mlflowtest.Options{Version: "3.1.4"})
	if v, err := newClient(t, srv).ServerVersion(context.Background()); v != "3.1.4" || err != nil {
		t.Errorf("got %q, %v", v, err)
	}
	old := mlflowtest.New(t, nil, mlflowtest.Options{})
	if v, err := newClient(t, old).ServerVersion(context.Background()); v != "" || err != nil {
		t.Errorf("got %q, %v", v, err)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	store := mlflowtest.Many(40, 1, 2)
	srv := mlflowtest.New(t, store, mlflowtest.Options{NoBulk: true})
	var inFlight, peak atomic.Int32
	srv.SetIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		return false
	})
	c := newClient(t, srv, func(c *Config) { c.MaxConcurrency = 3 })
	ids := make([]string, len(store.Runs))
	for i, r := range store.Runs {
		ids[i] = r.ID
	}
	if _, err := c.MetricHistories(context.Background(), ids, "metric_0"); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3", p)
	}
}

func TestHeadersAndUserAgent(t *testing.T) {
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{})
	c := newClient(t, srv, func(c *Config) {
		c.Headers = []Header{{"X-Org", "7"}}
		c.Auth, c.Token = "bearer", testToken
	})
	if _, err := c.SearchExperiments(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Header.Get("X-Org") != "7" || r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.Header)
	}
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestSecretsNeverInErrors drives every failure path with all secrets configured, including servers
// that echo the credentials they received, and checks that no error text carries a secret.
func TestSecretsNeverInErrors(t *testing.T) {
	echo := func(status int, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			body := fmt.Sprintf("auth=%s key=%s", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
			if contentType == "application/json" {
				body = fmt.Sprintf(`{"error_code":"INTERNAL_ERROR","message":%q}`, body)
			}
			_, _ = w.Write([]byte(body))
		}
	}
	handlers := map[string]http.HandlerFunc{
		"500 text echo":        echo(500, "text/plain"),
		"400 JSON echo":        echo(400, "application/json"),
		"401 JSON echo":        echo(401, "application/json"),
		"200 text echo":        echo(200, "text/plain"),
		"200 HTML echo":        echo(200, "text/html"),
		"503 text echo, retry": echo(503, "text/plain"),
	}
	auths := []func(*Config){
		func(c *Config) { c.Auth, c.User, c.Password = "basic", "alice", testPassword },
		func(c *Config) { c.Auth, c.Token = "bearer", testToken },
	}
	for name, h := range handlers {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		for _, auth := range auths {
			cfg := Config{URL: srv.URL, Headers: []Header{{"X-Api-Key", testHeader}}}
			auth(&cfg)
			c, err := NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.backoffBase, c.backoffMax = time.Millisecond, time.Millisecond
			ctx := context.Background()
			errs := []error{}
			_, err = c.SearchExperiments(ctx, "")
			errs = append(errs, err)
			_, err = c.GetRun(ctx, "r")
			errs = append(errs, err)
			_, err = c.MetricHistories(ctx, []string{"a", "b"}, "acc")
			errs = append(errs, err)
			_, err = c.ReadArtifact(ctx, "r", "x.json", 0)
			errs = append(errs, err)
			_, err = c.ListArtifacts(ctx, "r", "")
			errs = append(errs, err)
			for i, err := range errs {
				// Artifacts are bytes of any kind: a 200 answer is a successful download.
				if err == nil && !strings.HasPrefix(name, "200 text") && !(strings.HasPrefix(name, "200") && i == 3) {
					t.Errorf("%s: no error", name)
				}
				assertNoSecrets(t, err)
			}
		}
	}
	// Invalid settings never echo secrets either.
	for _, cfg := range []Config{
		{URL: "http://alice:" + testPassword + "@mlflow:5000"},
		{URL: "mlflow:5000?token=" + testToken},
		{URL: "http://m", Auth: "basic", Password: testPassword},
		{URL: "https://m", TLSAuth: true, ClientKey: testPassword},
	} {
		_, err := NewClient(cfg)
		if err == nil {
			t.Errorf("%+v: want an error", cfg.URL)
		}
		assertNoSecrets(t, err)
	}
}
