package serve

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

func fptr(v float64) *float64 { return &v }

var (
	t1 = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	t2 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
)

// driftPoints are evidence as the Evidently source returns it: a dataset-level share and per-feature
// drift scores carrying the method and threshold labels, one NaN value.
func driftPoints() []trust.Point {
	share := trust.Labels{"model": "credit", "version": "3", "source": "evidently", "project": "credit-risk"}
	age := trust.Labels{"model": "credit", "version": "3", "source": "evidently", "project": "credit-risk",
		"feature": "age", "method": "K-S p_value", "threshold": "0.05"}
	return []trust.Point{
		{Time: t1, Dimension: trust.Drift, Metric: "drift_share", Value: 0.25, Labels: share, Threshold: fptr(0.5), Status: trust.StatusOK, Link: "http://ui/s1"},
		{Time: t2, Dimension: trust.Drift, Metric: "drift_share", Value: 0.75, Labels: share, Threshold: fptr(0.5), Status: trust.StatusFail, Link: "http://ui/s2"},
		{Time: t1, Dimension: trust.Drift, Metric: "drift_score", Value: 0.01, Labels: age, Threshold: fptr(0.05), Status: trust.StatusFail},
		{Time: t2, Dimension: trust.Drift, Metric: "drift_score", Value: math.NaN(), Labels: age, Threshold: fptr(0.05), Status: trust.StatusUnknown},
	}
}

// tidyColumns of driftPoints: the fixed columns, the labels in frame order (the threshold label
// renamed, since threshold is a fixed column) and link.
var tidyColumns = []Column{
	{"time", "time"}, {"dimension", "string"}, {"metric", "string"}, {"value", "number"},
	{"threshold", "number"}, {"status", "string"},
	{"model", "string"}, {"version", "string"}, {"source", "string"}, {"project", "string"},
	{"feature", "string"}, {"method", "string"}, {"label_threshold", "string"},
	{"link", "string"},
}

func checkTable(t *testing.T, got *Table, cols []Column, rows [][]any) {
	t.Helper()
	if !reflect.DeepEqual(got.Columns, cols) {
		t.Errorf("columns\n got %v\nwant %v", got.Columns, cols)
	}
	if len(got.Rows) != len(rows) {
		t.Fatalf("%d rows, want %d: %v", len(got.Rows), len(rows), got.Rows)
	}
	for i := range rows {
		if !reflect.DeepEqual(got.Rows[i], rows[i]) {
			t.Errorf("row %d\n got %#v\nwant %#v", i, got.Rows[i], rows[i])
		}
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("the table does not encode as JSON: %v", err)
	}
}

func TestTidyTable(t *testing.T) {
	got := Tidy(frames.Table(driftPoints()))
	checkTable(t, got, tidyColumns, [][]any{
		{"2026-11-02T08:00:00Z", "drift", "drift_score", nil, 0.05, "unknown", "credit", "3", "evidently", "credit-risk", "age", "K-S p_value", "0.05", nil},
		{"2026-11-02T08:00:00Z", "drift", "drift_share", 0.75, 0.5, "fail", "credit", "3", "evidently", "credit-risk", nil, nil, nil, "http://ui/s2"},
		{"2026-11-01T08:00:00Z", "drift", "drift_score", 0.01, 0.05, "fail", "credit", "3", "evidently", "credit-risk", "age", "K-S p_value", "0.05", nil},
		{"2026-11-01T08:00:00Z", "drift", "drift_share", 0.25, 0.5, "ok", "credit", "3", "evidently", "credit-risk", nil, nil, nil, "http://ui/s1"},
	})
}

func TestTidyLatest(t *testing.T) {
	// numeric-long carries no time, threshold, status or link; its string threshold column is the
	// drift threshold label.
	got := Tidy(frames.Latest(driftPoints()))
	checkTable(t, got, tidyColumns, [][]any{
		{nil, "drift", "drift_score", nil, nil, nil, "credit", "3", "evidently", "credit-risk", "age", "K-S p_value", "0.05", nil},
		{nil, "drift", "drift_share", 0.75, nil, nil, "credit", "3", "evidently", "credit-risk", nil, nil, nil, nil},
	})
}

