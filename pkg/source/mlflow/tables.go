package mlflow

import (
	"context"
	"sort"

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
	for i, t := range runs {
		table.Runs[i] = p.runRow(t, table)
	}
	return table, nil
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

// runRow is one run's row: the run's attributes and the values of the table's metric, param and
// tag columns (a key logged twice keeps its last value).
func (p *Provider) runRow(t *target, table *trust.RunTable) trust.RunRow {
	r := t.run
	row := trust.RunRow{
		ID: r.Info.ID(), Name: r.Info.RunName, Experiment: t.exp, Status: r.Info.Status,
		Start: millis(r.Info.StartTime), End: millis(r.Info.EndTime), User: r.Data.Tag("mlflow.user"),
		Metrics: map[string]float64{}, Params: map[string]string{}, Tags: map[string]string{},
	}
	if row.Name == "" {
		row.Name = r.Data.Tag("mlflow.runName")
	}
	if row.User == "" {
		row.User = r.Info.UserID
	}
	row.Link = p.c.RunURL(t.expID, row.ID)
	wanted := func(keys []string) map[string]bool {
		m := make(map[string]bool, len(keys))
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	metrics, params, tags := wanted(table.MetricKeys), wanted(table.Params), wanted(table.Tags)
	for j := range r.Data.Metrics {
		if m := &r.Data.Metrics[j]; metrics[m.Key] {
			row.Metrics[m.Key] = float64(m.Value)
		}
	}
	for _, kv := range r.Data.Params {
		if params[kv.Key] {
			row.Params[kv.Key] = kv.Value
		}
	}
	for _, kv := range r.Data.Tags {
		if tags[kv.Key] {
			row.Tags[kv.Key] = kv.Value
		}
	}
	return row
}

// Models answers the models query type: one row per model version (newest first within a model),
// narrowed to the query's model, version and alias when set.
func (p *Provider) Models(ctx context.Context, q *trust.Query) ([]trust.ModelRow, error) {
	q = normalize(q)
	reg, vs, err := p.queryVersions(ctx, q)
	if err != nil {
		return nil, err
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
