package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// CheckHealth checks every configured source with a real call and says what is wrong.
func (ds *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	ctx, cancel := context.WithTimeout(ctx, ds.Engine.Timeout)
	defer cancel()
	r := ds.Engine.CheckHealth(ctx)
	status := backend.HealthStatusOk
	if !r.OK {
		status = backend.HealthStatusError
	}
	return &backend.CheckHealthResult{Status: status, Message: trust.RedactText(r.Message)}, nil
}
