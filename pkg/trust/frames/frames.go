// Package frames turns trust evidence into Grafana dataplane frames: timeseries-multi for history,
// numeric-long for the latest value per series (alerting and stat panels) and a table with links.
package frames

import (
	"math"
	"reflect"
	"slices"
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
	case ev.Len() == 0:
		frames = Empty(format)
	case format == trust.FormatLatest:
		ev.Flatten()
		frames = Latest(ev.Points)
	case format == trust.FormatTable:
		ev.Flatten()
		frames = Table(ev.Points)
	default:
		frames = TimeseriesOf(ev.Points, ev.Series)
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
func Timeseries(points []trust.Point) data.Frames { return TimeseriesOf(points, nil) }

// TimeseriesOf renders points and compact series together as Timeseries does: values of the same
// series key form one frame whichever way they came, points before series values at equal times.
func TimeseriesOf(points []trust.Point, compact []trust.Series) data.Frames {
	g := grouping{points: points, compact: compact, index: map[string]*group{}, keyOf: seriesKeyer{}}
	for i := range points {
		gr := g.groupOf(&points[i])
		gr.members = append(gr.members, member{-1, i})
	}
	for i := range compact {
		g.addSeries(i)
	}
	sort.Strings(g.order)
	if len(g.order) == 0 {
		return data.Frames{emptyFrame(data.FrameTypeTimeSeriesMulti)}
	}
	frames := make(data.Frames, 0, len(g.order))
	firsts := make([]*trust.Point, 0, len(g.order))
	for _, k := range g.order {
		gr := g.index[k]
		times, values := g.columns(gr)
		valueField := data.NewField("value", seriesLabels(gr.first), values)
		valueField.Config = &data.FieldConfig{DisplayNameFromDS: DisplayName(gr.first)}
		if gr.first.Threshold != nil {
			valueField.Config.Custom = map[string]any{"threshold": *gr.first.Threshold}
		}
		f := data.NewFrame(gr.first.Metric, data.NewField("time", nil, times), valueField)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: typeVersion}
		frames = append(frames, f)
		firsts = append(firsts, gr.first)
	}
	disambiguate(frames, firsts)
	return frames
}

// grouping gathers the values of points and compact series by series key.
type grouping struct {
	points  []trust.Point
	compact []trust.Series
	index   map[string]*group
	order   []string
	keyOf   seriesKeyer
}

// group is the values of one series key.
type group struct {
	first   *trust.Point
	members []member
	only    int // index of the one compact series holding every value (members unused), or -1
}

// member is one value: a point, or a value of a compact series.
type member struct {
	series int // index into compact, or -1 for a point
	row    int // index into points, or into the series' values
}

func (g *grouping) groupOf(p *trust.Point) *group {
	k := g.keyOf.key(p)
	gr, ok := g.index[k]
	if !ok {
		gr = &group{first: p, only: -1}
		g.index[k] = gr
		g.order = append(g.order, k)
	}
	return gr
}

// addSeries adds compact series i to its group: as the group's only series while it is alone,
// value by value once anything else joins.
func (g *grouping) addSeries(i int) {
	gr := g.groupOf(&g.compact[i].Point)
	if len(gr.members) == 0 && gr.only < 0 {
		gr.only = i
		return
	}
	g.expand(gr)
	for j := range g.compact[i].Values {
		gr.members = append(gr.members, member{i, j})
	}
}

// expand lists the values of the group's only series as members.
func (g *grouping) expand(gr *group) {
	if gr.only < 0 {
		return
	}
	for j := range g.compact[gr.only].Values {
		gr.members = append(gr.members, member{gr.only, j})
	}
	gr.only = -1
}

func (g *grouping) at(m member) (time.Time, float64) {
	if m.series < 0 {
		return g.points[m.row].Time, g.points[m.row].Value
	}
	return g.compact[m.series].Time(m.row), g.compact[m.series].Values[m.row]
}

// columns are a group's times and values sorted by time (ties keep input order). A lone series
// already in time order needs no regrouping.
func (g *grouping) columns(gr *group) ([]time.Time, []float64) {
	if gr.only >= 0 {
		s := &g.compact[gr.only]
		if slices.IsSorted(s.Millis) {
			times := make([]time.Time, len(s.Millis))
			for i := range s.Millis {
				times[i] = s.Time(i)
			}
			return times, s.Values
		}
		g.expand(gr)
	}
	sort.SliceStable(gr.members, func(i, j int) bool {
		ti, _ := g.at(gr.members[i])
		tj, _ := g.at(gr.members[j])
		return ti.Before(tj)
	})
	times := make([]time.Time, len(gr.members))
	values := make([]float64, len(gr.members))
	for i, m := range gr.members {
		times[i], values[i] = g.at(m)
	}
	return times, values
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
// The whole key is kept per Labels map, dimension and metric too, so the points of one series
// share one key string instead of building one each.
type seriesKeyer map[seriesID]string

type seriesID struct {
	labels    uintptr // the Labels map; 0 for the labels part alone
	dimension trust.Dimension
	metric    string
}

func (k seriesKeyer) key(p *trust.Point) string {
	if len(p.Labels) == 0 {
		return p.SeriesKey()
	}
	ptr := reflect.ValueOf(p.Labels).Pointer()
	full := seriesID{ptr, p.Dimension, p.Metric}
	if key, ok := k[full]; ok {
		return key
	}
	labels, ok := k[seriesID{labels: ptr}]
	if !ok {
		// The key of a point with only labels is "\x00" followed by the labels part.
		only := trust.Point{Labels: p.Labels}
		labels = only.SeriesKey()[1:]
		k[seriesID{labels: ptr}] = labels
	}
	key := string(p.Dimension) + "\x00" + p.Metric + labels
	k[full] = key
	return key
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
