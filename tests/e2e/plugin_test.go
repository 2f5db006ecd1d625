//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPluginRegistered: Grafana loaded the unsigned plugin as a backend, alerting-capable datasource.
func TestPluginRegistered(t *testing.T) {
	g := newGrafana(t)
	var settings struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Enabled bool   `json:"enabled"`
		Info    struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	g.getJSON(t, "/api/plugins/"+pluginID+"/settings", &settings)
	if settings.ID != pluginID || settings.Type != "datasource" {
		t.Fatalf("plugin settings: id %q type %q, want %q datasource", settings.ID, settings.Type, pluginID)
	}

	// The datasource list carries the plugin.json flags Grafana read (backend, alerting).
	var plugins []struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Backend  *bool  `json:"backend"`
		Alerting *bool  `json:"alerting"`
	}
	g.getJSON(t, "/api/plugins?type=datasource", &plugins)
	found := false
	for _, p := range plugins {
		if p.ID != pluginID {
			continue
		}
		found = true
		t.Logf("plugin %s version %q", p.ID, settings.Info.Version)
	}
	if !found {
		t.Fatalf("/api/plugins?type=datasource does not list %s", pluginID)
	}
}

// TestBackendProcessRuns: Grafana started the plugin's Go backend and a backend query makes the
// round trip through it (the Grafana may run in a container, so no process list is looked at).
func TestBackendProcessRuns(t *testing.T) {
	g := newGrafana(t)
	// A backend query proves the gRPC round trip; the variable query is the cheapest one.
	r := g.queryOK(t, "now-1h", "now", dsQueryModel("A", map[string]any{"queryType": "variable", "variable": "models"}))
	if len(r.Frames) == 0 {
		t.Fatalf("the models variable query returned no frame")
	}
	t.Logf("the backend answered through Grafana with %d frame(s)", len(r.Frames))
}

// TestHealthOK: the provisioned datasource's health check passes with the demo evidence.
func TestHealthOK(t *testing.T) {
	g := newGrafana(t)
	status, body := g.do(t, http.MethodGet, "/api/datasources/uid/"+dsUID+"/health", nil)
	if status != http.StatusOK {
		t.Fatalf("health of %s: HTTP %d: %s", dsUID, status, snippet(body))
	}
	s := string(body)
	if !strings.Contains(s, `"status":"OK"`) {
		t.Fatalf("health of %s is not OK: %s", dsUID, snippet(body))
	}
	t.Logf("health: %s", snippet(body))
}

// TestHealthBadMLflowURL: a second datasource pointing at a closed port fails its health check with
// a message naming MLflow and the URL, and its queries fail with a clear error rather than an empty
// panel.
func TestHealthBadMLflowURL(t *testing.T) {
	g := newGrafana(t)
	const badURL = "http://127.0.0.1:9" // discard port: nothing listens
	name := "dte-trust-e2e-bad-url-" + time.Now().Format("150405.000")
	status, body := g.do(t, http.MethodPost, "/api/datasources", map[string]any{
		"name":     name,
		"type":     pluginID,
		"access":   "proxy",
		"jsonData": map[string]any{"mlflowUrl": badURL, "timeoutSeconds": 5},
	})
	if status != http.StatusOK {
		t.Fatalf("create datasource: HTTP %d: %s", status, snippet(body))
	}
	var created struct {
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	}
	if err := decode(body, &created); err != nil || created.Datasource.UID == "" {
		t.Fatalf("create datasource: no uid in %s (%v)", snippet(body), err)
	}
	uid := created.Datasource.UID
	t.Cleanup(func() {
		if st, b := g.do(t, http.MethodDelete, "/api/datasources/uid/"+escape(uid), nil); st != http.StatusOK {
			t.Errorf("delete datasource %s: HTTP %d: %s", uid, st, snippet(b))
		}
	})

	status, body = g.do(t, http.MethodGet, "/api/datasources/uid/"+escape(uid)+"/health", nil)
	if status == http.StatusOK {
		t.Fatalf("health with mlflowUrl %s: HTTP 200, want a failure: %s", badURL, snippet(body))
	}
	var health struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := decode(body, &health); err != nil {
		t.Fatalf("health answer: %v: %s", err, snippet(body))
	}
	if health.Status != "ERROR" {
		t.Errorf("health status %q, want ERROR", health.Status)
	}
	msg := strings.ToLower(health.Message)
	if !strings.Contains(msg, "mlflow") || !strings.Contains(health.Message, "127.0.0.1:9") {
		t.Errorf("health message does not name MLflow and the URL: %q", health.Message)
	}
	t.Logf("bad URL health (HTTP %d): %s", status, health.Message)

	// A query on it fails with the same kind of explanation.
	st, res, raw := g.query(t, "now-1h", "now", map[string]any{
		"refId": "A", "datasource": map[string]any{"type": pluginID, "uid": uid},
		"queryType": "models", "format": "table",
	})
	r := res["A"]
	if st == http.StatusOK && r.Error == "" {
		t.Fatalf("models query against %s succeeded, want an error: %s", badURL, snippet(raw))
	}
	if !strings.Contains(strings.ToLower(r.Error), "mlflow") {
		t.Errorf("query error does not name MLflow: %q", r.Error)
	}
}
