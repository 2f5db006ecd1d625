package fairness

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"github.com/dte-trust/dte-trust/pkg/httpx"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// newHTTPClient builds the client of fairlearnUrls through pkg/httpx: the SDK's httpclient with
// Grafana's HTTP settings, redirects only within each URL's own origin (so credentials in a URL
// never reach another server), answers bounded by maxResponseMB and hosts by allowedHosts.
// tlsSkipVerify applies as before.
func newHTTPClient(ctx context.Context, s trust.Settings, cfg Config, timeout time.Duration) (*http.Client, error) {
	hs, err := httpx.FromSettings(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("fairlearn: %w", err)
	}
	o := httpx.ClientOptions{Setting: "fairlearnUrls", Timeout: timeout}
	if cfg.TLSSkipVerify {
		o.TLS = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user's explicit choice (tlsSkipVerify)
	}
	return hs.NewClient(o)
}
