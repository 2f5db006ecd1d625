//go:build protocol

package protocol

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// The demo evidence's story (scripts/demo.sh): one biased, drifting model and one healthy one.
const (
	biasedModel  = "credit-risk-classifier"
	healthyModel = "churn-predictor"
)

var (
	shared   *Plugin
	sharedDS Datasource
	counts   = map[string]int{}
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func pluginBinary() string {
	if p := os.Getenv("DTE_PLUGIN_BIN"); p != "" {
		return p
	}
	return filepath.Join(repoRoot(), "dist", "gpx_dte_trust_linux_amd64")
}

// TestMain starts the packaged plugin once for the whole suite, as Grafana keeps one process.
func TestMain(m *testing.M) {
	if os.Getenv("DTE_MLFLOW_URL") == "" {
		fmt.Fprintln(os.Stderr, "FAIL: DTE_MLFLOW_URL is not set: run scripts/test-protocol.sh (make test-protocol), which starts the demo MLflow and evidence")
		os.Exit(1)
	}
	dss, err := LoadProvisioned(filepath.Join(repoRoot(), "provisioning", "datasources", "dte-trust.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	sharedDS = dss[0]
	shared, err = Start(pluginBinary())
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	code := m.Run()
	if shared.Exited() {
		fmt.Fprintf(os.Stderr, "FAIL: the plugin process died during the suite; its output:\n%s\n", tail(shared.Logs()))
		code = 1
	}
	shared.Kill()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	fmt.Printf("protocol suite counts: %s\n", strings.Join(parts, " "))
	os.Exit(code)
}

func pluginContext(t *testing.T, ds Datasource) *pluginv2.PluginContext {
	t.Helper()
	pc, err := ds.PluginContext()
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// TestHealth: the provisioned data source is healthy; one pointed at a closed port says MLflow and
// the URL are the problem.
func TestHealth(t *testing.T) {
	r, err := shared.Health(pluginContext(t, sharedDS))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != pluginv2.CheckHealthResponse_OK {
		t.Fatalf("health of the provisioned data source: %s: %s", r.Status, r.Message)
	}
	t.Logf("health: %s", r.Message)

	closed := closedPort(t)
	bad := sharedDS
	bad.ID, bad.UID, bad.JSONData = 99, "dte-trust-closed", map[string]any{"mlflowUrl": closed, "timeoutSeconds": 5}
	r, err = shared.Health(pluginContext(t, bad))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != pluginv2.CheckHealthResponse_ERROR || !strings.Contains(r.Message, "MLflow") || !strings.Contains(r.Message, strings.TrimPrefix(closed, "http://")) {
		t.Errorf("health for MLflow at a closed port %s: %s %q, want ERROR naming MLflow and the address", closed, r.Status, r.Message)
	}
	counts["health_checks"] += 2
}

// closedPort is the URL of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// frameValues reads a variable frame's value column (else text, else the first field).
func frameValues(frames data.Frames) []string {
	var out []string
	for _, f := range frames {
		var fld *data.Field
		for _, name := range []string{"value", "text"} {
			if i, _ := f.FieldByName(name); i != nil {
				fld = i
				break
			}
		}
		if fld == nil && len(f.Fields) > 0 {
			fld = f.Fields[0]
		}
		for i := 0; fld != nil && i < fld.Len(); i++ {
			if v, ok := fld.ConcreteAt(i); ok {
				out = append(out, fmt.Sprint(v))
			}
		}
	}
	return out
}

// mustJSON is v as JSON, for messages.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
