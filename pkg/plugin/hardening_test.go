package plugin

import (
	"context"
	"encoding/json"
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