func TestTidyTimeseries(t *testing.T) {
	// timeseries-multi: labels and the threshold come from each value field, no status or link.
	got := Tidy(frames.Timeseries(driftPoints()))
	checkTable(t, got, tidyColumns, [][]any{
		{"2026-11-01T08:00:00Z", "drift", "drift_score", 0.01, 0.05, nil, "credit", "3", "evidently", "credit-risk", "age", "K-S p_value", "0.05", nil},
		{"2026-11-02T08:00:00Z", "drift", "drift_score", nil, 0.05, nil, "credit", "3", "evidently", "credit-risk", "age", "K-S p_value", "0.05", nil},
		{"2026-11-01T08:00:00Z", "drift", "drift_share", 0.25, 0.5, nil, "credit", "3", "evidently", "credit-risk", nil, nil, nil, nil},
		{"2026-11-02T08:00:00Z", "drift", "drift_share", 0.75, 0.5, nil, "credit", "3", "evidently", "credit-risk", nil, nil, nil, nil},
	})
}

func TestTidyCompactSeries(t *testing.T) {
	// MLflow metric histories reach frames as compact series; their rows are the same as points'.
	labels := trust.Labels{"model": "credit", "version": "3", "run_id": "r1", "source": "mlflow"}
	s := trust.Series{Point: trust.Point{Dimension: trust.Accuracy, Metric: "accuracy", Labels: labels},
		Millis: []int64{t2.UnixMilli(), t1.UnixMilli()}, Values: []float64{0.9, 0.8}}
	got := Tidy(frames.TimeseriesOf(nil, []trust.Series{s}))
	cols := append(append([]Column{}, tidyLead...), Column{"model", "string"}, Column{"version", "string"},
		Column{"run_id", "string"}, Column{"source", "string"}, Column{"link", "string"})
	checkTable(t, got, cols, [][]any{
		{"2026-11-01T08:00:00Z", "accuracy", "accuracy", 0.8, nil, nil, "credit", "3", "r1", "mlflow", nil},
		{"2026-11-02T08:00:00Z", "accuracy", "accuracy", 0.9, nil, nil, "credit", "3", "r1", "mlflow", nil},
	})
}

func TestTidyEmptyAndNotices(t *testing.T) {
	lead := append(append([]Column{}, tidyLead...), Column{"link", "string"})
	for _, format := range []trust.Format{trust.FormatTimeseries, trust.FormatLatest, trust.FormatTable} {
		ev := &trust.Evidence{Notices: []trust.Notice{
			{Source: "evidently", Location: "a.json", Message: "skipped: not an Evidently export", Warning: true},
			{Source: "evidently", Message: "no timestamp"},
		}}
		got := Tidy(frames.Build(format, ev))
		checkTable(t, got, lead, nil)
		want := []Notice{{"warning", "evidently: a.json: skipped: not an Evidently export"}, {"info", "evidently: no timestamp"}}
		if !reflect.DeepEqual(got.Notices, want) {
			t.Errorf("%s notices %v, want %v", format, got.Notices, want)
		}
		b, _ := json.Marshal(Tidy(frames.Empty(format)))
		if want := `"rows":[],"notices":[]`; !json.Valid(b) || !strings.Contains(string(b), want) {
			t.Errorf("%s: empty answer %s lacks %s", format, b, want)
		}
	}
}

func TestPlainRuns(t *testing.T) {
	rt := &trust.RunTable{
		MetricKeys: []string{"accuracy"}, Params: []string{"max_depth"}, Tags: []string{"team"},
		Runs: []trust.RunRow{
			{ID: "r1", Name: "train", Experiment: "credit", Status: "FINISHED", User: "ana", Start: t1, End: t2,
				Metrics: []*float64{fptr(0.9)}, Params: []*string{ptrS("5")}, Tags: []*string{nil}, Link: "http://mlflow/r1"},
			{ID: "r2", Experiment: "credit", Status: "RUNNING", Start: t2, Metrics: []*float64{nil}},
		},
		Notices: []trust.Notice{{Source: "mlflow", Message: "1 run without metrics"}},
	}
	got := Rows(trust.QueryRuns, frames.Runs(rt))
	cols := []Column{{"run_id", "string"}, {"run_name", "string"}, {"experiment", "string"}, {"status", "string"},
		{"start_time", "time"}, {"end_time", "time"}, {"user", "string"}, {"metrics.accuracy", "number"},
		{"params.max_depth", "string"}, {"tags.team", "string"}, {"link", "string"}}
	checkTable(t, got, cols, [][]any{
		{"r1", "train", "credit", "FINISHED", "2026-11-01T08:00:00Z", "2026-11-02T08:00:00Z", "ana", 0.9, "5", nil, "http://mlflow/r1"},
		{"r2", "", "credit", "RUNNING", "2026-11-02T08:00:00Z", nil, "", nil, nil, nil, ""},
	})
	if want := []Notice{{"info", "mlflow: 1 run without metrics"}}; !reflect.DeepEqual(got.Notices, want) {
		t.Errorf("notices %v", got.Notices)
	}
}

