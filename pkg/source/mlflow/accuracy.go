package mlflow

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Collect returns accuracy evidence: the metrics of the selected runs (see selectRuns), every
// metric key of the runs unless the query lists metrics. By default each metric's full history
// within the query's time range is read (the bulk history endpoint where the server has it); with
// history:false only the latest value of each metric from runs/search is used, whatever its age,
// so that a model's last evaluation stays visible. NaN values are kept.
//
// Points of one run share one Labels map: treat point labels as read-only.
func (p *Provider) Collect(ctx context.Context, dim trust.Dimension, q *trust.Query) (*trust.Evidence, error) {
	if dim != trust.Accuracy {
		return &trust.Evidence{}, nil
	}
	// A dashboard's model variable set to All means every registered model's versions, not the
	// runs of every experiment (which is what a query naming no model at all reads).
	allModels := isAll(q.Model)
	q = normalize(q)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAccuracyRuns
	}
	var sel *selection
	var err error
	if allModels && q.Alias == "" {
		sel, err = p.selectByModel(ctx, q, true)
	} else {
		sel, err = p.selectRuns(ctx, q, limit, nil)
	}
	if err != nil {
		return nil, err
	}
	ev := &trust.Evidence{Notices: sel.notices}
	if len(sel.targets) == 0 {
		return ev, nil
	}
	if q.WantsHistory() {
		if err := p.history(ctx, q, sel, ev); err != nil {
			return nil, err
		}
	} else {
		ev.Points = latestPoints(q, sel)
	}
	p.noteMissingMetrics(q, sel, ev)
	if ev.Len() == 0 && len(ev.Notices) == 0 && q.WantsHistory() {
		ev.Info(trust.SourceMLflow, "", "no metric values of %s in the time range", sel.scope)
	}
	return ev, nil
}

// latestMetrics are the latest values a target offers: the run's, or the logged model's.
func (t *target) latestMetrics() []Metric {
	if t.run != nil {
		return t.run.Data.Metrics
	}
	if t.logged != nil {
		return t.logged.Data.Metrics
	}
	return nil
}

// latestPoints turns the latest metric values of the runs into points.
func latestPoints(q *trust.Query, sel *selection) []trust.Point {
	n := 0
	for _, t := range sel.targets {
		n += len(t.latestMetrics())
	}
	pts := make([]trust.Point, 0, n)
	for _, t := range sel.targets {
		ms := t.latestMetrics()
		for i := range ms {
			m := &ms[i]
			if !q.WantsMetric(m.Key) || !t.keeps(m) {
				continue
			}
			pts = append(pts, t.point(m))
		}
	}
	return pts
}

func (t *target) point(m *Metric) trust.Point {
	return trust.Point{
		Time:      m.Time(),
		Dimension: trust.Accuracy,
		Metric:    m.Key,
		Value:     float64(m.Value),
		Labels:    t.labelsFor(m.DatasetName),
		Link:      t.link,
	}
}

// history reads the full history of every selected metric of the runs into ev, one key at a time
// across all runs (the bulk endpoint takes one key and up to 100 runs per call). A time-series
// query gets the values as compact series (one per run target, metric and labels), which keeps
// long histories small on their way to frames; other formats get points.
func (p *Provider) history(ctx context.Context, q *trust.Query, sel *selection, ev *trust.Evidence) error {
	h := planHistory(q, sel)
	compact := q.Format == trust.FormatTimeseries || q.Format == ""
	perKey := make([]keyValues, len(h.keys))
	err := forEach(ctx, len(h.keys), len(h.keys), func(ctx context.Context, i int) error {
		kv, err := p.keyHistory(ctx, q, h, h.keys[i], compact)
		perKey[i] = kv
		return err
	})
	if err != nil {
		return err
	}
	np, ns := 0, 0
	for _, kv := range perKey {
		for _, c := range kv {
			np += len(c.points)
			ns += len(c.series)
		}
	}
	ev.Points = make([]trust.Point, 0, np)
	if ns > 0 {
		ev.Series = make([]trust.Series, 0, ns)
	}
	for i, kv := range perKey {
		for _, c := range kv {
			ev.Points = append(ev.Points, c.points...)
			ev.Series = append(ev.Series, c.series...)
		}
		perKey[i] = nil
	}
	// Logged models without a run have no history: their latest values stand in for it.
	for _, t := range h.loggedOnly {
		for i := range t.logged.Data.Metrics {
			m := &t.logged.Data.Metrics[i]
			if q.WantsMetric(m.Key) && q.InRange(m.Time()) {
				ev.Points = append(ev.Points, t.point(m))
			}
		}
	}
	return nil
}

// keyValues are one metric key's values, batch by batch in run order.
type keyValues []valueChunk

// valueChunk is one history batch's values: points, or compact series.
type valueChunk struct {
	first  int // index of the batch's first run in the plan
	points []trust.Point
	series []trust.Series
}

