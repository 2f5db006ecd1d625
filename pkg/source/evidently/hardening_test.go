package evidently

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// deepDocument is the reproducer of issue 12, defect 1: a metric result nested n arrays deep.
func deepDocument(n int) string {
	return `{"metrics":[{"metric":"x","result":{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}]}`
}

// A deeply nested file is a notice naming the file, never a crash (it used to overflow the stack,
// from a query and from the health check alike).
func TestDeeplyNestedFileIsANotice(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "deep.json")
	write(t, deep, deepDocument(3_000_000))
	write(t, filepath.Join(dir, "ok.json"), snapshotModelJSON("2025-01-02T03:04:05", 0.25, nil, nil))
	p := newTestProvider(t, Config{Paths: []string{dir}})
	if _, err := p.CheckHealth(context.Background()); err != nil {
		t.Fatalf("health: %v", err)
	}
	ev, err := p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: trust.QueryDrift, Format: trust.FormatTable})
	if err != nil {
		t.Fatal(err)
	}
	n := notices(ev)
	if !strings.Contains(n, "deep.json") || !strings.Contains(n, "nested deeper than 512") {
		t.Errorf("no notice naming the deep file and the limit:\n%s", n)
	}
	if len(ev.Points) == 0 {
		t.Errorf("the good file was not served")
	}
	// at the limit the document is read
	if _, err := Parse([]byte(deepDocument(500)), time.Time{}); err != nil {
		t.Errorf("500 levels: %v", err)
	}
	if _, err := Parse([]byte(deepDocument(600)), time.Time{}); err == nil || !strings.Contains(err.Error(), "nested deeper than 512") {
		t.Errorf("600 levels: %v", err)
	}
}

// Issue 12, defect 3: the Evidently UI secret followed a redirect to another host or port. The
// client follows redirects within evidentlyUiUrl's origin only and names a refused one.
func TestUIRedirectKeepsTheSecret(t *testing.T) {
	var got []string
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("evidently-secret"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"application":"Evidently UI","version":"0.7.21"}`))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	raw, _ := json.Marshal(map[string]any{"evidentlyUiUrl": srv.URL})
	p, err := New(context.Background(), trust.Settings{JSONData: raw, Secure: map[string]string{"evidentlyUiSecret": "ui-s3cret"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.CheckHealth(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 0 {
		t.Errorf("the other origin received %d requests, secret %q", len(got), got)
	}
	if err == nil || !strings.Contains(err.Error(), "refused to follow a redirect from "+srv.URL+"/api/version to "+other.URL) {
		t.Errorf("health: %v", err)
	}
}

// A UI answer over maxResponseMB is refused with an error naming the setting (evidentlyMaxFileMB
// still bounds every answer too).
func TestUIAnswerSizeIsLimited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat(" ", 3<<20)))
	}))
	defer srv.Close()
	raw, _ := json.Marshal(map[string]any{"evidentlyUiUrl": srv.URL, "maxResponseMB": 2})
	p, err := New(context.Background(), trust.Settings{JSONData: raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.CheckHealth(context.Background()); err == nil || !strings.Contains(err.Error(), "2 MB limit of one answer (maxResponseMB") {
		t.Errorf("health: %v", err)
	}
}

// UI answers and workspace metadata nested deeper than jsonlimit.MaxDepth are refused, naming
// the URL or the file.
func TestDeepUIAnswerAndMetadata(t *testing.T) {
	deep := strings.Repeat("[", 600) + strings.Repeat("]", 600)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(deep))
	}))
	defer srv.Close()
	p := newTestProvider(t, Config{UIURL: srv.URL})
	_, err := p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: trust.QueryDrift})
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/api/projects: unexpected answer: JSON nested deeper than 512 levels") {
		t.Errorf("a deep project list: %v", err)
	}
	ws := t.TempDir()
	write(t, filepath.Join(ws, "p1", "metadata.json"), `{"id": "p1", "name": `+deep+`}`)
	write(t, filepath.Join(ws, "p1", "snapshots", "s1.json"), snapshotModelJSON("2025-01-02T03:04:05", 0.25, nil, nil))
	p = newTestProvider(t, Config{Workspaces: []string{ws}})
	ev, err := p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: trust.QueryDrift})
	if err != nil {
		t.Fatal(err)
	}
	if n := notices(ev); !strings.Contains(n, "metadata.json: cannot read project metadata (JSON nested deeper than 512 levels") {
		t.Errorf("notices:\n%s", n)
	}
}
