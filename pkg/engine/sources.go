package engine

import (
	"context"

	"github.com/dte-trust/dte-trust/pkg/policy"
	"github.com/dte-trust/dte-trust/pkg/source/evidently"
	"github.com/dte-trust/dte-trust/pkg/source/fairness"
	"github.com/dte-trust/dte-trust/pkg/source/mlflow"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// factory builds one source from the datasource settings. It returns (nil, nil) when the source is
// not configured. It may look up sources built before it with e.Provider (for example the MLflow
// client, to read artifacts), so the order of factories matters.
type factory func(ctx context.Context, s trust.Settings, e *Engine) (trust.Provider, error)

// factories lists every source the plugin knows, in build order.
var factories = []factory{
	func(ctx context.Context, s trust.Settings, _ *Engine) (trust.Provider, error) {
		return mlflow.NewProvider(ctx, s)
	},
	func(ctx context.Context, s trust.Settings, e *Engine) (trust.Provider, error) {
		return evidently.New(ctx, s, e.Provider("mlflow"))
	},
	func(ctx context.Context, s trust.Settings, e *Engine) (trust.Provider, error) {
		return fairness.NewProvider(ctx, s, e.Provider("mlflow"))
	},
	func(ctx context.Context, s trust.Settings, e *Engine) (trust.Provider, error) {
		return policy.FromSettings(ctx, s, e)
	},
}
