package frames

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestCompactSeriesMakeTheSameFrames: values given as compact series produce exactly the frames
// the same values give as points, in every format, mixed with points of the same series too.
func TestCompactSeriesMakeTheSameFrames(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	la := trust.Labels{trust.LabelModel: "m", trust.LabelVersion: "1", trust.LabelRunID: "r1"}
	lb := trust.Labels{trust.LabelModel: "m", trust.LabelVersion: "2", trust.LabelRunID: "r2"}
	var points []trust.Point
	var series []trust.Series
	for _, l := range []trust.Labels{la, lb} {
		for _, metric := range []string{"accuracy", "f1"} {
			tmpl := trust.Point{Dimension: trust.Accuracy, Metric: metric, Labels: l, Link: "http://mlflow/#/runs/x"}
			s := trust.Series{Point: tmpl}
			for i := 5; i > 0; i-- { // out of time order on purpose
				p := tmpl
				p.Time, p.Value = base.Add(time.Duration(i)*time.Hour), float64(i)/10
				points = append(points, p)
				s.Millis, s.Values = append(s.Millis, p.Time.UnixMilli()), append(s.Values, p.Value)
			}
			series = append(series, s)
		}
	}
	for _, format := range []trust.Format{trust.FormatTimeseries, trust.FormatLatest, trust.FormatTable} {
		want, err := json.Marshal(Build(format, &trust.Evidence{Points: append([]trust.Point(nil), points...)}))
		if err != nil {
			t.Fatal(err)
		}
		// all as series, and the first series' values as points plus the rest as series
		for name, ev := range map[string]*trust.Evidence{
			"series": {Series: append([]trust.Series(nil), series...)},
			"mixed":  {Points: append([]trust.Point(nil), points[:5]...), Series: append([]trust.Series(nil), series[1:]...)},
		} {
			if ev.Len() != len(points) {
				t.Fatalf("%s: Len %d, want %d", name, ev.Len(), len(points))
			}
			got, err := json.Marshal(Build(format, ev))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s, %s: frames differ from the points' frames\n got %s\nwant %s", format, name, got, want)
			}
		}
	}
}
