package mlflow

import (
	"context"
	"net/http"

	"github.com/dte-trust/dte-trust/pkg/upstream"
)

// CheckHealth makes a real call (experiments/search with max_results=1) and asks GET /version for
// the server's version. Failures come back as actionable errors (DNS, refused connection, TLS,
// timeout, credentials, a URL that is not an MLflow server).
func (p *Provider) CheckHealth(ctx context.Context) (string, error) {
	ctx = upstream.Fresh(ctx)
	var page struct {
		Experiments []Experiment `json:"experiments"`
	}
	body := map[string]any{"max_results": 1}
	if err := p.c.call(ctx, api2(http.MethodPost, "experiments/search", nil, body), &page); err != nil {
		return "", err
	}
	version, _ := p.c.ServerVersion(ctx)
	what := "MLflow"
	if version != "" {
		what += " " + version
	}
	state := "connected, experiments readable"
	if len(page.Experiments) == 0 {
		state = "connected, no experiments yet"
	}
	return what + " at " + p.c.baseURL + ": " + state, nil
}
