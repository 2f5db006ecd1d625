// Package frames turns trust evidence into Grafana dataplane frames: timeseries-multi for history,
// numeric-long for the latest value per series (alerting and stat panels) and a table with links.
package frames

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// dataplane type version of every typed frame the plugin emits.
var typeVersion = data.FrameTypeVersion{0, 1}

// Build renders evidence in the query's format. Notices are attached to the first frame.
func Build(format trust.Format, ev *trust.Evidence) data.Frames {
	var frames data.Frames
	switch {
	case len(ev.Points) == 0:
		frames = Empty(format)
	case format == trust.FormatLatest:
		frames = Latest(ev.Points)
	case format == trust.FormatTable:
		frames = Table(ev.Points)
	default:
		frames = Timeseries(ev.Points)
	}
	AddNotices(frames, ev.Notices)
	return frames
}

// AddNotices attaches notices to the first frame of frames.
func AddNotices(frames data.Frames, notices []trust.Notice) {
	if len(frames) == 0 || len(notices) == 0 {
		return
	}
	f := frames[0]
	if f.Meta == nil {
		f.Meta = &data.FrameMeta{}
	}
	for _, n := range notices {
		sev := data.NoticeSeverityInfo
		if n.Warning {
			sev = data.NoticeSeverityWarning
		}
		f.Meta.Notices = append(f.Meta.Notices, data.Notice{Severity: sev, Text: n.String()})
	}
}

// seriesLabels are the frame labels of a point: its labels plus dimension and metric.
func seriesLabels(p *trust.Point) data.Labels {
	l := make(data.Labels, len(p.Labels)+2)
	for k, v := range p.Labels {
		if v != "" {
			l[k] = v
		}
	}
	l[trust.LabelDimension] = string(p.Dimension)
	l[trust.LabelMetric] = p.Metric
	return l
}

// DisplayName is the readable legend of a series: "credit-risk v3 accuracy", plus the distinguishing
// labels a reader needs (group, feature, rule, run).
func DisplayName(p *trust.Point) string {
	var parts []string
	if m := p.Labels[trust.LabelModel]; m != "" {
		if v := p.Labels[trust.LabelVersion]; v != "" {
			m += " v" + v
		} else if a := p.Labels[trust.LabelAlias]; a != "" {
			m += "@" + a
		}
		parts = append(parts, m)
	} else if prj := p.Labels[trust.LabelProject]; prj != "" {
		parts = append(parts, prj)
	}
	parts = append(parts, p.Metric)
	var extra []string
	for _, k := range []string{trust.LabelSensitiveFeature, trust.LabelGroup, trust.LabelFeature, trust.LabelRule} {
		if v := p.Labels[k]; v != "" {
			extra = append(extra, k+"="+v)
		}
	}
	if p.Labels[trust.LabelModel] == "" {
		if r := p.Labels[trust.LabelRunID]; r != "" {
			name := r
			if len(name) > 8 {
				name = name[:8]
			}
			extra = append(extra, "run="+name)
		}
	}
	s := strings.Join(parts, " ")
	if len(extra) > 0 {
		s += " {" + strings.Join(extra, ", ") + "}"
	}
	return s
}

// Timeseries renders points as timeseries-multi: one frame per series, fields time and value, the
// value field carrying the labels and a display name, rows sorted by time.
func Timeseries(points []trust.Point) data.Frames {
	type series struct {
		first *trust.Point
		rows  []int // indices into points
	}
	index := map[string]*series{}
	var order []string
	keyOf := seriesKeyer{}
	for i := range points {
		p := &points[i]
		k := keyOf.key(p)
		s, ok := index[k]
		if !ok {
			s = &series{first: p}
			index[k] = s
			order = append(order, k)
		}
		s.rows = append(s.rows, i)
	}
	sort.Strings(order)
	if len(order) == 0 {
		return data.Frames{emptyFrame(data.FrameTypeTimeSeriesMulti)}
	}
	frames := make(data.Frames, 0, len(order))
	firsts := make([]*trust.Point, 0, len(order))
	for _, k := range order {
		s := index[k]
		sort.SliceStable(s.rows, func(i, j int) bool { return points[s.rows[i]].Time.Before(points[s.rows[j]].Time) })
		times := make([]time.Time, len(s.rows))
		values := make([]float64, len(s.rows))
		for i, r := range s.rows {
			times[i] = points[r].Time
			values[i] = points[r].Value
		}
		valueField := data.NewField("value", seriesLabels(s.first), values)
		valueField.Config = &data.FieldConfig{DisplayNameFromDS: DisplayName(s.first)}
		if s.first.Threshold != nil {
			valueField.Config.Custom = map[string]any{"threshold": *s.first.Threshold}
		}
		f := data.NewFrame(s.first.Metric, data.NewField("time", nil, times), valueField)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: typeVersion}
		frames = append(frames, f)
		firsts = append(firsts, s.first)
	}
	disambiguate(frames, firsts)
	return frames
}

