package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// Handler answers the queries of one query type.
type Handler func(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error)

// route is a query type, its handler and, for the error a user sees when no configured source
// serves it, the settings that enable it.
type route struct {
	queryType string
	handle    Handler
	needs     string
}

// routes holds every query type, in the order the query editor lists them.
var routes []route

// init registers the routes (in init because handlers reach routes again through the "not
// configured" error). Adding a query type is a query_<type>.go file with its route and one line
// here.
func init() {
	routes = []route{
		accuracyRoute,
		driftRoute,
		fairnessRoute,
		complianceRoute,
		trustScoreRoute,
		freshnessRoute,
		qualityRoute,
		explainabilityRoute,
		runsRoute,
		modelsRoute,
		variableRoute,
		annotationsRoute,
	}
}

// QueryTypes lists the query types the engine answers, in the query editor's order.
func QueryTypes() []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.queryType
	}
	return out
}

func routeOf(queryType string) (route, bool) {
	for _, r := range routes {
		if r.queryType == queryType {
			return r, true
		}
	}
	return route{}, false
}

// Route returns the handler of a query type, or an error a user can act on for a missing or
// unknown type.
func Route(queryType string) (Handler, error) {
	if queryType == "" {
		return nil, fmt.Errorf("the query has no queryType: choose one of %s", strings.Join(QueryTypes(), ", "))
	}
	r, ok := routeOf(queryType)
	if !ok {
		return nil, fmt.Errorf("unknown queryType %q: choose one of %s", queryType, strings.Join(QueryTypes(), ", "))
	}
	return r.handle, nil
}

// Query answers one query through its query type's handler.
func (e *Engine) Query(ctx context.Context, q *trust.Query) (data.Frames, error) {
	h, err := Route(q.QueryType)
	if err != nil {
		return nil, err
	}
	return h(ctx, e, q)
}

// evidenceFrames is the handler of a dimension query type: the evidence of every source serving
// the dimension, in the query's format.
func evidenceFrames(dim trust.Dimension) Handler {
	return func(ctx context.Context, e *Engine, q *trust.Query) (data.Frames, error) {
		ev, err := e.CollectAll(ctx, dim, q)
		if err != nil {
			return nil, err
		}
		if ev.Len() == 0 {
			e.explainEmpty(ctx, dim, q, ev)
		}
		return frames.Build(q.Format, ev), nil
	}
}

// serving returns the first configured provider of kind T, or the "not configured" error of the
// query type.
func serving[T trust.Provider](e *Engine, queryType string) (T, error) {
	for _, p := range e.providers {
		if t, ok := p.(T); ok {
			return t, nil
		}
	}
	var zero T
	return zero, e.notConfigured(queryType)
}
