package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// fixtureSettings are settings over the repository's Evidently and Fairlearn fixtures, plus extra
// jsonData keys.
func fixtureSettings(t *testing.T, extra map[string]any, secure map[string]string) backend.DataSourceInstanceSettings {
	t.Helper()
	root, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	js := map[string]any{
		"evidentlyPaths": []string{filepath.Join(root, "evidently/legacy")},
		"fairlearnPaths": []string{filepath.Join(root, "fairlearn/dte")},
	}
	for k, v := range extra {
		js[k] = v
	}
	b, err := json.Marshal(js)
	if err != nil {
		t.Fatal(err)
	}
	return backend.DataSourceInstanceSettings{UID: "trustq", Name: "trustq", JSONData: b, DecryptedSecureJSONData: secure}
}

// newServer builds the datasource from settings as trustq does and serves it; the log is returned.
func newServer(t *testing.T, settings backend.DataSourceInstanceSettings, opts Options) (*Server, *bytes.Buffer) {
	t.Helper()
	inst, err := plugin.NewDatasource(context.Background(), settings)
	if err != nil {
		t.Fatal(err)
	}
	ds := inst.(*plugin.Datasource)
	t.Cleanup(ds.Dispose)
	var logs bytes.Buffer
	opts.Log = log.New(&logs, "", 0)
	return New(ds, settings, opts), &logs
}