// disambiguateBy are the labels that tell apart series whose display names collide (MLflow and
// Evidently both reporting a version's accuracy, two runs of one version), in the order tried.
var disambiguateBy = []string{trust.LabelSource, trust.LabelRunID, trust.LabelDataset, trust.LabelProject, trust.LabelExperiment}

// disambiguate appends to colliding display names the first label that differs among them, so a
// legend never shows two series under one name.
func disambiguate(frames data.Frames, firsts []*trust.Point) {
	groups := map[string][]int{}
	for i, f := range frames {
		name := f.Fields[1].Config.DisplayNameFromDS
		groups[name] = append(groups[name], i)
	}
	for name, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		for _, key := range disambiguateBy {
			values := map[string]bool{}
			for _, i := range idx {
				values[firsts[i].Labels[key]] = true
			}
			if len(values) < 2 {
				continue
			}
			for _, i := range idx {
				v := firsts[i].Labels[key]
				if key == trust.LabelRunID && len(v) > 8 {
					v = v[:8]
				}
				if v == "" {
					v = "-"
				}
				frames[i].Fields[1].Config.DisplayNameFromDS = name + " (" + v + ")"
			}
			break
		}
	}
}

// seriesKeyer computes Point.SeriesKey, sorting the labels of each distinct Labels map once:
// sources share one map among the points of a series, and a sort per point dominated the cost of
// building frames for large histories. Labels must not change while a keyer is in use.
type seriesKeyer map[uintptr]string

func (k seriesKeyer) key(p *trust.Point) string {
	if len(p.Labels) == 0 {
		return p.SeriesKey()
	}
	id := reflect.ValueOf(p.Labels).Pointer()
	labels, ok := k[id]
	if !ok {
		// The key of a point with only labels is "\x00" followed by the labels part.
		only := trust.Point{Labels: p.Labels}
		labels = only.SeriesKey()[1:]
		k[id] = labels
	}
	return string(p.Dimension) + "\x00" + p.Metric + labels
}

// LatestPoints keeps the latest point of each series (ties: the later one in input order), sorted
// by series key so output is stable.
func LatestPoints(points []trust.Point) []trust.Point {
	latest := map[string]int{}
	keyOf := seriesKeyer{}
	for i := range points {
		k := keyOf.key(&points[i])
		j, ok := latest[k]
		if !ok || !points[i].Time.Before(points[j].Time) {
			latest[k] = i
		}
	}
	keys := make([]string, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]trust.Point, len(keys))
	for i, k := range keys {
		out[i] = points[latest[k]]
	}
	return out
}

// labelColumns returns the label keys used by any point, in trust.LabelOrder then alphabetical order.
func labelColumns(points []trust.Point) []string {
	union := trust.Labels{}
	for i := range points {
		for k, v := range points[i].Labels {
			if v != "" {
				union[k] = "x"
			}
		}
	}
	return trust.SortedLabelKeys(union)
}

// Latest renders the latest value of each series as numeric-long: string columns dimension, metric
// and one per label key, then one number column "value". Rows are unique by their labels, so a
// multi-dimensional alert gets one instance per series.
func Latest(points []trust.Point) data.Frames {
	pts := LatestPoints(points)
	if len(pts) == 0 {
		return data.Frames{emptyFrame(data.FrameTypeNumericLong)}
	}
	cols := labelColumns(pts)
	fields := make([]*data.Field, 0, len(cols)+3)
	dims := make([]string, len(pts))
	metrics := make([]string, len(pts))
	values := make([]float64, len(pts))
	labelVals := make([][]string, len(cols))
	for c := range cols {
		labelVals[c] = make([]string, len(pts))
	}
	for i := range pts {
		dims[i] = string(pts[i].Dimension)
		metrics[i] = pts[i].Metric
		values[i] = pts[i].Value
		for c, k := range cols {
			labelVals[c][i] = pts[i].Labels[k]
		}
	}
	fields = append(fields, data.NewField(trust.LabelDimension, nil, dims), data.NewField(trust.LabelMetric, nil, metrics))
	for c, k := range cols {
		fields = append(fields, data.NewField(k, nil, labelVals[c]))
	}
	fields = append(fields, data.NewField("value", nil, values))
	f := data.NewFrame("latest", fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericLong, TypeVersion: typeVersion}
	return data.Frames{f}
}