// chunkOf turns one batch of history values within the query's range into the values of every
// target of their run: points, or one series per target and labels.
func chunkOf(q *trust.Query, h *historyPlan, first int, ms []Metric, compact bool) valueChunk {
	c := valueChunk{first: first}
	if !compact {
		c.points = make([]trust.Point, 0, len(ms))
	}
	type seriesRef struct {
		t      *target
		labels uintptr
	}
	index := map[seriesRef]int{}
	var perRun map[string]int // values of each run in the batch, to size its series at once
	if compact {
		perRun = map[string]int{}
		for j := range ms {
			perRun[ms[j].RunID]++
		}
	}
	for j := range ms {
		m := &ms[j]
		if !q.InRange(m.Time()) {
			continue
		}
		for _, t := range h.byRun[m.RunID] {
			if !t.keeps(m) {
				continue
			}
			pt := t.point(m)
			if !compact {
				c.points = append(c.points, pt)
				continue
			}
			ref := seriesRef{t, reflect.ValueOf(pt.Labels).Pointer()}
			i, ok := index[ref]
			if !ok {
				i = len(c.series)
				index[ref] = i
				n := perRun[m.RunID]
				c.series = append(c.series, trust.Series{Point: pt, Millis: make([]int64, 0, n), Values: make([]float64, 0, n)})
			}
			c.series[i].Millis = append(c.series[i].Millis, int64(m.Timestamp))
			c.series[i].Values = append(c.series[i].Values, pt.Value)
		}
	}
	return c
}

// historyPlan is what historyPoints reads: the wanted metric keys and the runs that have them.
type historyPlan struct {
	keys       []string             // wanted metric keys of the runs, sorted
	keyRuns    map[string][]string  // the runs that have each key, in target order
	byRun      map[string][]*target // the targets of each run (one per model version it is the source of)
	exact      map[string]bool      // runs read with get-history rather than the bulk endpoint
	loggedOnly []*target            // targets with a logged model and no run
}

// planHistory groups the selected targets by run and lists, for every wanted metric key, the runs
// that have it.
func planHistory(q *trust.Query, sel *selection) *historyPlan {
	h := &historyPlan{keyRuns: map[string][]string{}, byRun: map[string][]*target{}}
	for _, t := range sel.targets {
		if t.run == nil {
			h.loggedOnly = append(h.loggedOnly, t)
			continue
		}
		id := t.run.Info.ID()
		first := len(h.byRun[id]) == 0
		h.byRun[id] = append(h.byRun[id], t)
		if !first {
			continue
		}
		for i := range t.run.Data.Metrics {
			k := t.run.Data.Metrics[i].Key
			if q.WantsMetric(k) {
				h.keyRuns[k] = append(h.keyRuns[k], id)
			}
		}
	}
	h.keys = make([]string, 0, len(h.keyRuns))
	for k := range h.keyRuns {
		h.keys = append(h.keys, k)
	}
	sort.Strings(h.keys)

	// The bulk endpoint drops MLflow 3's model_id and dataset_name; runs whose values carry them
	// are read with get-history, which keeps them.
	h.exact = map[string]bool{}
	for id, ts := range h.byRun {
		h.exact[id] = needsExactHistory(ts)
	}
	return h
}

// keyHistory reads the history of one metric key of the plan's runs, the bulk endpoint first, and
// returns the values within the query's time range for every target of their run. Batches become
// values as they arrive, so decoded batches never pile up.
func (p *Provider) keyHistory(ctx context.Context, q *trust.Query, h *historyPlan, key string, compact bool) (keyValues, error) {
	var bulk, single []string
	for _, id := range h.keyRuns[key] {
		if h.exact[id] {
			single = append(single, id)
		} else {
			bulk = append(bulk, id)
		}
	}
	var mu sync.Mutex
	var out keyValues
	add := func(first int, ms []Metric) {
		c := chunkOf(q, h, first, ms, compact)
		mu.Lock()
		out = append(out, c)
		mu.Unlock()
	}
	if err := p.c.EachMetricHistory(ctx, bulk, key, add); err != nil {
		return nil, err
	}
	if len(single) > 0 {
		more, err := p.c.historiesPerRun(ctx, single, key)
		if err != nil {
			return nil, err
		}
		add(len(bulk), more)
	}
	// In run order, as the batches were asked, whatever order they arrived in.
	sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	return out, nil
}

// needsExactHistory reports whether a run's values are tied to MLflow 3 logged models or datasets.
func needsExactHistory(ts []*target) bool {
	for _, t := range ts {
		if t.modelID() != "" {
			return true
		}
		for i := range t.run.Data.Metrics {
			if m := &t.run.Data.Metrics[i]; m.ModelID != "" || m.DatasetName != "" {
				return true
			}
		}
	}
	return false
}

// noteMissingMetrics warns about requested metrics no selected run has, listing what exists.
func (p *Provider) noteMissingMetrics(q *trust.Query, sel *selection, ev *trust.Evidence) {
	if len(q.Metrics) == 0 {
		return
	}
	have := map[string]bool{}
	for _, t := range sel.targets {
		for _, m := range t.latestMetrics() {
			have[m.Key] = true
		}
	}
	var missing []string
	for _, m := range q.Metrics {
		if !have[m] {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return
	}
	avail := make([]string, 0, len(have))
	for k := range have {
		avail = append(avail, k)
	}
	sort.Strings(avail)
	if len(avail) > 20 {
		avail = append(avail[:20], "...")
	}
	msg := fmt.Sprintf("no selected run of %s has metric %s", sel.scope, quoteList(missing))
	if len(avail) > 0 {
		msg += " (metrics found: " + strings.Join(avail, ", ") + ")"
	}
	ev.Warn(trust.SourceMLflow, "", "%s", msg)
}

// normalize returns a copy of q with Grafana's "All" values cleared from the model fields.
func normalize(q *trust.Query) *trust.Query {
	c := *q
	c.Model = cleanVar(c.Model)
	c.Version = cleanVar(c.Version)
	c.Alias = cleanVar(c.Alias)
	c.Stage = cleanVar(c.Stage)
	return &c
}
