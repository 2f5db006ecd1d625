package engine

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// freshness: per model version and evidence dimension the age of the newest evidence and whether
// evidence younger than staleAfter is present, from the policy source (which reads every model
// version's evidence per dimension).
var freshnessRoute = route{
	queryType: trust.QueryFreshness,
	handle:    freshness,
	needs:     "evidence freshness needs at least one evidence source",
}

func freshness(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
	fp, err := serving[trust.FreshnessProvider](e, q.QueryType)
	if err != nil {
		return nil, err
	}
	ev, err := fp.Freshness(ctx, q)
	if err != nil {
		return nil, err
	}
	return frames.Build(q.Format, ev), nil
}
