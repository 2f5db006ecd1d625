package mlflow

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// Secrets used by tests; none may ever appear in an error.
const (
	testPassword = "s3cr3t-Passw0rd"
	testToken    = "dapi-T0ken-abcdef123456"
	testHeader   = "X-Secret-Header-Value-42"
)

// newClient builds a client for a fake server with fast retries.
func newClient(t *testing.T, srv *mlflowtest.Server, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{URL: srv.URL}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	c.backoffBase = time.Millisecond
	c.backoffMax = 5 * time.Millisecond
	t.Cleanup(c.Close)
	return c
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// assertNoSecrets fails when an error message contains a secret.
func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{testPassword, testToken, testHeader} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks a secret: %v", err)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tableFrames answers a runs or models query the way the engine does: the provider's rows, then
// pkg/trust/frames.
func tableFrames(p *Provider, q *trust.Query) (data.Frames, error) {
	ctx := context.Background()
	if q.QueryType == trust.QueryModels {
		rows, err := p.Models(ctx, q)
		if err != nil {
			return nil, err
		}
		return frames.Models(rows), nil
	}
	t, err := p.Runs(ctx, q)
	if err != nil {
		return nil, err
	}
	return frames.Runs(t), nil
}
