package mlflow

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
)

// Limits of the history endpoints (mlflow/server/handlers.py).
const (
	maxBulkRuns       = 100   // run ids per get-history-bulk call (older servers: 20)
	oldMaxBulkRuns    = 20    // what servers before MLflow 2.10 accept
	bulkMaxResults    = 25000 // values per get-history-bulk answer, across all its runs
	historyMaxResults = 25000 // page size of get-history
)

// bulkPath is the multi-run full-history endpoint. It exists only under /ajax-api (the UI's prefix),
// not on Databricks, and not on old servers.
const bulkPath = "/ajax-api/2.0/mlflow/metrics/get-history-bulk"

// GetMetricHistory returns the full history of metric key of one run, following pages when the
// server paginates (MLflow 3); RunID is set on every value.
func (c *Client) GetMetricHistory(ctx context.Context, runID, key string) ([]Metric, error) {
	var out []Metric
	token := ""
	for {
		q := url.Values{"run_id": {runID}, "metric_key": {key}, "max_results": {strconv.Itoa(historyMaxResults)}}
		if token != "" {
			q.Set("page_token", token)
		}
		ms, next, err := c.callMetrics(ctx, api2(http.MethodGet, "metrics/get-history", q, nil))
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = ms
		} else {
			out = append(out, ms...)
		}
		if next == "" || next == token || len(ms) == 0 {
			break
		}
		token = next
	}
	for i := range out {
		out[i].RunID = runID
		if out[i].Key == "" {
			out[i].Key = key
		}
	}
	return out, nil
}

