package engine

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// runs: a table of MLflow runs with chosen metric, param and tag columns.
var runsRoute = route{
	queryType: trust.QueryRuns,
	handle:    runs,
	needs:     "set mlflowUrl",
}

func runs(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
	rp, err := serving[trust.RunsProvider](e, q.QueryType)
	if err != nil {
		return nil, err
	}
	t, err := rp.Runs(ctx, q)
	if err != nil {
		return nil, err
	}
	return frames.Runs(t), nil
}
