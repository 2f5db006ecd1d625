//go:build protocol

package protocol

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecretsStayOutOfLogs runs a second plugin process with debug logging and a data source that
// carries a bearer token, health-checks and queries it, and looks for the token in everything the
// plugin wrote.
func TestSecretsStayOutOfLogs(t *testing.T) {
	p, err := Start(pluginBinary(), "GF_PLUGIN_LOG_LEVEL=debug", "GF_LOG_LEVEL=debug")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	secret := "dte-secret-" + hex.EncodeToString(b)
	ds := sharedDS
	ds.ID, ds.UID = 42, "dte-trust-token"
	ds.JSONData = map[string]any{}
	for k, v := range sharedDS.JSONData {
		ds.JSONData[k] = v
	}
	ds.JSONData["mlflowAuth"] = "bearer"
	ds.Secure = map[string]string{"mlflowToken": secret}
	pc := pluginContext(t, ds)
	if _, err := p.Health(pc); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ans, err := p.Query(pc, []Request{
		{RefID: "A", Model: map[string]any{"queryType": "models", "format": "table"}, From: now.AddDate(-1, 0, 0), To: now, MaxDataPoints: 100, Interval: time.Hour},
		{RefID: "B", Model: map[string]any{"queryType": "fairness", "format": "latest"}, From: now.AddDate(-1, 0, 0), To: now, MaxDataPoints: 100, Interval: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	for ref, a := range ans {
		if strings.Contains(a.Error, secret) {
			t.Errorf("refId %s: the error message contains the token", ref)
		}
	}
	logs := p.Logs()
	if !strings.Contains(logs, "plugin") {
		t.Fatalf("no plugin output captured; the check below would prove nothing:\n%s", logs)
	}
	if strings.Contains(logs, secret) {
		t.Errorf("the plugin's stderr contains the bearer token")
	}
	t.Logf("%d bytes of plugin output at debug level, no secret", len(logs))
}

// TestBadExecutables: what Grafana's plugin manager would trip over is reported clearly.
func TestBadExecutables(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "gpx_missing"), "no such file"},
		{"not executable", write("gpx_noexec", "x", 0o644), "not an executable"},
		{"not a program for this platform", write("gpx_script", "#!/bin/sh\necho hello\n", 0o755), "not a linux/amd64 program"},
	}
	// A program of this platform that never speaks the handshake: a copy of /bin/true, or of the
	// plugin's own arm64 build when make build made one (wrong platform).
	if b, err := os.ReadFile("/bin/true"); err == nil {
		cases = append(cases, struct{ name, path, want string }{"fails the handshake", write("gpx_true", string(b), 0o755), "handshake"})
	}
	if _, err := os.Stat(filepath.Join(repoRoot(), "dist", "gpx_dte_trust_linux_arm64")); err == nil {
		cases = append(cases, struct{ name, path, want string }{"wrong architecture", filepath.Join(repoRoot(), "dist", "gpx_dte_trust_linux_arm64"), "built for EM_AARCH64"})
	}
	for _, c := range cases {
		p, err := Start(c.path)
		if err == nil {
			p.Kill()
			t.Errorf("%s: Start(%s) succeeded, want an error", c.name, c.path)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.want)
		}
	}
}
