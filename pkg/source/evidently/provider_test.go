package evidently

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copySample(t *testing.T, name, dst string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dst, string(b))
}

func newTestProvider(t *testing.T, cfg Config) *Provider {
	t.Helper()
	p, err := NewFromConfig(cfg, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func notices(ev *trust.Evidence) string {
	var s []string
	for _, n := range ev.Notices {
		s = append(s, n.String())
	}
	return strings.Join(s, "\n")
}

// snapshotModel builds a small 0.7 workspace snapshot with one DriftedColumnsCount result.
func snapshotModelJSON(ts string, share float64, tags []string, meta map[string]string) string {
	doc := map[string]any{
		"report": map[string]any{"items": []any{}}, "name": nil, "timestamp": ts, "metadata": meta, "tags": tags,
		"metric_results": map[string]any{
			"m1": map[string]any{
				"type": "evidently:metric_result_v2:CountValue", "display_name": "Count of Drifted Columns",
				"metric_value_location": map[string]any{"metric": map[string]any{"metric_id": "m1", "params": map[string]any{"type": "evidently:metric_v2:DriftedColumnsCount", "drift_share": 0.5}}, "param": map[string]any{}},
				"widget":                []any{map[string]any{"params": map[string]any{"data": []any{1, 2, 3}}}},
				"tests":                 []any{},
				"count":                 map[string]any{"type": "evidently:metric_result_v2:SingleValue", "value": math.Round(share * 4)},
				"share":                 map[string]any{"type": "evidently:metric_result_v2:SingleValue", "value": share},
			},
		},
		"top_level_metrics": []any{"m1"}, "widgets": []any{map[string]any{"huge": strings.Repeat("x", 1000)}}, "tests_widgets": []any{},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func TestProviderFilesAndBadInput(t *testing.T) {
	dir := t.TempDir()
	copySample(t, "02_v0.4.x_legacy_Snapshot_Report_save.json", filepath.Join(dir, "exports", "snap.json"))
	copySample(t, "06_v0.7.20_evidently.legacy_Report_as_dict_drift.json", filepath.Join(dir, "exports", "2025", "asdict.json"))
	b, _ := os.ReadFile(filepath.Join(samplesDir, "05_v0.7.20_Snapshot_save_json_metric_name_config_tests.json"))
	write(t, filepath.Join(dir, "exports", "truncated.json"), string(b[:len(b)/2]))
	write(t, filepath.Join(dir, "exports", "other.json"), `{"hello": "world", "values": [1, 2]}`)
	write(t, filepath.Join(dir, "exports", "future.json"), `{"metrics":[{"id":"x","metric_name":"Future()","config":{"type":"evidently:metric_v3:Future"},"value":{"weird":{"a":[1]}}},{"id":"y","metric_name":"RowCount()","config":{"type":"evidently:metric_v2:RowCount"},"value":12}],"tests":[]}`)
	write(t, filepath.Join(dir, "exports", "notes.txt"), "not json")
	outside := t.TempDir()
	copySample(t, "02_v0.4.x_legacy_Snapshot_Report_save.json", filepath.Join(outside, "secret.json"))
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "exports", "link.json")); err != nil {
		t.Fatal(err)
	}
	p := newTestProvider(t, Config{Paths: []string{filepath.Join(dir, "exports")}})
	q := &trust.Query{QueryType: "drift"}
	ev, err := p.Collect(context.Background(), trust.Drift, q)
	if err != nil {
		t.Fatal(err)
	}
	n := notices(ev)
	for _, want := range []string{
		"truncated.json: skipped: invalid JSON", "unexpected end of file",
		"other.json: skipped: not an Evidently export",
		"future.json: skipped metrics of types this plugin does not know (newer Evidently?): evidently:metric_v3:Future",
		"link.json: symlink points outside the configured Evidently paths: skipped",
		"asdict.json: no timestamp in the file",
	} {
		if !strings.Contains(n, want) {
			t.Errorf("notices lack %q:\n%s", want, n)
		}
	}
	// the rest is served: the snapshot's and the as_dict report's drift_share, each labelled evidently
	var shares []float64
	for _, pt := range ev.Points {
		if pt.Metric == "drift_share" {
			shares = append(shares, pt.Value)
			if pt.Labels[trust.LabelSource] != "evidently" {
				t.Errorf("labels %v", pt.Labels)
			}
		}
	}
	if len(shares) != 2 {
		t.Fatalf("drift_share points %v, want 2 (snapshot and as_dict)", shares)
	}
	// quality from the future file's known metric
	evq, err := p.Collect(context.Background(), trust.Quality, &trust.Query{QueryType: "quality", Metrics: []string{"row_count"}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, pt := range evq.Points {
		if pt.Metric == "row_count" && pt.Value == 12 {
			found = true
		}
	}
	if !found {
		t.Errorf("row_count 12 of future.json not served: %v", evq.Points)
	}
}

func TestProviderPathSafety(t *testing.T) {
	dir := t.TempDir()
	copySample(t, "02_v0.4.x_legacy_Snapshot_Report_save.json", filepath.Join(dir, "a", "snap.json"))
	copySample(t, "06_v0.7.20_evidently.legacy_Report_as_dict_drift.json", filepath.Join(dir, "b", "asdict.json"))
	outside := t.TempDir()
	copySample(t, "02_v0.4.x_legacy_Snapshot_Report_save.json", filepath.Join(outside, "x.json"))
	if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	p := newTestProvider(t, Config{Paths: []string{dir}})
	for _, path := range []string{"../" + filepath.Base(outside), "/etc", "a/../../x", "escape", "escape/x.json", "missing"} {
		raw, _ := json.Marshal(map[string]string{"path": path})
		_, err := p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: "drift", Raw: raw})
		if err == nil {
			t.Errorf("path %q: no error", path)
			continue
		}
		// the query's path is the user's mistake: a bad request, not an upstream failure (issue 12)
		if trust.IsUpstream(err) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), outside) {
			t.Errorf("path %q: error %v should name the path, not the symlink's target, and not be marked upstream", path, err)
		}
	}
	raw, _ := json.Marshal(map[string]string{"path": "a"})
	ev, err := p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: "drift", Raw: raw})
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range ev.Points {
		if !pt.Time.Equal(time.Date(2024, 2, 5, 2, 0, 54, 199165000, time.UTC)) {
			t.Fatalf("path a served a point from elsewhere: %v", pt)
		}
	}
	if len(ev.Points) != 15 {
		t.Errorf("%d points under a/, want the snapshot's 15", len(ev.Points))
	}
}