// Table renders every point as a row: time, dimension, metric, value, threshold, status, the label
// columns and link (with a data link that opens it).
func Table(points []trust.Point) data.Frames {
	keyOf := seriesKeyer{}
	keys := make([]string, len(points))
	order := make([]int, len(points))
	for i := range points {
		keys[i] = keyOf.key(&points[i])
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if !points[i].Time.Equal(points[j].Time) {
			return points[i].Time.After(points[j].Time)
		}
		return keys[i] < keys[j]
	})
	pts := make([]trust.Point, len(points))
	for i, j := range order {
		pts[i] = points[j]
	}
	cols := labelColumns(pts)
	n := len(pts)
	times := make([]time.Time, n)
	dims := make([]string, n)
	metrics := make([]string, n)
	values := make([]*float64, n)
	thresholds := make([]*float64, n)
	statuses := make([]string, n)
	links := make([]string, n)
	labelVals := make([][]string, len(cols))
	for c := range cols {
		labelVals[c] = make([]string, n)
	}
	for i := range pts {
		p := &pts[i]
		times[i] = p.Time
		dims[i] = string(p.Dimension)
		metrics[i] = p.Metric
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			v := p.Value
			values[i] = &v
		}
		thresholds[i] = p.Threshold
		statuses[i] = string(p.Status)
		links[i] = trust.RedactURL(p.Link) // no credentials in a link, whoever built the point
		for c, k := range cols {
			labelVals[c][i] = p.Labels[k]
		}
	}
	fields := []*data.Field{
		data.NewField("time", nil, times),
		data.NewField(trust.LabelDimension, nil, dims),
		data.NewField(trust.LabelMetric, nil, metrics),
		data.NewField("value", nil, values),
		data.NewField("threshold", nil, thresholds),
		data.NewField("status", nil, statuses),
	}
	for c, k := range cols {
		fields = append(fields, data.NewField(k, nil, labelVals[c]))
	}
	fields = append(fields, linkField(links, "Open evidence"))
	f := data.NewFrame("evidence", fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	return data.Frames{f}
}

// emptyFrame is the dataplane "no data" answer: one frame of the type with no fields.
func emptyFrame(t data.FrameType) *data.Frame {
	f := data.NewFrame("")
	f.Meta = &data.FrameMeta{Type: t, TypeVersion: typeVersion}
	return f
}

// Empty returns the no-data answer for a format.
func Empty(format trust.Format) data.Frames {
	switch format {
	case trust.FormatLatest:
		return data.Frames{emptyFrame(data.FrameTypeNumericLong)}
	case trust.FormatTable:
		f := data.NewFrame("evidence")
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
		return data.Frames{f}
	default:
		return data.Frames{emptyFrame(data.FrameTypeTimeSeriesMulti)}
	}
}

// Options renders dropdown options as a variable frame with text and value fields.
func Options(opts []trust.Option) data.Frames {
	text := make([]string, len(opts))
	value := make([]string, len(opts))
	for i, o := range opts {
		text[i], value[i] = o.Text, o.Value
	}
	f := data.NewFrame("options", data.NewField("text", nil, text), data.NewField("value", nil, value))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	return data.Frames{f}
}

// Annotations renders annotations as the frame Grafana's annotation support reads.
func Annotations(anns []trust.Annotation) data.Frames {
	sort.SliceStable(anns, func(i, j int) bool { return anns[i].Time.Before(anns[j].Time) })
	n := len(anns)
	t := make([]time.Time, n)
	te := make([]*time.Time, n)
	title := make([]string, n)
	text := make([]string, n)
	tags := make([]string, n)
	for i, a := range anns {
		t[i] = a.Time
		if !a.TimeEnd.IsZero() {
			e := a.TimeEnd
			te[i] = &e
		}
		title[i], text[i] = trust.RedactText(a.Title), trust.RedactText(a.Text)
		tags[i] = strings.Join(a.Tags, ",")
	}
	f := data.NewFrame("annotations",
		data.NewField("time", nil, t), data.NewField("timeEnd", nil, te),
		data.NewField("title", nil, title), data.NewField("text", nil, text), data.NewField("tags", nil, tags))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	return data.Frames{f}
}

// FormatValue renders a value for text output (trustq tables).
func FormatValue(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return fmt.Sprintf("%.6g", v)
}
