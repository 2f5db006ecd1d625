//go:build e2e

// Package e2e tests DTE Trust inside a real Grafana server that someone else started (for example
// the demo stack of docker-compose.yaml, any Grafana 11.6 to 13.x): the plugin loads and its backend
// runs, the provisioned datasource is healthy, every query type and every panel of every shipped
// dashboard answers through Grafana's /api/ds/query, the provisioned alert rules evaluate and fire
// for the model the demo evidence makes unfair or drifting, and provisioning logs no errors.
// The project never builds or starts Grafana itself (the gRPC protocol suite, tests/protocol, covers
// the plugin without one).
//
// scripts/test-e2e.sh (make test-e2e) runs these tests when GRAFANA_URL is set and passes:
//
//	GRAFANA_URL        base URL of the Grafana under test, with the repository's provisioning/,
//	                   dashboards/ and the demo evidence (docker-compose.yaml has all of it)
//	GRAFANA_USER       an admin login (default admin)
//	GRAFANA_PASSWORD   its password (default admin)
//	GRAFANA_LOG        optional: a file with Grafana's log (`docker compose logs grafana > f`);
//	                   the log checks are skipped, saying so, without it
//
// Without GRAFANA_URL every test fails: these tests must never pass without a Grafana.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Names the shipped stack relies on (DESIGN.md "Names the dashboards, alerts and tests rely on").
const (
	pluginID   = "dte-trust-datasource"
	executable = "gpx_dte_trust"
	dsUID      = "dte-trust"
	folder     = "DTE Trust"
)

// repoRoot is the repository root (this file lives in tests/e2e).
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// grafana is a client for the Grafana under test, logged in as an admin.
type grafana struct {
	base       string
	user, pass string
	http       *http.Client
}

func newGrafana(t testing.TB) *grafana {
	t.Helper()
	base := strings.TrimRight(os.Getenv("GRAFANA_URL"), "/")
	if base == "" {
		t.Fatal("GRAFANA_URL is not set: start a Grafana with the demo provisioning (docker compose up) and run GRAFANA_URL=http://127.0.0.1:3000 make test-e2e")
	}
	return &grafana{
		base: base,
		user: envOr("GRAFANA_USER", "admin"),
		pass: envOr("GRAFANA_PASSWORD", "admin"),
		http: &http.Client{Timeout: 90 * time.Second},
	}
}

// envOr is the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// do sends a request with a JSON body (nil for none) and returns the status and body.
func (g *grafana) do(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("marshal %s %s body: %v", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, g.base+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	req.SetBasicAuth(g.user, g.pass)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// getJSON GETs path, requires 200 and decodes the body into v.
func (g *grafana) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	status, body := g.do(t, http.MethodGet, path, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %s", path, status, snippet(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, snippet(body))
	}
}

// dsQuery is the body of POST /api/ds/query.
type dsQuery struct {
	From    string           `json:"from"`
	To      string           `json:"to"`
	Queries []map[string]any `json:"queries"`
}

// frame is the part of a data frame the tests look at.
type frame struct {
	Schema struct {
		Name string `json:"name"`
		Meta *struct {
			Type        string `json:"type"`
			TypeVersion []int  `json:"typeVersion"`
			Notices     []struct {
				Severity any    `json:"severity"`
				Text     string `json:"text"`
			} `json:"notices"`
		} `json:"meta"`
		Fields []struct {
			Name   string            `json:"name"`
			Type   string            `json:"type"`
			Labels map[string]string `json:"labels"`
		} `json:"fields"`
	} `json:"schema"`
	Data struct {
		Values [][]any `json:"values"`
	} `json:"data"`
}

// rows is the number of rows of the frame.
func (f *frame) rows() int {
	if len(f.Data.Values) == 0 {
		return 0
	}
	return len(f.Data.Values[0])
}

// column returns the values of the field named name, or nil.
func (f *frame) column(name string) []any {
	for i, fl := range f.Schema.Fields {
		if fl.Name == name && i < len(f.Data.Values) {
			return f.Data.Values[i]
		}
	}
	return nil
}

// result is one refId's answer of /api/ds/query.
type result struct {
	Status int     `json:"status"`
	Error  string  `json:"error"`
	Frames []frame `json:"frames"`
}

// rows counts the rows of every frame of the result.
func (r *result) rows() int {
	n := 0
	for i := range r.Frames {
		n += r.Frames[i].rows()
	}
	return n
}

// query runs queries through Grafana's /api/ds/query, the path panels and alert previews take. The
// HTTP status is returned rather than checked: a failing query makes Grafana answer 4xx/5xx with the
// per-refId results in the body.
func (g *grafana) query(t testing.TB, from, to string, queries ...map[string]any) (int, map[string]result, []byte) {
	t.Helper()
	status, body := g.do(t, http.MethodPost, "/api/ds/query", dsQuery{From: from, To: to, Queries: queries})
	var resp struct {
		Results map[string]result `json:"results"`
		Message string            `json:"message"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("/api/ds/query: HTTP %d, undecodable body (%v): %s", status, err, snippet(body))
	}
	return status, resp.Results, body
}

// queryOK runs one query and fails the test unless it answers without error.
func (g *grafana) queryOK(t testing.TB, from, to string, q map[string]any) result {
	t.Helper()
	status, res, body := g.query(t, from, to, q)
	ref, _ := q["refId"].(string)
	r, ok := res[ref]
	if !ok {
		t.Fatalf("/api/ds/query HTTP %d: no result for refId %q: %s", status, ref, snippet(body))
	}
	if r.Error != "" || status != http.StatusOK {
		t.Fatalf("/api/ds/query HTTP %d: refId %s: %s", status, ref, r.Error)
	}
	return r
}

// dsQueryModel builds a query against the provisioned datasource.
func dsQueryModel(refID string, fields map[string]any) map[string]any {
	q := map[string]any{"refId": refID, "datasource": map[string]any{"type": pluginID, "uid": dsUID}}
	for k, v := range fields {
		q[k] = v
	}
	return q
}

// snippet shortens a response body for a failure message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}

// escape is url.PathEscape for a path segment.
func escape(s string) string { return url.PathEscape(s) }

// notices joins the notices of a result's frames, for messages.
func notices(r *result) string {
	var out []string
	for i := range r.Frames {
		if m := r.Frames[i].Schema.Meta; m != nil {
			for _, n := range m.Notices {
				out = append(out, n.Text)
			}
		}
	}
	if len(out) == 0 {
		return ""
	}
	return fmt.Sprintf(" (notices: %s)", strings.Join(out, "; "))
}

// decode is json.Unmarshal.
func decode(b []byte, v any) error { return json.Unmarshal(b, v) }
