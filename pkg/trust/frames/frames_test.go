package frames

import (
	"math"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func pt(minutes int, metric string, v float64, labels trust.Labels) trust.Point {
	return trust.Point{Time: t0.Add(time.Duration(minutes) * time.Minute), Dimension: trust.Accuracy, Metric: metric, Value: v, Labels: labels}
}

func samplePoints() []trust.Point {
	v1 := trust.Labels{trust.LabelModel: "credit", trust.LabelVersion: "1", trust.LabelSource: "mlflow"}
	v2 := trust.Labels{trust.LabelModel: "credit", trust.LabelVersion: "2", trust.LabelSource: "mlflow"}
	return []trust.Point{
		pt(2, "accuracy", 0.82, v1),
		pt(1, "accuracy", 0.80, v1),
		pt(1, "accuracy", 0.90, v2),
		pt(3, "f1", math.NaN(), v2),
		pt(5, "accuracy", 0.91, v2),
	}
}

func TestTimeseriesIsMultiSortedAndLabelled(t *testing.T) {
	fs := Timeseries(samplePoints())
	if len(fs) != 3 {
		t.Fatalf("want 3 series frames, got %d", len(fs))
	}
	for _, f := range fs {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Meta.TypeVersion != (data.FrameTypeVersion{0, 1}) {
			t.Fatalf("frame %q meta = %+v", f.Name, f.Meta)
		}
		if len(f.Fields) != 2 || f.Fields[0].Type() != data.FieldTypeTime || f.Fields[1].Type() != data.FieldTypeFloat64 {
			t.Fatalf("frame %q fields are not time+value", f.Name)
		}
		for i := 1; i < f.Rows(); i++ {
			if f.Fields[0].At(i).(time.Time).Before(f.Fields[0].At(i - 1).(time.Time)) {
				t.Fatalf("frame %q not sorted by time", f.Name)
			}
		}
	}
	// The v1 accuracy series was given out of order and must come back sorted with its labels.
	var v1 *data.Frame
	for _, f := range fs {
		if f.Fields[1].Labels["version"] == "1" {
			v1 = f
		}
	}
	if v1 == nil {
		t.Fatal("no frame for version 1")
	}
	want := data.Labels{"model": "credit", "version": "1", "source": "mlflow", "dimension": "accuracy", "metric": "accuracy"}
	if !v1.Fields[1].Labels.Equals(want) {
		t.Fatalf("labels = %v, want %v", v1.Fields[1].Labels, want)
	}
	if got := []float64{v1.Fields[1].At(0).(float64), v1.Fields[1].At(1).(float64)}; got[0] != 0.80 || got[1] != 0.82 {
		t.Fatalf("values = %v, want [0.8 0.82]", got)
	}
	if dn := v1.Fields[1].Config.DisplayNameFromDS; dn != "credit v1 accuracy" {
		t.Fatalf("display name = %q", dn)
	}
}

func TestLatestIsNumericLongWithUniqueRows(t *testing.T) {
	fs := Latest(samplePoints())
	if len(fs) != 1 {
		t.Fatalf("want one frame, got %d", len(fs))
	}
	f := fs[0]
	if f.Meta.Type != data.FrameTypeNumericLong {
		t.Fatalf("type = %s", f.Meta.Type)
	}
	if f.Rows() != 3 {
		t.Fatalf("want 3 rows (one per series), got %d", f.Rows())
	}
	names := []string{}
	for _, fld := range f.Fields {
		names = append(names, fld.Name)
	}
	wantNames := []string{"dimension", "metric", "model", "version", "source", "value"}
	if len(names) != len(wantNames) {
		t.Fatalf("columns = %v, want %v", names, wantNames)
	}
	for i := range names {
		if names[i] != wantNames[i] {
			t.Fatalf("columns = %v, want %v", names, wantNames)
		}
	}
	seen := map[string]bool{}
	numeric := 0
	for _, fld := range f.Fields {
		if fld.Type().Numeric() {
			numeric++
		}
	}
	if numeric != 1 {
		t.Fatalf("numeric-long for alerting must have exactly one number column, got %d", numeric)
	}
	for r := 0; r < f.Rows(); r++ {
		key := ""
		for _, fld := range f.Fields[:5] {
			key += fld.At(r).(string) + "|"
		}
		if seen[key] {
			t.Fatalf("duplicate label row %q", key)
		}
		seen[key] = true
		if key == "accuracy|accuracy|credit|2|mlflow|" && f.Fields[5].At(r).(float64) != 0.91 {
			t.Fatalf("latest v2 accuracy = %v, want 0.91", f.Fields[5].At(r))
		}
		if key == "accuracy|accuracy|credit|1|mlflow|" && f.Fields[5].At(r).(float64) != 0.82 {
			t.Fatalf("latest v1 accuracy = %v, want 0.82", f.Fields[5].At(r))
		}
	}
}

func TestTableHasContractColumnsAndLink(t *testing.T) {
	pts := samplePoints()
	pts[0].Link = "http://mlflow/#/runs/1"
	pts[0].WithStatus(0.85, true)
	f := Table(pts)[0]
	want := []string{"time", "dimension", "metric", "value", "threshold", "status", "model", "version", "source", "link"}
	if len(f.Fields) != len(want) {
		t.Fatalf("got %d columns, want %v", len(f.Fields), want)
	}
	for i, n := range want {
		if f.Fields[i].Name != n {
			t.Fatalf("column %d = %s, want %s", i, f.Fields[i].Name, n)
		}
	}
	link := f.Fields[len(f.Fields)-1]
	if link.Config == nil || len(link.Config.Links) != 1 || link.Config.Links[0].URL != "${__value.raw}" {
		t.Fatalf("link column has no data link: %+v", link.Config)
	}
	// Newest first; the NaN f1 value becomes null rather than a NaN in JSON.
	foundNull, foundFail := false, false
	for r := 0; r < f.Rows(); r++ {
		if f.Fields[2].At(r) == "f1" && f.Fields[3].At(r).(*float64) == nil {
			foundNull = true
		}
		if f.Fields[5].At(r) == "fail" && *f.Fields[4].At(r).(*float64) == 0.85 && f.Fields[9].At(r) == "http://mlflow/#/runs/1" {
			foundFail = true
		}
	}
	if !foundNull || !foundFail {
		t.Fatalf("null NaN: %v, failing row with threshold and link: %v", foundNull, foundFail)
	}
}

func TestNoDataIsOneTypedEmptyFrame(t *testing.T) {
	for _, format := range []trust.Format{trust.FormatTimeseries, trust.FormatLatest, trust.FormatTable} {
		fs := Build(format, &trust.Evidence{Notices: []trust.Notice{{Source: "evidently", Location: "a.json", Message: "truncated JSON", Warning: true}}})
		if len(fs) != 1 || len(fs[0].Fields) != 0 || fs[0].Meta == nil || fs[0].Meta.Type == "" {
			t.Fatalf("%s: want one empty typed frame, got %v", format, fs)
		}
		if len(fs[0].Meta.Notices) != 1 || fs[0].Meta.Notices[0].Text != "evidently: a.json: truncated JSON" || fs[0].Meta.Notices[0].Severity != data.NoticeSeverityWarning {
			t.Fatalf("%s: notice not attached: %+v", format, fs[0].Meta.Notices)
		}
	}
}

func TestWithStatus(t *testing.T) {
	cases := []struct {
		v, thr float64
		higher bool
		want   trust.Status
	}{
		{0.9, 0.8, true, trust.StatusOK}, {0.7, 0.8, true, trust.StatusFail}, {0.8, 0.8, true, trust.StatusOK},
		{0.05, 0.1, false, trust.StatusOK}, {0.2, 0.1, false, trust.StatusFail}, {math.NaN(), 0.1, false, trust.StatusUnknown},
	}
	for _, c := range cases {
		p := trust.Point{Value: c.v}
		p.WithStatus(c.thr, c.higher)
		if p.Status != c.want || *p.Threshold != c.thr {
			t.Errorf("WithStatus(%v, %v, %v) = %s, want %s", c.v, c.thr, c.higher, p.Status, c.want)
		}
	}
}

func TestDisplayNameShowsGroupAndRun(t *testing.T) {
	p := trust.Point{Metric: "selection_rate", Labels: trust.Labels{"model": "m", "alias": "champion", "sensitive_feature": "sex", "group": "F"}}
	if got := DisplayName(&p); got != "m@champion selection_rate {sensitive_feature=sex, group=F}" {
		t.Fatalf("got %q", got)
	}
	p = trust.Point{Metric: "loss", Labels: trust.Labels{"run_id": "0123456789abcdef"}}
	if got := DisplayName(&p); got != "loss {run=01234567}" {
		t.Fatalf("got %q", got)
	}
}

func TestTimeseriesDisambiguatesCollidingNames(t *testing.T) {
	l := func(source, run string) trust.Labels {
		return trust.Labels{trust.LabelModel: "credit", trust.LabelVersion: "2", trust.LabelSource: source, trust.LabelRunID: run}
	}
	fs := Timeseries([]trust.Point{
		pt(1, "accuracy", 0.9, l("mlflow", "aaaaaaaaaaaa")),
		pt(1, "accuracy", 0.8, l("evidently", "")),
		pt(1, "f1", 0.7, l("mlflow", "aaaaaaaaaaaa")),
	})
	got := map[string]bool{}
	for _, f := range fs {
		got[f.Fields[1].Config.DisplayNameFromDS] = true
	}
	for _, want := range []string{"credit v2 accuracy (mlflow)", "credit v2 accuracy (evidently)", "credit v2 f1"} {
		if !got[want] {
			t.Errorf("display names %v lack %q", got, want)
		}
	}
}

// Variable and annotation frames are typed too: every frame the plugin answers carries Meta.Type.
func TestOptionsAndAnnotationsAreTyped(t *testing.T) {
	for name, fs := range map[string]data.Frames{
		"options":        Options([]trust.Option{{Text: "a", Value: "a"}}),
		"no options":     Options(nil),
		"annotations":    Annotations([]trust.Annotation{{Time: t0, Title: "v1"}}),
		"no annotations": Annotations(nil),
	} {
		if len(fs) != 1 || fs[0].Meta == nil || fs[0].Meta.Type != data.FrameTypeTable {
			t.Errorf("%s: want one frame of type table, got %v", name, fs)
		}
	}
}
