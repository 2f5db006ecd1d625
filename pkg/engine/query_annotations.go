package engine

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// annotations: events of one kind (model versions registered, stage changes, drift detected,
// fairness and compliance failures) from every source that knows the kind.
var annotationsRoute = route{
	queryType: trust.QueryAnnotations,
	handle:    annotations,
}

func annotations(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
	anns, err := e.Annotations(ctx, q.Annotation, q)
	if err != nil {
		return nil, err
	}
	return frames.Annotations(anns), nil
}