func TestProviderWorkspace(t *testing.T) {
	ws := t.TempDir()
	pid := "0193fd67-89a6-784c-b7bd-d97ce5b6b698"
	copySample(t, "03b_v0.5.1_workspace_project_metadata.json", filepath.Join(ws, pid, "metadata.json"))
	days := []string{"2025-03-01T10:00:00", "2025-03-05T10:00:00", "2025-03-09T10:00:00"}
	for i, d := range days {
		write(t, filepath.Join(ws, pid, "snapshots", "s"+string(rune('1'+i))+".json"),
			snapshotModelJSON(d, 0.25*float64(i+1), []string{"model=credit-risk-classifier", "version=" + string(rune('1'+i))}, map[string]string{}))
	}
	// a project without metadata.json is still served, under its directory name
	write(t, filepath.Join(ws, "orphan", "snapshots", "o1.json"), snapshotModelJSON("2025-03-02T00:00:00", 0.1, nil, map[string]string{"model": "other"}))
	p := newTestProvider(t, Config{Workspaces: []string{ws}, UIURL: "http://127.0.0.1:8000/"})
	ctx := context.Background()
	q := &trust.Query{QueryType: "drift", Metrics: []string{"drift_share"},
		From: time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)}
	ev, err := p.Collect(ctx, trust.Drift, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Points) != 2 {
		t.Fatalf("points %v, want the two snapshots in the window", ev.Points)
	}
	for _, pt := range ev.Points {
		if pt.Labels[trust.LabelProject] != "drift_monitoring_exam" || pt.Labels[trust.LabelModel] != "credit-risk-classifier" {
			t.Errorf("labels %v", pt.Labels)
		}
		if !strings.HasPrefix(pt.Link, "http://127.0.0.1:8000/projects/"+pid+"/reports/") {
			t.Errorf("link %q", pt.Link)
		}
	}
	if !strings.Contains(notices(ev), "orphan/metadata.json: project has no metadata.json") {
		t.Errorf("notices: %s", notices(ev))
	}
	// filters: project, model, version
	ev, _ = p.Collect(ctx, trust.Drift, &trust.Query{QueryType: "drift", Project: "orphan", Metrics: []string{"drift_share"}})
	if len(ev.Points) != 1 || ev.Points[0].Value != 0.1 || ev.Points[0].Labels[trust.LabelModel] != "other" {
		t.Errorf("project filter: %v", ev.Points)
	}
	ev, _ = p.Collect(ctx, trust.Drift, &trust.Query{QueryType: "drift", Model: "credit-risk-classifier", Version: "2", Metrics: []string{"drift_share"}})
	if len(ev.Points) != 1 || ev.Points[0].Value != 0.5 {
		t.Errorf("version filter: %v", ev.Points)
	}
	// options and annotations
	opts, err := p.Options(ctx, trust.VarProjects, &trust.Query{})
	if err != nil || len(opts) != 2 || opts[0].Value != "drift_monitoring_exam" || opts[1].Value != "orphan" {
		t.Errorf("projects %v %v", opts, err)
	}
	opts, _ = p.Options(ctx, trust.VarVersions, &trust.Query{Model: "credit-risk-classifier"})
	if len(opts) != 3 {
		t.Errorf("versions %v", opts)
	}
	opts, _ = p.Options(ctx, trust.VarMetrics, &trust.Query{})
	if len(opts) != 3 || opts[0].Value != "dataset_drift" {
		t.Errorf("metrics %v", opts)
	}
	anns, err := p.Annotations(ctx, trust.AnnotationDrift, &trust.Query{})
	if err != nil || len(anns) != 2 { // shares 0.5 and 0.75 reach drift_share 0.5
		t.Fatalf("annotations %v %v", anns, err)
	}
	if !strings.Contains(anns[0].Title, "credit-risk-classifier") {
		t.Errorf("annotation %+v", anns[0])
	}
	// a changed file is re-read (mtime invalidation)
	path := filepath.Join(ws, pid, "snapshots", "s1.json")
	write(t, path, snapshotModelJSON(days[0], 0.0, []string{"model=credit-risk-classifier", "version=1"}, nil))
	future := time.Now().Add(time.Minute)
	_ = os.Chtimes(path, future, future)
	p.files.lastWalk = time.Time{}
	ev, _ = p.Collect(ctx, trust.Drift, &trust.Query{QueryType: "drift", Version: "1", Metrics: []string{"drift_share"}})
	if len(ev.Points) != 1 || ev.Points[0].Value != 0 {
		t.Errorf("after rewrite: %v", ev.Points)
	}
}

func TestNewWithoutEvidentlyKeys(t *testing.T) {
	p, err := New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"mlflowUrl":"http://x"}`)}, nil)
	if err != nil || p != nil {
		t.Fatalf("New without evidently keys = %#v, %v; want nil", p, err)
	}
	p, err = New(context.Background(), trust.Settings{JSONData: json.RawMessage(`{"evidentlyPaths":"/a\n/b"}`)}, nil)
	if err != nil || p == nil {
		t.Fatalf("New with paths = %v, %v", p, err)
	}
	if got := p.cfg.Paths; len(got) != 2 {
		t.Errorf("paths %v", got)
	}
}
