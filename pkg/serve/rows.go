package serve

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// Column types of a Table.
const (
	TypeTime   = "time"
	TypeNumber = "number"
	TypeString = "string"
)

// Column is one column of a Table: its name and type (time, number or string).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Notice is a notice of a frame: a file skipped, a source that failed while others answered.
type Notice struct {
	Severity string `json:"severity"`
	Text     string `json:"text"`
}

// Table is the answer to a query: typed columns, rows of cells in column order (null where a frame
// has no value) and the notices of every frame. Times are RFC 3339 strings in UTC.
type Table struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Notices []Notice `json:"notices"`
}

// tidyQueryTypes are the query types whose frames carry evidence points; they are answered as tidy
// rows. The other types (runs, models, variable, annotations) answer their own table's columns.
var tidyQueryTypes = []string{
	trust.QueryAccuracy, trust.QueryDrift, trust.QueryQuality, trust.QueryFairness,
	trust.QueryCompliance, trust.QueryTrustScore, trust.QueryFreshness, trust.QueryExplainability,
}

// StableLabels are the label columns every tidy answer of a query type has, whether or not the
// evidence read carries them (the cells are then null): the labels its sources can set. A SQL host
// (Superset's datasets, a dashboard's filters) keeps a table's columns once it has seen them, so the
// columns of a query must not come and go with the evidence. Labels beyond these still get columns.
var StableLabels = map[string][]string{
	trust.QueryAccuracy: {trust.LabelModel, trust.LabelVersion, trust.LabelExperiment, trust.LabelRunID,
		trust.LabelSource, trust.LabelProject},
	trust.QueryDrift: {trust.LabelModel, trust.LabelVersion, trust.LabelSource, trust.LabelProject,
		trust.LabelFeature, "method", colThreshold},
	trust.QueryQuality: {trust.LabelModel, trust.LabelVersion, trust.LabelSource, trust.LabelProject,
		trust.LabelFeature, "test", "test_status", trust.LabelDataset, "suite", "expectation", "column", "file"},
	trust.QueryFairness: {trust.LabelModel, trust.LabelVersion, trust.LabelRunID, trust.LabelSource,
		trust.LabelDataset, trust.LabelSensitiveFeature, trust.LabelGroup, "control_group", "file"},
	trust.QueryCompliance: {trust.LabelModel, trust.LabelVersion, trust.LabelSource, trust.LabelRule,
		"pack", "reason", "refs", "severity"},
	trust.QueryTrustScore: {trust.LabelModel, trust.LabelVersion, trust.LabelSource},
	trust.QueryFreshness:  {trust.LabelModel, trust.LabelVersion, trust.LabelAlias, trust.LabelSource},
	trust.QueryExplainability: {trust.LabelModel, trust.LabelVersion, trust.LabelRunID, trust.LabelSource,
		trust.LabelDataset, trust.LabelFeature, trust.LabelSensitiveFeature, trust.LabelGroup, "output",
		"file", "top_feature", "previous_top_feature"},
}

// Rows converts the frames answering a query of type queryType: Tidy for the evidence query types,
// with the type's StableLabels, Plain for the others.
func Rows(queryType string, frames data.Frames) *Table {
	if slices.Contains(tidyQueryTypes, queryType) {
		return Tidy(frames, StableLabels[queryType]...)
	}
	return Plain(frames)
}

// Plain turns table frames into one table: the union of their fields' columns in order of first
// appearance, one row per frame row, cells as the frames hold them.
func Plain(frames data.Frames) *Table {
	t := &Table{Columns: []Column{}, Rows: [][]any{}, Notices: notices(frames)}
	index := map[string]int{}
	for _, f := range frames {
		for _, fld := range f.Fields {
			if _, ok := index[fld.Name]; !ok {
				index[fld.Name] = len(t.Columns)
				t.Columns = append(t.Columns, Column{Name: fld.Name, Type: columnType(fld)})
			}
		}
	}
	for _, f := range frames {
		n, _ := f.RowLen()
		for r := 0; r < n; r++ {
			row := make([]any, len(t.Columns))
			for _, fld := range f.Fields {
				row[index[fld.Name]] = cellValue(fld, r)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// notices collects the notices of every frame.
func notices(frames data.Frames) []Notice {
	out := []Notice{}
	for _, f := range frames {
		if f.Meta == nil {
			continue
		}
		for _, n := range f.Meta.Notices {
			out = append(out, Notice{Severity: n.Severity.String(), Text: n.Text})
		}
	}
	return out
}

// columnType is the Table type of a field: time, number, or string for everything else.
func columnType(f *data.Field) string {
	switch t := f.Type(); {
	case t.Time():
		return TypeTime
	case t.Numeric():
		return TypeNumber
	default:
		return TypeString
	}
}

// cellValue is a field's value at row r as JSON can carry it: times as RFC 3339 strings in UTC,
// numbers as numbers, null for a null cell and for NaN and infinities (JSON has no such numbers).
func cellValue(f *data.Field, r int) any {
	v, ok := f.ConcreteAt(r)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return finite(x)
	case float32:
		return finite(float64(x))
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// finite is v, or nil for NaN and infinities.
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}
