package frames

import (
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// TestSeriesKeyerMatchesSeriesKey checks the cached keys against Point.SeriesKey for shared,
// distinct, empty and nil label maps.
func TestSeriesKeyerMatchesSeriesKey(t *testing.T) {
	shared := trust.Labels{"model": "m", "version": "1", "group": "a=b", "x": ""}
	pts := []trust.Point{
		{Dimension: trust.Accuracy, Metric: "f1", Labels: shared},
		{Dimension: trust.Accuracy, Metric: "auc", Labels: shared},
		{Dimension: trust.Fairness, Metric: "f1", Labels: trust.Labels{"model": "m", "version": "1", "group": "a=b"}},
		{Dimension: trust.Drift, Metric: "drift_share", Labels: trust.Labels{}},
		{Dimension: trust.Drift, Metric: "drift_share"},
	}
	k := seriesKeyer{}
	for i := range pts {
		for round := 0; round < 2; round++ {
			if got, want := k.key(&pts[i]), pts[i].SeriesKey(); got != want {
				t.Errorf("point %d: key %q, SeriesKey %q", i, got, want)
			}
		}
	}
}
