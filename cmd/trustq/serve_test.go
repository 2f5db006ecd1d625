package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/serve"
)

// lockedBuffer is a bytes.Buffer written by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// noTokenEnv unsets DTE_TRUST_TOKEN for the test.
func noTokenEnv(t *testing.T) {
	t.Setenv(tokenEnv, "")
	if err := os.Unsetenv(tokenEnv); err != nil {
		t.Fatal(err)
	}
}

// fixtureSettingsFile writes a settings file over the repository's Evidently and Fairlearn fixtures
// plus extra jsonData keys.
func fixtureSettingsFile(t *testing.T, extra map[string]any) string {
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
	return writeJSONFile(t, "settings.json", map[string]any{"jsonData": js})
}

func writeJSONFile(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, string(b))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startServe runs trustq serve with args until the returned stop is called; stop returns the exit
// code, stdout and stderr.
func startServe(t *testing.T, args ...string) (base string, stop func() (int, string, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	addr := make(chan string, 1)
	done := make(chan int, 1)
	go func() { done <- serveUntil(ctx, args, &stdout, &stderr, func(a string) { addr <- a }) }()
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-done:
		cancel()
		t.Fatalf("trustq serve exited %d before listening:\n%s%s", code, stdout.String(), stderr.String())
	}
	stopped := false
	var code int
	stop = func() (int, string, string) {
		if !stopped {
			stopped = true
			cancel()
			code = <-done
		}
		return code, stdout.String(), stderr.String()
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

// call makes one request; token, when not empty, is sent as the bearer token.
func call(t *testing.T, method, url, body, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestServeRefusals(t *testing.T) {
	noTokenEnv(t)
	settings := fixtureSettingsFile(t, nil)
	short := writeFile(t, "short", "abc\n")
	twoWords := writeFile(t, "two", "0123456789abcdef 0123456789abcdef\n")
	tests := []struct {
		name   string
		args   []string
		env    string
		stderr string
	}{
		{"no settings", nil, "", "--settings is required"},
		{"token on the command line", []string{"--settings", settings, "--token", "0123456789abcdef0123"}, "", "a token is never given on the command line"},
		{"token= on the command line", []string{"--settings", settings, "-token=0123456789abcdef0123"}, "", "a token is never given on the command line"},
		{"all interfaces without token", []string{"--settings", settings, "--addr", ":8089"}, "", "--addr :8089 is not a loopback address: a bearer token is required (--token-file FILE or DTE_TRUST_TOKEN)"},
		{"0.0.0.0 without token", []string{"--settings", settings, "--addr", "0.0.0.0:8089"}, "", "--addr 0.0.0.0:8089 is not a loopback address"},
		{"public IP without token", []string{"--settings", settings, "--addr", "192.0.2.10:8089"}, "", "is not a loopback address"},
		{"IPv6 any without token", []string{"--settings", settings, "--addr", "[::]:8089"}, "", "is not a loopback address"},
		{"address without port", []string{"--settings", settings, "--addr", "127.0.0.1"}, "", "use HOST:PORT, e.g. 127.0.0.1:8089"},
		{"missing token file", []string{"--settings", settings, "--token-file", "/nonexistent/token"}, "", "token file: open /nonexistent/token"},
		{"short token", []string{"--settings", settings, "--token-file", short}, "", "must hold one token of at least 16 characters"},
		{"two tokens in the file", []string{"--settings", settings, "--token-file", twoWords}, "", "without spaces"},
		{"token file and environment", []string{"--settings", settings, "--token-file", short}, "0123456789abcdef0123", "both --token-file and DTE_TRUST_TOKEN are set"},
		{"short token in the environment", []string{"--settings", settings}, "short", "DTE_TRUST_TOKEN must hold one token"},
		{"missing settings file", []string{"--settings", "/nonexistent/settings.json"}, "", "settings file"},
		{"stray argument", []string{"--settings", settings, "now"}, "", `unexpected argument "now"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(tokenEnv, tc.env)
			}
			var stdout, stderr bytes.Buffer
			code := serveUntil(context.Background(), tc.args, &stdout, &stderr, func(string) { t.Error("trustq serve listened") })
			if code != 2 || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, stderr.String(), tc.stderr)
			}
		})
	}
}

func TestCheckAddr(t *testing.T) {
	for addr, loopback := range map[string]bool{
		"127.0.0.1:8089": true, "127.0.0.2:0": true, "[::1]:8089": true, "localhost:8089": true,
		":8089": false, "0.0.0.0:8089": false, "[::]:8089": false, "192.0.2.10:80": false,
	} {
		if err := checkAddr(context.Background(), addr, false); (err == nil) != loopback {
			t.Errorf("%s without token: %v", addr, err)
		}
		// With a token every address is allowed.
		if err := checkAddr(context.Background(), addr, true); err != nil {
			t.Errorf("%s with token: %v", addr, err)
		}
	}
}

func TestServeLoopbackWithoutToken(t *testing.T) {
	noTokenEnv(t)
	base, stop := startServe(t, "--settings", fixtureSettingsFile(t, nil), "--addr", "127.0.0.1:0")
	if code, body := call(t, "GET", base+serve.RouteHealth, "", ""); code != 200 || !strings.Contains(body, `"status":"OK"`) {
		t.Errorf("health: %d %s", code, body)
	}
	code, body := call(t, "POST", base+serve.RouteQuery, `{"query":{"queryType":"drift","format":"latest"},"from":"now-5y"}`, "")
	if code != 200 || !strings.Contains(body, `"columns":[{"name":"time","type":"time"}`) {
		t.Errorf("query: %d %s", code, body)
	}
	code, stdout, stderr := stop()
	if code != 0 || !strings.Contains(stdout, "(no token: loopback only)") || !strings.Contains(stdout, "trustq serve: stopped") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "GET /api/v1/health 200") || !strings.Contains(stderr, "shutting down") {
		t.Errorf("log:\n%s", stderr)
	}
}

func TestServeWithToken(t *testing.T) {
	const token = "f3e1c0ffee0123456789abcdef-token"
	settings := fixtureSettingsFile(t, nil)
	for _, how := range []string{"file", "env"} {
		t.Run(how, func(t *testing.T) {
			noTokenEnv(t)
			args := []string{"--settings", settings, "--addr", "127.0.0.1:0"}
			if how == "file" {
				args = append(args, "--token-file", writeFile(t, "token", token+"\n"))
			} else {
				t.Setenv(tokenEnv, token)
			}
			base, stop := startServe(t, args...)
			for _, sent := range []string{"", "wrong-0123456789abcdef"} {
				code, body := call(t, "GET", base+serve.RouteHealth, "", sent)
				if code != 401 || !strings.Contains(body, `"status":401`) {
					t.Errorf("token %q: %d %s", sent, code, body)
				}
			}
			if code, body := call(t, "GET", base+"/api/v1/options/models", "", token); code != 200 || !strings.Contains(body, "credit-risk-classifier") {
				t.Errorf("with the token: %d %s", code, body)
			}
			code, stdout, stderr := stop()
			if code != 0 || !strings.Contains(stdout, "(bearer token required)") || strings.Contains(stdout+stderr, token) {
				t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
			}
		})
	}
}

func TestServeStopsOnSIGTERM(t *testing.T) {
	noTokenEnv(t)
	addr := make(chan string, 1)
	serveReady = func(a string) { addr <- a }
	t.Cleanup(func() { serveReady = nil })
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runServe([]string{"--settings", fixtureSettingsFile(t, nil), "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-done:
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if code, body := call(t, "GET", base+serve.RouteHealth, "", ""); code != 200 {
		t.Fatalf("health: %d %s", code, body)
	}
	// runServe listens for SIGTERM before it is ready, so the signal stops it, not the test.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 || !strings.Contains(stdout.String(), "trustq serve: stopped") {
		t.Errorf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
}
