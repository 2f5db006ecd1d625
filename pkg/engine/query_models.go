package engine

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// models: the model registry's versions with stage, aliases, tags and links.
var modelsRoute = route{
	queryType: trust.QueryModels,
	handle:    models,
	needs:     "set mlflowUrl",
}

func models(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
	mp, err := serving[trust.ModelsProvider](e, q.QueryType)
	if err != nil {
		return nil, err
	}
	rows, err := mp.Models(ctx, q)
	if err != nil {
		return nil, err
	}
	return frames.Models(rows), nil
}
