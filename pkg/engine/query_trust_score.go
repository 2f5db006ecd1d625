package engine

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// trust_score: per model version the weighted trust score and its part per dimension, from the
// policy source.
var trustScoreRoute = route{
	queryType: trust.QueryTrustScore,
	handle:    trustScore,
	needs:     "the trust score needs at least one evidence source",
}

func trustScore(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
	sp, err := serving[trust.ScoreProvider](e, q.QueryType)
	if err != nil {
		return nil, err
	}
	ev, err := sp.TrustScore(ctx, q)
	if err != nil {
		return nil, err
	}
	return frames.Build(q.Format, ev), nil
}
