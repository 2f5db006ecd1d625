package mlflow

import (
	"context"
	"fmt"
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
	var pts []trust.Point
	if q.WantsHistory() {
		pts, err = p.historyPoints(ctx, q, sel)
		if err != nil {
			return nil, err
		}
	} else {
		pts = latestPoints(q, sel)
	}
	ev.Points = pts
	p.noteMissingMetrics(q, sel, ev)
	if len(pts) == 0 && len(ev.Notices) == 0 && q.WantsHistory() {
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

// historyPoints reads the full history of every selected metric of the runs, one key at a time
// across all runs (the bulk endpoint takes one key and up to 100 runs per call).
func (p *Provider) historyPoints(ctx context.Context, q *trust.Query, sel *selection) ([]trust.Point, error) {
	h := planHistory(q, sel)
	perKey := make([][][]trust.Point, len(h.keys))
	err := forEach(ctx, len(h.keys), len(h.keys), func(ctx context.Context, i int) error {
		chunks, err := p.keyHistory(ctx, q, h, h.keys[i])
		if err != nil {
			return err
		}
		perKey[i] = chunks
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := 0
	for _, chunks := range perKey {
		for _, c := range chunks {
			n += len(c)
		}
	}
	out := make([]trust.Point, 0, n)
	for i, chunks := range perKey {
		for _, c := range chunks {
			out = append(out, c...)
		}
		perKey[i] = nil
	}
	// Logged models without a run have no history: their latest values stand in for it.
	for _, t := range h.loggedOnly {
		for i := range t.logged.Data.Metrics {
			m := &t.logged.Data.Metrics[i]
			if q.WantsMetric(m.Key) && q.InRange(m.Time()) {
				out = append(out, t.point(m))
			}
		}
	}
	return out, nil
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
// returns the values within the query's time range as points of every target of their run.
func (p *Provider) keyHistory(ctx context.Context, q *trust.Query, h *historyPlan, key string) ([][]trust.Point, error) {
	var bulk, single []string
	for _, id := range h.keyRuns[key] {
		if h.exact[id] {
			single = append(single, id)
		} else {
			bulk = append(bulk, id)
		}
	}
	// Values become points batch by batch as they arrive, so the decoded batches never pile up;
	// each batch's points are one chunk, joined once by historyPoints.
	var mu sync.Mutex
	type chunk struct {
		first int
		pts   []trust.Point
	}
	var chunks []chunk
	add := func(first int, ms []Metric) {
		pts := make([]trust.Point, 0, len(ms))
		for j := range ms {
			m := &ms[j]
			if !q.InRange(m.Time()) {
				continue
			}
			for _, t := range h.byRun[m.RunID] {
				if t.keeps(m) {
					pts = append(pts, t.point(m))
				}
			}
		}
		mu.Lock()
		chunks = append(chunks, chunk{first, pts})
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
	sort.Slice(chunks, func(i, j int) bool { return chunks[i].first < chunks[j].first })
	out := make([][]trust.Point, len(chunks))
	for i, c := range chunks {
		out[i] = c.pts
	}
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
	return &c
}
