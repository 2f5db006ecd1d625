package mlflow

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Runs answers the runs query type: one row per run of the query's experiments (or of the model's
// versions), with the chosen metrics (all metric keys when none are chosen), params and tags.
// Pages are followed to the end unless the query sets a limit.
func (p *Provider) Runs(ctx context.Context, q *trust.Query) (*trust.RunTable, error) {
	q = normalize(q)
	sel, err := p.selectRuns(ctx, q, q.Limit, q.OrderBy)
	if err != nil {
		return nil, err
	}
	var runs []*target
	seen := map[string]bool{}
	for _, t := range sel.targets {
		if t.run == nil || seen[t.run.Info.ID()] {
			continue
		}
		seen[t.run.Info.ID()] = true
		runs = append(runs, t)
	}
	table := &trust.RunTable{MetricKeys: q.Metrics, Params: q.Params, Tags: q.Tags, Notices: sel.notices}
	if len(table.MetricKeys) == 0 {
		table.MetricKeys = metricKeysOf(runs)
	}
	table.Runs = make([]trust.RunRow, len(runs))
	cols := newRunColumns(table)
	for i, t := range runs {
		table.Runs[i] = p.runRow(t, cols)
	}
	return table, nil
}

// runColumns maps the table's metric, param and tag keys to their column (a key asked for twice
// fills its last column).
type runColumns struct {
	metrics, params, tags map[string]int
	n                     [3]int
}

func newRunColumns(t *trust.RunTable) *runColumns {
	index := func(keys []string) map[string]int {
		m := make(map[string]int, len(keys))
		for i, k := range keys {
			m[k] = i
		}
		return m
	}
	return &runColumns{index(t.MetricKeys), index(t.Params), index(t.Tags), [3]int{len(t.MetricKeys), len(t.Params), len(t.Tags)}}
}

// metricKeysOf lists, sorted, every metric key the runs logged.
func metricKeysOf(runs []*target) []string {
	set := map[string]bool{}
	for _, t := range runs {
		for _, m := range t.run.Data.Metrics {
			set[m.Key] = true
		}
	}
	return sortedSet(set)
}

// runRow is one run's row: the run's attributes and its cells in the table's metric, param and
// tag columns (a key logged twice keeps its last value).
func (p *Provider) runRow(t *target, cols *runColumns) trust.RunRow {
	r := t.run
	row := trust.RunRow{
		ID: r.Info.ID(), Name: r.Info.RunName, Experiment: t.exp, Status: r.Info.Status,
		Start: millis(r.Info.StartTime), End: millis(r.Info.EndTime), User: r.Data.Tag("mlflow.user"),
	}
	if row.Name == "" {
		row.Name = r.Data.Tag("mlflow.runName")
	}
	if row.User == "" {
		row.User = r.Info.UserID
	}
	row.Link = p.c.RunURL(t.expID, row.ID)
	if cols.n[0] > 0 {
		row.Metrics = make([]*float64, cols.n[0])
		for j := range r.Data.Metrics {
			if c, ok := cols.metrics[r.Data.Metrics[j].Key]; ok {
				v := float64(r.Data.Metrics[j].Value)
				row.Metrics[c] = &v
			}
		}
	}
	row.Params = stringCells(r.Data.Params, cols.params, cols.n[1])
	row.Tags = stringCells(r.Data.Tags, cols.tags, cols.n[2])
	return row
}

// stringCells are a run's params or tags in the table's column order.
func stringCells(kvs []KeyValue, cols map[string]int, n int) []*string {
	if n == 0 {
		return nil
	}
	out := make([]*string, n)
	for i := range kvs {
		if c, ok := cols[kvs[i].Key]; ok {
			v := kvs[i].Value
			out[c] = &v
		}
	}
	return out
}

// Models answers the models query type: one row per model version (newest first within a model),
// narrowed to the query's model, version, alias and stage (case-insensitive) when set.
func (p *Provider) Models(ctx context.Context, q *trust.Query) ([]trust.ModelRow, error) {
	q = normalize(q)
	reg, vs, err := p.queryVersions(ctx, q)
	if err != nil {
		return nil, err
	}
	if stage := q.Stage; stage != "" {
		vs = slices.DeleteFunc(vs, func(v ModelVersion) bool { return !strings.EqualFold(v.CurrentStage, stage) })
	}
	// Newest version first within each model.
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Name != vs[j].Name {
			return vs[i].Name < vs[j].Name
		}
		return versionLess(vs[j].Version, vs[i].Version)
	})
	out := make([]trust.ModelRow, len(vs))
	for i := range vs {
		v := &vs[i]
		out[i] = trust.ModelRow{
			Name: v.Name, Version: string(v.Version), Stage: v.CurrentStage, Status: v.Status,
			Aliases: reg.aliases(v), Created: millis(v.CreationTimestamp), Updated: millis(v.LastUpdatedTimestamp),
			RunID: v.RunID, Description: v.Description, Tags: tagString(reg.tags(v)),
			Link: p.c.ModelVersionURL(v.Name, string(v.Version)),
		}
	}
	return out, nil
}