// MetricHistories returns the full history of metric key for every run of runIDs, with RunID set
// on each value, in the order of runIDs' batches. See EachMetricHistory.
func (c *Client) MetricHistories(ctx context.Context, runIDs []string, key string) ([]Metric, error) {
	var mu sync.Mutex
	parts := map[int][]Metric{}
	err := c.EachMetricHistory(ctx, runIDs, key, func(first int, ms []Metric) {
		mu.Lock()
		parts[first] = ms
		mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	firsts := make([]int, 0, len(parts))
	for f := range parts {
		firsts = append(firsts, f)
	}
	sort.Ints(firsts)
	ordered := make([][]Metric, len(firsts))
	for i, f := range firsts {
		ordered[i] = parts[f]
	}
	return concat(ordered), nil
}

// EachMetricHistory reads the full history of metric key for every run of runIDs and hands each
// batch of values to emit as it arrives (first is the index in runIDs of the batch's first run;
// emit may be called concurrently), so a caller can turn values into points without holding every
// batch at once. It asks the bulk endpoint /ajax-api/2.0/mlflow/metrics/get-history-bulk for up
// to 100 runs per call when the server has it, and falls back to one get-history call per run
// when the server answers 404, 405 or 400 there; the outcome is remembered by the client. Calls
// run concurrently within the client's concurrency bound.
func (c *Client) EachMetricHistory(ctx context.Context, runIDs []string, key string, emit func(first int, ms []Metric)) error {
	return c.eachHistory(ctx, runIDs, 0, key, emit)
}

func (c *Client) eachHistory(ctx context.Context, runIDs []string, offset int, key string, emit func(int, []Metric)) error {
	if len(runIDs) == 0 {
		return nil
	}
	if c.bulk.Load() == bulkNo {
		ms, err := c.historiesPerRun(ctx, runIDs, key)
		if err == nil {
			emit(offset, ms)
		}
		return err
	}
	if c.bulk.Load() == bulkUnknown && len(runIDs) > 1 {
		// Probe with the first batch alone so that a server without the endpoint costs one failed
		// call, not one per batch.
		size := min(int(c.bulkBatch.Load()), len(runIDs))
		first, err := c.historiesBulk(ctx, runIDs[:size], key)
		if err != nil {
			return err
		}
		emit(offset, first)
		return c.eachHistory(ctx, runIDs[size:], offset+size, key, emit)
	}
	size := int(c.bulkBatch.Load())
	batches := (len(runIDs) + size - 1) / size
	return forEach(ctx, batches, c.workers(), func(ctx context.Context, i int) error {
		ids := runIDs[i*size : min((i+1)*size, len(runIDs))]
		ms, err := c.historiesBulk(ctx, ids, key)
		if err == nil {
			emit(offset+i*size, ms)
		}
		return err
	})
}

// historiesBulk fetches one batch through the bulk endpoint, handling a truncated answer and
// falling back to per-run calls when the endpoint is unusable.
func (c *Client) historiesBulk(ctx context.Context, ids []string, key string) ([]Metric, error) {
	if c.bulk.Load() == bulkNo {
		return c.historiesPerRun(ctx, ids, key)
	}
	if limit := int(c.bulkBatch.Load()); len(ids) > limit {
		var out []Metric
		for start := 0; start < len(ids); start += limit {
			ms, err := c.historiesBulk(ctx, ids[start:min(start+limit, len(ids))], key)
			if err != nil {
				return nil, err
			}
			out = append(out, ms...)
		}
		return out, nil
	}
	q := url.Values{"metric_key": {key}, "max_results": {strconv.Itoa(bulkMaxResults)}, "run_id": ids}
	ms, _, err := c.callMetrics(ctx, &request{method: http.MethodGet, path: bulkPath, name: "metrics/get-history-bulk", query: q, api: true})
	if err != nil {
		switch status := StatusCode(err); {
		case status == http.StatusBadRequest && len(ids) > oldMaxBulkRuns:
			// Servers before 2.10 accept at most 20 run ids; try that size once.
			c.bulkBatch.Store(oldMaxBulkRuns)
			return c.historiesBulk(ctx, ids, key)
		case status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusBadRequest,
			status >= 200 && status < 300: // an HTML page: a proxy that serves only /api
			c.bulk.CompareAndSwap(bulkUnknown, bulkNo)
			return c.historiesPerRun(ctx, ids, key)
		}
		return nil, err
	}
	c.bulk.CompareAndSwap(bulkUnknown, bulkYes)
	for i := range ms {
		if ms[i].Key == "" {
			ms[i].Key = key
		}
	}
	if len(ms) < c.bulkLimit {
		return ms, nil
	}
	return c.completeTruncated(ctx, ids, key, ms)
}

// completeTruncated handles a bulk answer cut at its value limit: the runs seen before the
// last one in the answer are complete; the rest are fetched again.
func (c *Client) completeTruncated(ctx context.Context, ids []string, key string, ms []Metric) ([]Metric, error) {
	last := ms[len(ms)-1].RunID
	cut := len(ms)
	seen := map[string]bool{}
	prev := ""
	for i := range ms {
		r := ms[i].RunID
		if r != prev {
			if seen[r] || r == "" {
				// Runs are not grouped: nothing can be trusted as complete.
				return c.historiesPerRun(ctx, ids, key)
			}
			seen[r] = true
			prev = r
		}
		if r == last && cut == len(ms) {
			cut = i
		}
	}
	out := ms[:cut:cut]
	delete(seen, last)
	var rest []string
	for _, id := range ids {
		if !seen[id] && id != last {
			rest = append(rest, id)
		}
	}
	if cut == 0 {
		// One run alone fills the answer: page through its history.
		h, err := c.GetMetricHistory(ctx, last, key)
		if err != nil {
			return nil, err
		}
		out = h
	} else {
		rest = append([]string{last}, rest...)
	}
	if len(rest) == 0 {
		return out, nil
	}
	more, err := c.historiesBulk(ctx, rest, key)
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// historiesPerRun fetches each run's history with get-history.
func (c *Client) historiesPerRun(ctx context.Context, ids []string, key string) ([]Metric, error) {
	results := make([][]Metric, len(ids))
	err := forEach(ctx, len(ids), c.workers(), func(ctx context.Context, i int) error {
		ms, err := c.GetMetricHistory(ctx, ids[i], key)
		if err != nil {
			if IsNotFound(err) {
				return nil // a run deleted meanwhile has no history
			}
			return err
		}
		results[i] = ms
		return nil
	})
	if err != nil {
		return nil, err
	}
	return concat(results), nil
}

// BulkHistorySupported reports what the client learnt about the bulk endpoint: true once it
// answered, false once it was found missing, and ok false while unknown.
func (c *Client) BulkHistorySupported() (supported, known bool) {
	switch c.bulk.Load() {
	case bulkYes:
		return true, true
	case bulkNo:
		return false, true
	}
	return false, false
}

func concat(parts [][]Metric) []Metric {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return nil
	}
	out := make([]Metric, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