// do sends one request to h; header holds name, value pairs.
func do(h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// wantError checks an error answer: the status in the response and the body, JSON, the message.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, msg string) {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body is not JSON (%v): %s", err, rec.Body)
	}
	if rec.Code != status || e.Status != status || !strings.Contains(e.Error, msg) {
		t.Fatalf("got %d %+v, want %d with %q", rec.Code, e, status, msg)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func decodeTable(t *testing.T, rec *httptest.ResponseRecorder) *Table {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var tb Table
	if err := json.Unmarshal(rec.Body.Bytes(), &tb); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	return &tb
}

func columnNames(tb *Table) []string {
	var out []string
	for _, c := range tb.Columns {
		out = append(out, c.Name)
	}
	return out
}

func TestQueryRoute(t *testing.T) {
	s, logs := newServer(t, fixtureSettings(t, nil, nil), Options{})
	rec := do(s, "POST", "/api/v1/query", `{"query":{"queryType":"drift","format":"latest","metrics":["drift_share"]},"from":"2025-01-01T00:00:00Z","to":"now"}`)
	tb := decodeTable(t, rec)
	if got := strings.Join(columnNames(tb), ","); got != "time,dimension,metric,value,threshold,status,model,version,source,project,feature,method,label_threshold,link" {
		t.Errorf("columns %s", got)
	}
	if len(tb.Rows) != 2 || tb.Rows[0][2] != "drift_share" || tb.Rows[0][3] != 2.0/3 || tb.Rows[0][6] != "credit-risk-classifier" {
		t.Errorf("rows %v", tb.Rows)
	}
	if len(tb.Notices) == 0 || !strings.Contains(tb.Notices[0].Text, "expected.json: skipped") {
		t.Errorf("notices %v", tb.Notices)
	}
	// The other query types answer their own columns; variable is one of them.
	tb = decodeTable(t, do(s, "POST", "/api/v1/query", `{"query":{"queryType":"variable","variable":"sensitive_features"},"from":"now-5y"}`))
	if got := strings.Join(columnNames(tb), ","); got != "text,value" || len(tb.Rows) == 0 {
		t.Errorf("variable: %s %v", got, tb.Rows)
	}
	if !strings.Contains(logs.String(), "POST /api/v1/query 200 drift") {
		t.Errorf("log lacks the request:\n%s", logs)
	}
	// What a client sends stays on its log line.
	wantError(t, do(s, "POST", "/api/v1/query", `{"query":{"queryType":"x\ny"}}`), 400, `unknown queryType "x\ny"`)
	if !strings.Contains(logs.String(), "POST /api/v1/query 400 x y ") {
		t.Errorf("log:\n%s", logs)
	}
}

func TestQueryErrors(t *testing.T) {
	s, _ := newServer(t, fixtureSettings(t, nil, nil), Options{Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	tests := []struct {
		name, body string
		status     int
		msg        string
	}{
		{"empty body", ``, 400, "empty request body: send {"},
		{"malformed JSON", `{"query": {"queryType": "drift"`, 400, "malformed JSON in the request body"},
		{"not an object", `[1, 2]`, 400, "malformed JSON in the request body"},
		{"two values", `{"query": {"queryType": "drift"}} {}`, 400, "more than one JSON value"},
		{"unknown body field", `{"query": {"queryType": "drift"}, "form": "now-1d"}`, 400, `unknown field "form" in the request body: it holds query, from and to`},
		{"no query", `{"from": "now-1d"}`, 400, "the request body has no query"},
		{"query not an object", `{"query": "drift"}`, 400, "query must be a JSON object"},
		{"unknown query type", `{"query": {"queryType": "bias"}}`, 400, `unknown queryType "bias": choose one of accuracy, drift`},
		{"no query type", `{"query": {"model": "credit"}}`, 400, "the query has no queryType: choose one of"},
		{"malformed query model", `{"query": {"queryType": "drift", "metrics": "drift_share"}}`, 400, "malformed query JSON"},
		{"unknown format", `{"query": {"queryType": "drift", "format": "wide"}}`, 400, `unknown format "wide"`},
		{"bad from", `{"query": {"queryType": "drift"}, "from": "yesterday"}`, 400, `bad "from": cannot read time "yesterday": use RFC 3339`},
		{"bad to", `{"query": {"queryType": "drift"}, "to": true}`, 400, `bad "to": cannot read time "true"`},
		{"from after to", `{"query": {"queryType": "drift"}, "from": "now", "to": "now-1h"}`, 400, `"from" (2026-12-01T00:00:00Z) is not before "to" (2026-11-30T23:00:00Z)`},
		{"source not configured", `{"query": {"queryType": "runs"}}`, 502, "no configured source serves runs queries"},
		// The plugin's Evidently source refuses paths outside its roots: the query is at fault (400).
		{"absolute path", `{"query": {"queryType": "drift", "path": "/etc"}}`, 400, `path "/etc": absolute paths are not allowed`},
		{"path outside the roots", `{"query": {"queryType": "quality", "path": "../../../etc/passwd"}}`, 400, `".." is not allowed; name a file or directory inside a configured Evidently path`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, do(s, "POST", "/api/v1/query", tc.body), tc.status, tc.msg)
		})
	}
}

func TestQueryTimes(t *testing.T) {
	s, _ := newServer(t, fixtureSettings(t, nil, nil), Options{Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	// The fairness fixtures are of 2026-06-15: in a range given as RFC 3339, Unix ms or relative
	// times, out of one that ends before.
	for body, rows := range map[string]bool{
		`{"query": {"queryType": "fairness", "format": "table"}, "from": "2026-06-01T00:00:00Z", "to": "2026-07-01T00:00:00Z"}`: true,
		`{"query": {"queryType": "fairness", "format": "table"}, "from": 1780272000000, "to": "1782864000000"}`:                 true,
		`{"query": {"queryType": "fairness", "format": "table"}, "from": "now-1y", "to": null}`:                                 true,
		`{"query": {"queryType": "fairness", "format": "table"}}`:                                                               false,
	} {
		tb := decodeTable(t, do(s, "POST", "/api/v1/query", body))
		if (len(tb.Rows) > 0) != rows {
			t.Errorf("%s: %d rows", body, len(tb.Rows))
		}
	}
}

func TestHealthAndOptionsRoutes(t *testing.T) {
	s, _ := newServer(t, fixtureSettings(t, nil, nil), Options{})
	rec := do(s, "GET", "/api/v1/health", "")
	var h health
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil || rec.Code != 200 || h.Status != "OK" || !strings.HasPrefix(h.Message, "DTE Trust is working: Evidently") {
		t.Errorf("health %d %s", rec.Code, rec.Body)
	}
	rec = do(s, "GET", "/api/v1/options/models", "")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `[{"text":"credit-risk-classifier","value":"credit-risk-classifier"}]` {
		t.Errorf("options/models %d %s", rec.Code, rec.Body)
	}
	rec = do(s, "GET", "/api/v1/options/groups?model=credit-risk-classifier&sensitiveFeature=sex", "")
	var opts []trust.Option
	if err := json.Unmarshal(rec.Body.Bytes(), &opts); err != nil || rec.Code != 200 || len(opts) == 0 {
		t.Errorf("options/groups %d %s", rec.Code, rec.Body)
	}
	wantError(t, do(s, "GET", "/api/v1/options/colours", ""), 400, `no configured source offers "colours" values (known kinds here: `)
	wantError(t, do(s, "GET", "/api/v1/options/", ""), 404, "no route /api/v1/options/: use POST /api/v1/query, GET /api/v1/health or GET /api/v1/options/{kind}")
	wantError(t, do(s, "GET", "/", ""), 404, "no route /")

	empty, _ := newServer(t, backend.DataSourceInstanceSettings{JSONData: []byte(`{}`)}, Options{})
	rec = do(empty, "GET", "/api/v1/health", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil || rec.Code != 503 || h.Status != "ERROR" || !strings.HasPrefix(h.Message, "Nothing is configured") {
		t.Errorf("health of nothing configured: %d %s", rec.Code, rec.Body)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s, _ := newServer(t, fixtureSettings(t, nil, nil), Options{})
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", "/api/v1/query", "POST"}, {"PUT", "/api/v1/query", "POST"}, {"DELETE", "/api/v1/query", "POST"},
		{"POST", "/api/v1/health", "GET"}, {"PATCH", "/api/v1/options/models", "GET"}, {"HEAD", "/api/v1/health", "GET"},
	} {
		rec := do(s, tc.method, tc.path, "")
		if rec.Code != 405 || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"))
		}
		if tc.method != "HEAD" {
			wantError(t, rec, 405, "method "+tc.method+" is not allowed on "+tc.path+": use "+tc.allow+" (trustq serve is read-only)")
		}
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := newServer(t, fixtureSettings(t, nil, nil), Options{})
	pad := strings.Repeat(" ", DefaultMaxBody)
	wantError(t, do(s, "POST", "/api/v1/query", `{"query": {"queryType": "drift"}}`+pad), 413, "request body over 1048576 bytes")
	// Just under the limit is read.
	body := `{"query": {"queryType": "drift", "format": "latest"}, "from": "now-5y"}`
	decodeTable(t, do(s, "POST", "/api/v1/query", body+pad[:DefaultMaxBody-len(body)]))
	small, _ := newServer(t, fixtureSettings(t, nil, nil), Options{MaxBody: 16})
	wantError(t, do(small, "POST", "/api/v1/query", `{"query": {"queryType": "drift"}}`), 413, "request body over 16 bytes")
}

func TestToken(t *testing.T) {
	const token = "0123456789abcdef-serve-token"
	s, logs := newServer(t, fixtureSettings(t, nil, nil), Options{Token: token})
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong-token-0123456789", "Basic " + token, "Bearer " + token + "x", token} {
		rec := do(s, "GET", "/api/v1/health", "", "Authorization", auth)
		msg := "wrong bearer token"
		if auth == "" {
			msg = "missing bearer token: send the header Authorization: Bearer <token>"
		}
		wantError(t, rec, 401, msg)
		if rec.Header().Get("WWW-Authenticate") != `Bearer realm="trustq"` {
			t.Errorf("%q: WWW-Authenticate %q", auth, rec.Header().Get("WWW-Authenticate"))
		}
	}
	// The token is checked before anything else: no route or method is revealed without it.
	wantError(t, do(s, "DELETE", "/api/v1/query", ""), 401, "missing bearer token")
	wantError(t, do(s, "GET", "/nope", ""), 401, "missing bearer token")
	for _, auth := range []string{"Bearer " + token, "bearer " + token, "Bearer  " + token + " "} {
		if rec := do(s, "GET", "/api/v1/health", "", "Authorization", auth); rec.Code != 200 {
			t.Errorf("%q: %d %s", auth, rec.Code, rec.Body)
		}
	}
	rec := do(s, "POST", "/api/v1/query", `{"query":{"queryType":"drift","format":"latest"},"from":"now-5y"}`, "Authorization", "Bearer "+token)
	decodeTable(t, rec)
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "wrong-token") {
		t.Errorf("the log shows a token:\n%s", logs)
	}
}

func TestPanicBecomesJSONError(t *testing.T) {
	s, logs := newServer(t, fixtureSettings(t, nil, nil), Options{})
	s.rows = func(string, data.Frames) *Table { panic("boom") }
	wantError(t, do(s, "POST", "/api/v1/query", `{"query":{"queryType":"fairness"}}`), 500, "internal error in fairness query: boom")
	if !strings.Contains(logs.String(), "panic in POST /api/v1/query: boom") {
		t.Errorf("log lacks the panic:\n%s", logs)
	}
	s.rows = Rows
	decodeTable(t, do(s, "POST", "/api/v1/query", `{"query":{"queryType":"fairness"},"from":"now-5y"}`))

	// A panic in a source is caught by the plugin's QueryData, as in Grafana.
	ds := plugin.NewFromEngine(engine.NewWith(time.Minute, panicRuns{}))
	ps := New(ds, backend.DataSourceInstanceSettings{JSONData: []byte(`{}`)}, Options{})
	wantError(t, do(ps, "POST", "/api/v1/query", `{"query":{"queryType":"runs"}}`), 500, "internal error in runs query: runs exploded")
}

type panicRuns struct{}

func (panicRuns) Name() string { return "mlflow" }
func (panicRuns) Runs(context.Context, *trust.Query) (*trust.RunTable, error) {
	panic("runs exploded")
}

// blockingSource answers only when its context ends.
type blockingSource struct{}

func (blockingSource) Name() string                  { return "evidently" }
func (blockingSource) Dimensions() []trust.Dimension { return []trust.Dimension{trust.Drift} }
func (blockingSource) Collect(ctx context.Context, _ trust.Dimension, _ *trust.Query) (*trust.Evidence, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestRequestTimeout(t *testing.T) {
	// A source that never answers: the request ends at the settings' timeout with an error saying so.
	ds := plugin.NewFromEngine(engine.NewWith(20*time.Millisecond, blockingSource{}))
	s := New(ds, backend.DataSourceInstanceSettings{JSONData: []byte(`{}`)}, Options{})
	wantError(t, do(s, "POST", "/api/v1/query", `{"query":{"queryType":"drift"}}`), 504, "drift query timed out after 20ms (timeoutSeconds in the datasource settings)")
}

func TestSecretsStayOut(t *testing.T) {
	// MLflow refuses the configured token: the errors say so without showing it, in the answers
	// and in the log.
	const secret = "mlflow-secret-token-value"
	srv := mlflowtest.New(t, mlflowtest.Demo(), mlflowtest.Options{Token: "the-right-one", Version: "3.1.0"})
	settings := fixtureSettings(t, map[string]any{"mlflowUrl": srv.URL, "mlflowAuth": "bearer", "cacheSeconds": 0},
		map[string]string{"mlflowToken": secret})
	s, logs := newServer(t, settings, Options{})
	var bodies []string
	for _, rec := range []*httptest.ResponseRecorder{
		do(s, "GET", "/api/v1/health", ""),
		do(s, "POST", "/api/v1/query", `{"query":{"queryType":"runs"}}`),
		do(s, "POST", "/api/v1/query", `{"query":{"queryType":"models"}}`),
		do(s, "GET", "/api/v1/options/experiments", ""),
	} {
		if rec.Code < 400 {
			t.Errorf("MLflow refused the token but the answer is %d: %s", rec.Code, rec.Body)
		}
		bodies = append(bodies, rec.Body.String())
	}
	all := strings.Join(bodies, "\n")
	if !strings.Contains(all, "401") {
		t.Errorf("the answers do not say MLflow refused the credentials:\n%s", all)
	}
	if strings.Contains(all, secret) || strings.Contains(logs.String(), secret) {
		t.Errorf("a secret shows:\n%s\n%s", all, logs)
	}
}
