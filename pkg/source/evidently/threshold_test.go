package evidently

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// A query's driftShareThreshold replaces the drift_share parameter a report was computed with, for
// drift_share's threshold and status and for dataset_drift, in legacy and new-API reports alike.
func TestDriftShareThresholdOfTheQuery(t *testing.T) {
	ws := t.TempDir()
	pid := "0193fd67-89a6-784c-b7bd-d97ce5b6b698"
	copySample(t, "03b_v0.5.1_workspace_project_metadata.json", filepath.Join(ws, pid, "metadata.json"))
	// new API: share 0.25 of drifted columns, computed with drift_share 0.5 (no dataset drift)
	write(t, filepath.Join(ws, pid, "snapshots", "s1.json"), snapshotModelJSON("2025-03-01T10:00:00", 0.25, []string{"model=new-api"}, map[string]string{}))
	// legacy: share 0.4 with drift_share 0.5 (no dataset drift)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "legacy.json"), `{"metrics":[{"metric":"DatasetDriftMetric","result":{"drift_share":0.5,"number_of_columns":5,"number_of_drifted_columns":2,"share_of_drifted_columns":0.4,"dataset_drift":false}}],"timestamp":"2025-03-02T00:00:00","metadata":{"model":"legacy"}}`)
	p := newTestProvider(t, Config{Workspaces: []string{ws}, Paths: []string{dir}})

	collect := func(th *float64) map[string]trust.Point {
		t.Helper()
		q := &trust.Query{QueryType: "drift", Metrics: []string{"drift_share", "dataset_drift", "drifted_columns"}, DriftShareThreshold: th}
		ev, err := p.Collect(context.Background(), trust.Drift, q)
		if err != nil {
			t.Fatal(err)
		}
		ev.Flatten()
		out := map[string]trust.Point{}
		for _, pt := range ev.Points {
			out[pt.Labels[trust.LabelModel]+" "+pt.Metric] = pt
		}
		if len(out) != 6 {
			t.Fatalf("points %v (notices %s)", out, notices(ev))
		}
		return out
	}
	check := func(got map[string]trust.Point, key string, value, threshold float64, status trust.Status) {
		t.Helper()
		pt := got[key]
		if pt.Value != value || pt.Threshold == nil || *pt.Threshold != threshold || pt.Status != status {
			th := "none"
			if pt.Threshold != nil {
				th = formatNum(*pt.Threshold)
			}
			t.Errorf("%s = %v (threshold %s, %s), want %v (threshold %v, %s)", key, pt.Value, th, pt.Status, value, threshold, status)
		}
	}

	// without it, each report's own threshold
	got := collect(nil)
	check(got, "new-api drift_share", 0.25, 0.5, trust.StatusOK)
	check(got, "new-api dataset_drift", 0, 0.5, trust.StatusOK)
	check(got, "legacy drift_share", 0.4, 0.5, trust.StatusOK)
	check(got, "legacy dataset_drift", 0, 0.5, trust.StatusOK)

	th := 0.3
	got = collect(&th)
	check(got, "new-api drift_share", 0.25, 0.3, trust.StatusOK)
	check(got, "new-api dataset_drift", 0, 0.3, trust.StatusOK)
	check(got, "legacy drift_share", 0.4, 0.3, trust.StatusFail)
	check(got, "legacy dataset_drift", 1, 0.3, trust.StatusFail)
	if pt := got["legacy drifted_columns"]; pt.Value != 2 || pt.Threshold != nil {
		t.Errorf("drifted_columns changed: %+v", pt)
	}

	th = 0.25 // reached exactly: drift, as Evidently decides it
	got = collect(&th)
	check(got, "new-api dataset_drift", 1, 0.25, trust.StatusFail)
}
