package mlflow

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// Frames answers the runs and models query types with tables of their own.
func (p *Provider) Frames(ctx context.Context, q *trust.Query) (data.Frames, error) {
	q = normalize(q)
	switch q.QueryType {
	case trust.QueryRuns:
		return p.runsFrames(ctx, q)
	case trust.QueryModels:
		return p.modelsFrames(ctx, q)
	}
	return nil, fmt.Errorf("mlflow: query type %q is not a table MLflow serves", q.QueryType)
}

// linkConfig makes a string field a clickable link to its own value.
func linkConfig(title string) *data.FieldConfig {
	return &data.FieldConfig{Links: []data.DataLink{{Title: title, URL: "${__value.raw}", TargetBlank: true}}}
}

// runsFrames is the runs table: one row per run of the query's experiments (or of the model's
// versions), with the chosen metrics (all metric keys when none are chosen), params and tags as
// columns. Pages are followed to the end unless the query sets a limit.
func (p *Provider) runsFrames(ctx context.Context, q *trust.Query) (data.Frames, error) {
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
	metricKeys := q.Metrics
	if len(metricKeys) == 0 {
		set := map[string]bool{}
		for _, t := range runs {
			for _, m := range t.run.Data.Metrics {
				set[m.Key] = true
			}
		}
		for k := range set {
			metricKeys = append(metricKeys, k)
		}
		sort.Strings(metricKeys)
	}
	n := len(runs)
	ids := make([]string, n)
	names := make([]string, n)
	exps := make([]string, n)
	statuses := make([]string, n)
	starts := make([]*time.Time, n)
	ends := make([]*time.Time, n)
	users := make([]string, n)
	links := make([]string, n)
	metricVals := make([][]*float64, len(metricKeys))
	for i := range metricVals {
		metricVals[i] = make([]*float64, n)
	}
	paramVals := make([][]*string, len(q.Params))
	for i := range paramVals {
		paramVals[i] = make([]*string, n)
	}
	tagVals := make([][]*string, len(q.Tags))
	for i := range tagVals {
		tagVals[i] = make([]*string, n)
	}
	metricCol := make(map[string]int, len(metricKeys))
	for i, k := range metricKeys {
		metricCol[k] = i
	}
	for i, t := range runs {
		r := t.run
		ids[i] = r.Info.ID()
		names[i] = r.Info.RunName
		if names[i] == "" {
			names[i] = r.Data.Tag("mlflow.runName")
		}
		exps[i] = t.exp
		statuses[i] = r.Info.Status
		starts[i] = timePtr(r.Info.StartTime)
		ends[i] = timePtr(r.Info.EndTime)
		users[i] = r.Data.Tag("mlflow.user")
		if users[i] == "" {
			users[i] = r.Info.UserID
		}
		links[i] = p.c.RunURL(t.expID, ids[i])
		for j := range r.Data.Metrics {
			m := &r.Data.Metrics[j]
			if c, ok := metricCol[m.Key]; ok {
				v := float64(m.Value)
				metricVals[c][i] = &v
			}
		}
		for c, k := range q.Params {
			for _, kv := range r.Data.Params {
				if kv.Key == k {
					v := kv.Value
					paramVals[c][i] = &v
				}
			}
		}
		for c, k := range q.Tags {
			for _, kv := range r.Data.Tags {
				if kv.Key == k {
					v := kv.Value
					tagVals[c][i] = &v
				}
			}
		}
	}
	fields := []*data.Field{
		data.NewField("run_id", nil, ids),
		data.NewField("run_name", nil, names),
		data.NewField("experiment", nil, exps),
		data.NewField("status", nil, statuses),
		data.NewField("start_time", nil, starts),
		data.NewField("end_time", nil, ends),
		data.NewField("user", nil, users),
	}
	for c, k := range metricKeys {
		fields = append(fields, data.NewField("metrics."+k, nil, metricVals[c]))
	}
	for c, k := range q.Params {
		fields = append(fields, data.NewField("params."+k, nil, paramVals[c]))
	}
	for c, k := range q.Tags {
		fields = append(fields, data.NewField("tags."+k, nil, tagVals[c]))
	}
	link := data.NewField("link", nil, links)
	link.Config = linkConfig("Open run in MLflow")
	fields = append(fields, link)
	f := data.NewFrame("runs", fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	out := data.Frames{f}
	frames.AddNotices(out, sel.notices)
	return out, nil
}

// modelsFrames is the registry table: one row per model version (newest first within a model),
// narrowed to the query's model, version and alias when set.
func (p *Provider) modelsFrames(ctx context.Context, q *trust.Query) (data.Frames, error) {
	reg, err := p.loadRegistry(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	vs, err := p.selectVersions(ctx, reg, q.Model, q.Version, q.Alias)
	if err != nil {
		return nil, err
	}
	// Newest version first within each model.
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Name != vs[j].Name {
			return vs[i].Name < vs[j].Name
		}
		a, aerr := strconv.Atoi(string(vs[i].Version))
		b, berr := strconv.Atoi(string(vs[j].Version))
		if aerr == nil && berr == nil {
			return a > b
		}
		return vs[i].Version > vs[j].Version
	})
	n := len(vs)
	cols := struct {
		model, version, stage, aliases, status, runID, desc, tags, link []string
		created, updated                                                []*time.Time
	}{
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]*time.Time, n), make([]*time.Time, n),
	}
	for i := range vs {
		v := &vs[i]
		cols.model[i] = v.Name
		cols.version[i] = string(v.Version)
		cols.stage[i] = v.CurrentStage
		cols.aliases[i] = strings.Join(reg.aliases(v), ",")
		cols.status[i] = v.Status
		cols.created[i] = timePtr(v.CreationTimestamp)
		cols.updated[i] = timePtr(v.LastUpdatedTimestamp)
		cols.runID[i] = v.RunID
		cols.desc[i] = v.Description
		cols.tags[i] = tagString(reg.tags(v))
		cols.link[i] = p.c.ModelVersionURL(v.Name, string(v.Version))
	}
	link := data.NewField("link", nil, cols.link)
	link.Config = linkConfig("Open model version in MLflow")
	f := data.NewFrame("models",
		data.NewField("model", nil, cols.model),
		data.NewField("version", nil, cols.version),
		data.NewField("stage", nil, cols.stage),
		data.NewField("aliases", nil, cols.aliases),
		data.NewField("status", nil, cols.status),
		data.NewField("created", nil, cols.created),
		data.NewField("updated", nil, cols.updated),
		data.NewField("run_id", nil, cols.runID),
		data.NewField("description", nil, cols.desc),
		data.NewField("tags", nil, cols.tags),
		link,
	)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	return data.Frames{f}, nil
}

func timePtr(ms Int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := millis(ms)
	return &t
}
