package evidently

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/internal/fuzzseed"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// evidentlySeeds are the Evidently files of testdata/ and of the shared samples.
func evidentlySeeds() [][]byte {
	return fuzzseed.Files([]string{fuzzseed.Testdata("evidently"), fuzzseed.Samples("evidently")}, ".json")
}

var knownDims = map[trust.Dimension]bool{trust.Drift: true, trust.Quality: true, trust.Accuracy: true}

// FuzzParse feeds Evidently documents of every generation to the scanner, the header scan and the
// mapping: no input may crash them, a document is either an error or a report, and every value
// mapped has a metric name and a dimension this source serves.
func FuzzParse(f *testing.F) {
	fuzzseed.Add(f, evidentlySeeds()...)
	f.Add([]byte(deepDocument(600)))
	f.Add([]byte(`{"metrics":[{"metric":"DatasetDriftMetric","result":{"drift_share":0.5,"number_of_columns":4,"number_of_drifted_columns":2,"share_of_drifted_columns":0.5,"dataset_drift":true}}],"timestamp":"2024-01-02T03:04:05"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b, time.Time{})
		if err == nil {
			if r == nil {
				t.Fatal("no report and no error")
			}
			for _, v := range r.Values {
				if v.Metric == "" || !knownDims[v.Dim] {
					t.Fatalf("value without a metric or with dimension %q: %+v", v.Dim, v)
				}
			}
		}
		scanHeader(b, true)
		scanHeader(b[:len(b)/2], false)
	})
}

// FuzzWorkspace reads a workspace project (metadata.json and one snapshot) from disk through the
// whole file path: the walk, the file-access layer, the header read and the mapping. No input may
// crash it or fail the query as a whole.
func FuzzWorkspace(f *testing.F) {
	meta, _ := os.ReadFile(filepath.Join(fuzzseed.Samples("evidently"), "03b_v0.5.1_workspace_project_metadata.json"))
	snaps := fuzzseed.Files([]string{filepath.Join(fuzzseed.Testdata("evidently"), "current", "workspace"), fuzzseed.Samples("evidently")}, "01a20225-209b-7b31-9f42-b87d33c9d782.json", "_snapshot_json_metric_id.json", "_snapshot_report_save.json")
	for _, s := range snaps {
		f.Add(meta, s)
	}
	f.Add([]byte(`{"id":"p1","name":"credit"}`), []byte(snapshotModelJSON("2025-01-02T03:04:05", 0.25, []string{"model=m"}, map[string]string{"model_version": "2"})))
	f.Fuzz(func(t *testing.T, meta, snap []byte) {
		ws := t.TempDir()
		dir := filepath.Join(ws, "p1", "snapshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, "p1", "metadata.json"), meta, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "s1.json"), snap, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := NewFromConfig(Config{Workspaces: []string{ws}}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, dim := range []trust.Dimension{trust.Drift, trust.Quality, trust.Accuracy} {
			if _, err := p.Collect(context.Background(), dim, &trust.Query{QueryType: string(dim), Format: trust.FormatTable}); err != nil {
				t.Fatalf("%s: %v", dim, err)
			}
		}
		if _, err := p.Options(context.Background(), trust.VarProjects, &trust.Query{}); err != nil {
			t.Fatalf("options: %v", err)
		}
	})
}

// FuzzUIAnswers feeds the Evidently UI service's answers (data_series_batch, project and snapshot
// lists) to their decoders and to the series mapping.
func FuzzUIAnswers(f *testing.F) {
	f.Add([]byte(`{"sources": [{"snapshot_id": "s8", "timestamp": "2026-11-08T06:00:00", "tags": ["model=credit-risk-classifier", "version=2"], "metadata": {}}, {"snapshot_id": "s9", "timestamp": "2026-11-09T06:00:00", "tags": [], "metadata": {"model": "m", "model_version": "2"}}],
	 "series": [{"metric_type": "evidently:metric_v2:DriftedColumnsCount", "params": {"value_type": "count", "drift_share": "0.5"}, "values": [2.0, 1.0]},
	  {"metric_type": "evidently:metric_v2:DriftedColumnsCount", "params": {"value_type": "share", "drift_share": "0.5"}, "values": [0.66, 0.33]},
	  {"metric_type": "evidently:metric_v2:ValueDrift", "params": {"column": "age", "method": "K-S p_value", "threshold": "0.05"}, "values": [0.17, null]},
	  {"metric_type": "evidently:metric_v2:UniqueValueCount", "params": {"column": "region", "label": "north", "value_type": "share"}, "values": [0.25, 0.5]},
	  {"metric_type": "evidently:metric_v2:Accuracy", "params": {"classification_name": "default"}, "values": [0.65, 0.55]}]}`))
	f.Add([]byte(`[{"id":"p1","name":"bank-marketing","version":"2"},{"id":"p2","name":"broken"}]`))
	f.Add([]byte(`[{"id":"s1","name":null,"metadata":{"model":"bank","model_version":"7"},"tags":[],"timestamp":"2026-01-02T03:04:05.5"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var sr seriesResponse
		if decodeJSON(b, &sr) == nil {
			for _, r := range seriesReports(&sr, &trust.Evidence{}, "http://ui/x") {
				for _, v := range r.Values {
					if v.Metric == "" || !knownDims[v.Dim] {
						t.Fatalf("value without a metric or with dimension %q: %+v", v.Dim, v)
					}
				}
			}
		}
		var ps []uiProject
		_ = decodeJSON(b, &ps)
		var ss []uiSnapshot
		if decodeJSON(b, &ss) == nil {
			for _, s := range ss {
				_, _ = parseTimestamp(s.Timestamp)
				modelOf(stringMap(s.Metadata), tagStrings(s.Tags))
			}
		}
	})
}
