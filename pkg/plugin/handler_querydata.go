package plugin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/dte-trust/dte-trust/pkg/engine"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// ParallelQueries bounds the queries of one request that run at once.
const ParallelQueries = 4

// QueryData answers a batch of queries; each query gets its own response, error and deadline.
// The queries run concurrently (at most ParallelQueries at once), each routed by the query-type
// mux, so a request of N slow queries takes about as long as its slowest, not N times as long.
func (ds *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	if len(req.Queries) <= 1 {
		return ds.mux.QueryData(ctx, req)
	}
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, ParallelQueries)
	for _, q := range req.Queries {
		one := &backend.QueryDataRequest{PluginContext: req.PluginContext, Headers: req.Headers, Queries: []backend.DataQuery{q}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, err := ds.mux.QueryData(ctx, one)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				resp.Responses[q.RefID] = backend.ErrDataResponse(backend.StatusInternal, err.Error())
				return
			}
			maps.Copy(resp.Responses, r.Responses)
		}()
	}
	wg.Wait()
	return resp, nil
}

// newMux routes each query type to its own handler; the fallback takes queries whose type is
// missing from the request (it may still be in the JSON) or unknown.
func (ds *Datasource) newMux() *datasource.QueryTypeMux {
	mux := datasource.NewQueryTypeMux()
	for _, qt := range engine.QueryTypes() {
		h, err := engine.Route(qt)
		if err != nil {
			panic(err) // engine.QueryTypes lists routed types only
		}
		mux.HandleFunc(qt, ds.handler(h))
	}
	mux.HandleFunc("", ds.handler(nil))
	return mux
}

// handler answers a request's queries with h, or, when h is nil, with the handler of each query's
// own type. QueryData hands it one query at a time.
func (ds *Datasource) handler(h engine.Handler) backend.QueryDataHandlerFunc {
	return func(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
		resp := backend.NewQueryDataResponse()
		for _, q := range req.Queries {
			resp.Responses[q.RefID] = ds.query(ctx, q, h)
		}
		return resp, nil
	}
}

// query runs one query within the configured timeout. It never panics: a panic in a source becomes
// an error response naming the query type.
func (ds *Datasource) query(ctx context.Context, dq backend.DataQuery, h engine.Handler) (res backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			log.DefaultLogger.Error("panic in query", "queryType", dq.QueryType, "panic", r, "stack", string(debug.Stack()))
			res = backend.ErrDataResponse(backend.StatusInternal, fmt.Sprintf("internal error in %s query: %v", dq.QueryType, r))
		}
	}()
	q, err := trust.ParseQuery(dq.JSON, dq.QueryType)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	q.RefID = dq.RefID
	q.From, q.To = dq.TimeRange.From, dq.TimeRange.To
	if h == nil {
		if h, err = engine.Route(q.QueryType); err != nil {
			return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
		}
	}
	ctx, cancel := context.WithTimeout(ctx, ds.Engine.Timeout)
	defer cancel()
	frames, err := h(ctx, ds.Engine, &q)
	if err != nil {
		return errorResponse(ctx, q.QueryType, err, ds.Engine.Timeout.String())
	}
	return backend.DataResponse{Frames: frames}
}

// errorResponse maps an engine error to a DataResponse a user can act on.
func errorResponse(ctx context.Context, queryType string, err error, timeout string) backend.DataResponse {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return backend.ErrDataResponseWithSource(backend.StatusTimeout, backend.ErrorSourceDownstream,
			fmt.Sprintf("%s query timed out after %s (timeoutSeconds in the datasource settings): %v", queryType, timeout, err))
	case errors.Is(err, context.Canceled):
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, fmt.Sprintf("%s query was cancelled", queryType))
	case trust.IsUpstream(err):
		return backend.ErrDataResponseWithSource(backend.StatusBadGateway, backend.ErrorSourceDownstream, err.Error())
	default:
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
}
