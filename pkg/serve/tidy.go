package serve

import (
	"slices"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Names of the fixed columns of tidy rows.
const (
	colTime      = "time"
	colDimension = trust.LabelDimension
	colMetric    = trust.LabelMetric
	colValue     = "value"
	colThreshold = "threshold"
	colStatus    = "status"
	colLink      = "link"
)

// tidyLead are the columns every tidy answer starts with; the label columns and link follow.
var tidyLead = []Column{
	{colTime, TypeTime}, {colDimension, TypeString}, {colMetric, TypeString},
	{colValue, TypeNumber}, {colThreshold, TypeNumber}, {colStatus, TypeString},
}

// fixedColumns are the names a label column may not take: a label of one of these names (drift
// scores carry a threshold label) becomes the column label_<name>.
var fixedColumns = []string{colTime, colDimension, colMetric, colValue, colThreshold, colStatus, colLink}

// LabelColumn is the column name of label key k in tidy rows.
func LabelColumn(k string) string {
	if slices.Contains(fixedColumns, k) {
		return "label_" + k
	}
	return k
}

// Tidy turns the frames of an evidence query, in any of its formats, into one row per value with
// the columns time, dimension, metric, value, threshold, status, one column per label key (in the
// order of the frames' label columns) and link. A format that does not carry a column leaves it
// null: latest (numeric-long) has no time, threshold, status or link, timeseries no status or link.
// Empty strings are null. Each label key of always has its column, with null cells where the frames
// do not carry it.
func Tidy(frames data.Frames, always ...string) *Table {
	views := make([]frameView, len(frames))
	keys := trust.Labels{}
	for _, k := range always {
		keys[k] = "x"
	}
	for i, f := range frames {
		views[i] = viewOf(f)
		for k := range views[i].labels {
			keys[k] = "x"
		}
		for k, v := range views[i].series {
			if v != "" {
				keys[k] = "x"
			}
		}
	}
	labelKeys := trust.SortedLabelKeys(keys)
	t := &Table{Columns: slices.Clone(tidyLead), Rows: [][]any{}, Notices: notices(frames)}
	for _, k := range labelKeys {
		t.Columns = append(t.Columns, Column{LabelColumn(k), TypeString})
	}
	t.Columns = append(t.Columns, Column{colLink, TypeString})
	for i, f := range frames {
		n, _ := f.RowLen()
		for r := 0; r < n; r++ {
			t.Rows = append(t.Rows, views[i].row(r, labelKeys))
		}
	}
	return t
}

// frameView is where the tidy columns of one frame are: the fields of the fixed columns (nil when
// the frame has none), the string fields of labels, and the labels of a timeseries value field.
type frameView struct {
	time, dimension, metric, value, threshold, status, link *data.Field
	labels                                                  map[string]*data.Field
	series                                                  data.Labels
	seriesThreshold                                         any
}

// viewOf sorts a frame's fields into a frameView. The first field of a fixed column's name and type
// is that column; any other string field is a label (a numeric-long frame's string threshold is the
// drift threshold label, a table frame's second threshold field too).
func viewOf(f *data.Frame) frameView {
	v := frameView{labels: map[string]*data.Field{}}
	for _, fld := range f.Fields {
		if slot := v.slot(fld); slot != nil && *slot == nil {
			*slot = fld
			continue
		}
		if _, seen := v.labels[fld.Name]; !seen && columnType(fld) == TypeString {
			v.labels[fld.Name] = fld
		}
	}
	if v.value != nil && len(v.value.Labels) > 0 {
		v.series = data.Labels{}
		for k, l := range v.value.Labels {
			if k != colDimension && k != colMetric {
				v.series[k] = l
			}
		}
	}
	if v.threshold == nil && v.value != nil && v.value.Config != nil {
		if th, ok := v.value.Config.Custom[colThreshold].(float64); ok {
			v.seriesThreshold = finite(th)
		}
	}
	return v
}

// slot is where a field of a fixed column's name and type goes, or nil.
func (v *frameView) slot(fld *data.Field) **data.Field {
	t := columnType(fld)
	switch {
	case fld.Name == colTime && t == TypeTime:
		return &v.time
	case fld.Name == colValue && t == TypeNumber:
		return &v.value
	case fld.Name == colThreshold && t == TypeNumber:
		return &v.threshold
	case t != TypeString:
		return nil
	case fld.Name == colDimension:
		return &v.dimension
	case fld.Name == colMetric:
		return &v.metric
	case fld.Name == colStatus:
		return &v.status
	case fld.Name == colLink:
		return &v.link
	}
	return nil
}

// row is the tidy row r of the frame, its labels in the order of labelKeys.
func (v *frameView) row(r int, labelKeys []string) []any {
	row := make([]any, 0, len(tidyLead)+len(labelKeys)+1)
	threshold := v.seriesThreshold
	if v.threshold != nil {
		threshold = cellValue(v.threshold, r)
	}
	row = append(row,
		v.cell(v.time, r),
		v.text(v.dimension, r, colDimension),
		v.text(v.metric, r, colMetric),
		v.cell(v.value, r),
		threshold,
		v.text(v.status, r, ""),
	)
	for _, k := range labelKeys {
		row = append(row, v.text(v.labels[k], r, k))
	}
	return append(row, v.text(v.link, r, ""))
}

// cell is the value of fld at row r, or nil without the field.
func (v *frameView) cell(fld *data.Field, r int) any {
	if fld == nil {
		return nil
	}
	return cellValue(fld, r)
}

// text is the string of fld at row r or, without the field, the value field's label key; nil when
// empty.
func (v *frameView) text(fld *data.Field, r int, key string) any {
	var s string
	if fld != nil {
		s, _ = cellValue(fld, r).(string)
	} else if key != "" && v.value != nil {
		s = v.value.Labels[key]
	}
	if s == "" {
		return nil
	}
	return s
}
