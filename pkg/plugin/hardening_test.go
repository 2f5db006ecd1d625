package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

func newFromJSON(t *testing.T, js map[string]any, secure map[string]string) *Datasource {
	t.Helper()
	raw, err := json.Marshal(js)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := New(context.Background(), trust.Settings{JSONData: raw, Secure: secure})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Dispose)
	return ds
}

func queryOne(t *testing.T, ds *Datasource, queryType string, q map[string]any) backend.DataResponse {
	t.Helper()
	q["queryType"] = queryType
	raw, _ := json.Marshal(q)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", QueryType: queryType, JSON: raw}}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Responses["A"]
}

// Issue 12, defect 10: an Evidently `path` leading through a symlink out of the configured paths
// named the symlink's real target in the error, and every error in a user's path came back as
// 502 (an upstream failure) instead of 400 (a bad query).
func TestEvidentlyPathErrorsAreBadRequests(t *testing.T) {
	outside := t.TempDir()
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "esc")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.json"), []byte(`{"metrics":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ds := newFromJSON(t, map[string]any{"evidentlyPaths": []string{dir}}, nil)
	for _, path := range []string{"esc", "../x", "/etc", "missing"} {
		r := queryOne(t, ds, trust.QueryDrift, map[string]any{"path": path})
		if r.Error == nil {
			t.Errorf("path %q: no error", path)
			continue
		}
		if r.Status != backend.StatusBadRequest {
			t.Errorf("path %q: status %d, want 400: %v", path, r.Status, r.Error)
		}
		if strings.Contains(r.Error.Error(), outside) {
			t.Errorf("path %q: the error names the symlink's target: %v", path, r.Error)
		}
	}
}

// secretsIn returns the secrets that appear in s.
func secretsIn(s string, secrets ...string) []string {
	var found []string
	for _, x := range secrets {
		if strings.Contains(s, x) {
			found = append(found, x)
		}
	}
	return found
}

// Issue 12, defect 7: user:password inside evidentlyUiUrl was shown in errors, and user:password
// and query-string tokens of fairlearnUrls in notices and links. Every message, notice, link and
// health text is redacted now.
func TestCredentialsInURLsAreRedacted(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fairlearn", "json", "custom_sex.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/r.json" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
			return
		}
		http.Error(w, "no", http.StatusNotFound)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	secrets := []string{"s3cretpw", "tok123", "sig456", "tok789", "evpass99"}
	ds := newFromJSON(t, map[string]any{
		"fairlearnUrls": []string{
			"http://user:s3cretpw@" + host + "/r.json?token=tok123&X-Amz-Signature=sig456",
			"http://user:s3cretpw@" + host + "/missing.json?access_token=tok789",
		},
		"evidentlyUiUrl": "http://evuser:evpass99@" + host + "/ui",
		"timeoutSeconds": 10,
	}, nil)
	for _, format := range []string{"table", "timeseries"} {
		r := queryOne(t, ds, trust.QueryFairness, map[string]any{"format": format})
		if r.Error != nil {
			t.Fatalf("fairness %s: %v", format, r.Error)
		}
		out, _ := json.Marshal(r.Frames)
		if len(r.Frames) == 0 || !strings.Contains(string(out), "r.json") {
			t.Fatalf("fairness %s: no frames from the URL: %s", format, out)
		}
		if found := secretsIn(string(out), secrets...); len(found) > 0 {
			t.Errorf("fairness %s frames (links, notices) show %v", format, found)
		}
	}
	r := queryOne(t, ds, trust.QueryAnnotations, map[string]any{"annotation": "fairness_fail"})
	out, _ := json.Marshal(r.Frames)
	if found := secretsIn(string(out)+errorText(r.Error), secrets...); len(found) > 0 {
		t.Errorf("annotations show %v", found)
	}
	r = queryOne(t, ds, trust.QueryDrift, map[string]any{})
	if r.Error == nil {
		t.Fatal("drift from a UI URL that answers 404: no error")
	}
	if found := secretsIn(r.Error.Error(), secrets...); len(found) > 0 {
		t.Errorf("the drift error shows %v: %v", found, r.Error)
	}
	h, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if found := secretsIn(h.Message, secrets...); len(found) > 0 {
		t.Errorf("health shows %v: %s", found, h.Message)
	}
	// a URL that is not even valid is named redacted too
	_, err = New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"evidentlyUiUrl": "ftp://evuser:evpass99@h/"}`)})
	ds2 := newFromJSON(t, map[string]any{"evidentlyUiUrl": "ftp://evuser:evpass99@h/"}, nil)
	h, _ = ds2.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if found := secretsIn(h.Message+errorText(err), secrets...); len(found) > 0 {
		t.Errorf("a bad evidentlyUiUrl is shown with %v: %s", found, h.Message)
	}
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
