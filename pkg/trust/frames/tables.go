package frames

import (
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// linkField is a string column whose cells are links that open in a new tab, without credentials.
func linkField(values []string, title string) *data.Field {
	for i, v := range values {
		values[i] = trust.RedactURL(v)
	}
	f := data.NewField("link", nil, values)
	f.Config = &data.FieldConfig{Links: []data.DataLink{{Title: title, URL: "${__value.raw}", TargetBlank: true}}}
	return f
}

// timeCell is a nullable time cell: the zero time is empty.
func timeCell(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Runs renders a runs table: run_id, run_name, experiment, status, start_time, end_time, user,
// then metrics.<key>, params.<key> and tags.<key> columns in the table's order, and link. The
// table's notices ride on the frame.
func Runs(t *trust.RunTable) data.Frames {
	n := len(t.Runs)
	ids, names, exps, statuses, users, links := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	starts, ends := make([]*time.Time, n), make([]*time.Time, n)
	for i := range t.Runs {
		r := &t.Runs[i]
		ids[i], names[i], exps[i], statuses[i], users[i], links[i] = r.ID, r.Name, r.Experiment, r.Status, r.User, r.Link
		starts[i], ends[i] = timeCell(r.Start), timeCell(r.End)
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
	fields = append(fields, columns("metrics.", t.MetricKeys, t.Runs, func(r *trust.RunRow) []*float64 { return r.Metrics })...)
	fields = append(fields, columns("params.", t.Params, t.Runs, func(r *trust.RunRow) []*string { return r.Params })...)
	fields = append(fields, columns("tags.", t.Tags, t.Runs, func(r *trust.RunRow) []*string { return r.Tags })...)
	fields = append(fields, linkField(links, "Open run in MLflow"))
	f := data.NewFrame("runs", fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	out := data.Frames{f}
	AddNotices(out, t.Notices)
	return out
}

// columns is one nullable column per key, named prefix+key, from each row's cells in key order.
func columns[T any](prefix string, keys []string, rows []trust.RunRow, cells func(*trust.RunRow) []*T) []*data.Field {
	out := make([]*data.Field, 0, len(keys))
	for c, k := range keys {
		vals := make([]*T, len(rows))
		for i := range rows {
			if rc := cells(&rows[i]); c < len(rc) {
				vals[i] = rc[c]
			}
		}
		out = append(out, data.NewField(prefix+k, nil, vals))
	}
	return out
}

// Models renders the registry table: model, version, stage, aliases, status, created, updated,
// run_id, description, tags and link, one row per model version in the given order.
func Models(rows []trust.ModelRow) data.Frames {
	n := len(rows)
	col := func(get func(r *trust.ModelRow) string) []string {
		out := make([]string, n)
		for i := range rows {
			out[i] = get(&rows[i])
		}
		return out
	}
	times := func(get func(r *trust.ModelRow) time.Time) []*time.Time {
		out := make([]*time.Time, n)
		for i := range rows {
			out[i] = timeCell(get(&rows[i]))
		}
		return out
	}
	f := data.NewFrame("models",
		data.NewField("model", nil, col(func(r *trust.ModelRow) string { return r.Name })),
		data.NewField("version", nil, col(func(r *trust.ModelRow) string { return r.Version })),
		data.NewField("stage", nil, col(func(r *trust.ModelRow) string { return r.Stage })),
		data.NewField("aliases", nil, col(func(r *trust.ModelRow) string { return strings.Join(r.Aliases, ",") })),
		data.NewField("status", nil, col(func(r *trust.ModelRow) string { return r.Status })),
		data.NewField("created", nil, times(func(r *trust.ModelRow) time.Time { return r.Created })),
		data.NewField("updated", nil, times(func(r *trust.ModelRow) time.Time { return r.Updated })),
		data.NewField("run_id", nil, col(func(r *trust.ModelRow) string { return r.RunID })),
		data.NewField("description", nil, col(func(r *trust.ModelRow) string { return r.Description })),
		data.NewField("tags", nil, col(func(r *trust.ModelRow) string { return r.Tags })),
		linkField(col(func(r *trust.ModelRow) string { return r.Link }), "Open model version in MLflow"),
	)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	return data.Frames{f}
}