func ptrS(s string) *string { return &s }

func TestPlainModelsOptionsAnnotations(t *testing.T) {
	models := Rows(trust.QueryModels, frames.Models([]trust.ModelRow{{Name: "credit", Version: "3", Stage: "Production",
		Aliases: []string{"champion", "prod"}, Status: "READY", Created: t1, RunID: "r1", Tags: "owner=risk", Link: "http://mlflow/m"}}))
	checkTable(t, models, []Column{{"model", "string"}, {"version", "string"}, {"stage", "string"}, {"aliases", "string"},
		{"status", "string"}, {"created", "time"}, {"updated", "time"}, {"run_id", "string"}, {"description", "string"},
		{"tags", "string"}, {"link", "string"}},
		[][]any{{"credit", "3", "Production", "champion,prod", "READY", "2026-11-01T08:00:00Z", nil, "r1", "", "owner=risk", "http://mlflow/m"}})

	opts := Rows(trust.QueryVariable, frames.Options([]trust.Option{{Text: "credit", Value: "credit"}, {Text: "v3", Value: "3"}}))
	checkTable(t, opts, []Column{{"text", "string"}, {"value", "string"}}, [][]any{{"credit", "credit"}, {"v3", "3"}})

	anns := Rows(trust.QueryAnnotations, frames.Annotations([]trust.Annotation{
		{Time: t2, Title: "drift", Text: "dataset drift", Tags: []string{"drift", "credit"}},
		{Time: t1, TimeEnd: t2, Title: "v3 registered"},
	}))
	checkTable(t, anns, []Column{{"time", "time"}, {"timeEnd", "time"}, {"title", "string"}, {"text", "string"}, {"tags", "string"}},
		[][]any{
			{"2026-11-01T08:00:00Z", "2026-11-02T08:00:00Z", "v3 registered", "", ""},
			{"2026-11-02T08:00:00Z", nil, "drift", "dataset drift", "drift,credit"},
		})
}

func TestTidyStableLabels(t *testing.T) {
	// The fairness columns are there for drift points, which carry none of them (null cells); the
	// drift points' own labels keep their columns.
	got := Rows("fairness", frames.Latest(driftPoints()))
	want := []string{"time", "dimension", "metric", "value", "threshold", "status", "model", "version",
		"run_id", "source", "project", "dataset", "feature", "sensitive_feature", "group", "control_group",
		"file", "method", "label_threshold", "link"}
	if names := columnNames(got); !reflect.DeepEqual(names, want) {
		t.Fatalf("columns %v, want %v", names, want)
	}
	for _, row := range got.Rows {
		if row[8] != nil || row[11] != nil || row[13] != nil || row[14] != nil || row[15] != nil || row[16] != nil {
			t.Errorf("a label the evidence lacks is not null: %v", row)
		}
		if row[6] == nil || row[10] == nil {
			t.Errorf("a label of the evidence is lost: %v", row)
		}
	}
}

func TestRowsDispatch(t *testing.T) {
	f := frames.Latest(driftPoints())
	for _, qt := range []string{"accuracy", "drift", "quality", "fairness", "compliance", "trust_score", "freshness", "explainability"} {
		if got := Rows(qt, f); !reflect.DeepEqual(got, Tidy(f, StableLabels[qt]...)) {
			t.Errorf("%s is not answered as tidy rows", qt)
		}
	}
	// Every tidy type has stable label columns, the model first.
	for _, qt := range tidyQueryTypes {
		if l := StableLabels[qt]; len(l) == 0 || l[0] != "model" {
			t.Errorf("%s: stable labels %v", qt, l)
		}
	}
	// A frame of another kind of field than time, number or string reads as strings.
	odd := data.Frames{data.NewFrame("x", data.NewField("ok", nil, []bool{true}), data.NewField("n", nil, []int64{3}))}
	checkTable(t, Rows("variable", odd), []Column{{"ok", "string"}, {"n", "number"}}, [][]any{{"true", int64(3)}})
}
