package engine

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// variable: template-variable values of one kind (models, versions, features ...), merged over
// every source that knows the kind.
var variableRoute = route{
	queryType: trust.QueryVariable,
	handle:    variable,
}

func variable(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
	opts, err := e.Options(ctx, q.Variable, q)
	if err != nil {
		return nil, err
	}
	return frames.Options(opts), nil
}
