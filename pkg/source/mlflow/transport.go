package mlflow

import (
	"crypto/tls"
	"net/http"

	"github.com/dte-trust/dte-trust/pkg/httpx"
)

// newHTTPClient builds the client's HTTP client through pkg/httpx: the SDK's httpclient with
// Grafana's HTTP settings, redirects only within mlflowUrl's origin (so the Authorization header and
// the extra headers never reach another server), answers bounded by maxResponseMB and hosts by
// allowedHosts. tc is the TLS configuration of the MLflow settings (nil: Go's defaults).
func newHTTPClient(cfg *Config, tc *tls.Config, conc int) (*http.Client, error) {
	return cfg.HTTP.NewClient(httpx.ClientOptions{
		Setting:             "mlflowUrl",
		Timeout:             cfg.timeout(),
		TLS:                 tc,
		MaxIdleConnsPerHost: conc * 2,
	})
}
