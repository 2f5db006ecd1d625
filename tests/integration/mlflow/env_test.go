//go:build integration

// Package mlflowintegration runs DTE Trust against real MLflow servers, exactly as Grafana calls the
// plugin: plugin.New with the datasource settings, then QueryData and CheckHealth, comparing the
// frames with what MLflow's own Python client read back from the same store (expected.json).
// scripts/test-integration-mlflow.sh starts the servers, seeds them and sets the environment
// (scripts/bench-mlflow.sh does the same for the benchmarks); run by hand, a missing variable fails
// the tests rather than skipping them.
package mlflowintegration

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// mustEnv returns an environment variable or fails the test: these tests never skip silently.
func mustEnv(tb testing.TB, name string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		tb.Fatalf("%s is not set: run scripts/test-integration-mlflow.sh (or scripts/bench-mlflow.sh), "+
			"which start MLflow, seed it and set DTE_MLFLOW_URL, DTE_MLFLOW_EXPECTED, DTE_MLFLOW_BASICAUTH_URL, "+
			"DTE_MLFLOW_BASICAUTH_PASSWORD and DTE_MLFLOW_VICTIM_DIR", name)
	}
	return v
}

// repoRoot is the repository root, found from this file's location.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// num is a float in expected.json: a number, or "NaN"/"Infinity"/"-Infinity" as MLflow writes them.
type num float64

func (n *num) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*n = num(math.NaN())
	case `"Infinity"`:
		*n = num(math.Inf(1))
	case `"-Infinity"`:
		*n = num(math.Inf(-1))
	default:
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		*n = num(f)
	}
	return nil
}

// sval is a string in expected.json that the Python client may have written as a number (model
// versions are ints in mlflow.entities, strings in the REST API).
type sval string

func (s *sval) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] != '"' {
		*s = sval(b)
		return nil
	}
	var v string
	err := json.Unmarshal(b, &v)
	*s = sval(v)
	return err
}

// expected is what the seed read back from MLflow with MLflow's own client (expected.json).
type expected struct {
	MLflowVersion string `json:"mlflow_version"`
	Experiments   []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		RunCount int    `json:"run_count"`
	} `json:"experiments"`
	Runs              map[string][]expRun `json:"runs"`
	LongHistoryRunIDs []string            `json:"long_history_run_ids"`
	NaNRunID          string              `json:"nan_run_id"`
	Histories         []struct {
		RunID  string `json:"run_id"`
		Key    string `json:"key"`
		Points []struct {
			Timestamp int64 `json:"timestamp"`
			Step      int64 `json:"step"`
			Value     num   `json:"value"`
		} `json:"points"`
	} `json:"histories"`
	Models []struct {
		Name     string            `json:"name"`
		Tags     map[string]string `json:"tags"`
		Aliases  map[string]sval   `json:"aliases"` // alias -> version
		Versions []struct {
			Version sval              `json:"version"`
			RunID   string            `json:"run_id"`
			Stage   string            `json:"stage"`
			Aliases []string          `json:"aliases"`
			Tags    map[string]string `json:"tags"`
		} `json:"versions"`
	} `json:"models"`
	Bench *struct {
		HistoryExperiment string   `json:"history_experiment"`
		HistoryMetrics    []string `json:"history_metrics"`
		HistorySteps      int      `json:"history_steps"`
		RunsExperiment    string   `json:"runs_experiment"`
	} `json:"bench"`
}

type expRun struct {
	RunID     string            `json:"run_id"`
	RunName   string            `json:"run_name"`
	StartTime int64             `json:"start_time"`
	Status    string            `json:"status"`
	Metrics   map[string]num    `json:"metrics"`
	Params    map[string]string `json:"params"`
	Tags      map[string]string `json:"tags"`
}

func loadExpected(tb testing.TB) *expected {
	tb.Helper()
	path := mustEnv(tb, "DTE_MLFLOW_EXPECTED")
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("DTE_MLFLOW_EXPECTED: %v", err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		tb.Fatalf("DTE_MLFLOW_EXPECTED %s: %v", path, err)
	}
	return &e
}

func (e *expected) runCount(tb testing.TB, experiment string) int {
	for _, x := range e.Experiments {
		if x.Name == experiment {
			return x.RunCount
		}
	}
	tb.Fatalf("expected.json has no experiment %q", experiment)
	return 0
}

func (e *expected) run(tb testing.TB, runID string) expRun {
	for _, runs := range e.Runs {
		for _, r := range runs {
			if r.RunID == runID {
				return r
			}
		}
	}
	tb.Fatalf("expected.json has no run %s", runID)
	return expRun{}
}

func (e *expected) modelVersion(tb testing.TB, model, version string) (runID, stage string, aliases []string) {
	for _, m := range e.Models {
		if m.Name != model {
			continue
		}
		for _, v := range m.Versions {
			if string(v.Version) == version {
				// MLflow's search_model_versions leaves aliases empty; the registered model's
				// alias map is where they are.
				aliases = slices.Clone(v.Aliases)
				for a, av := range m.Aliases {
					if string(av) == version && !slices.Contains(aliases, a) {
						aliases = append(aliases, a)
					}
				}
				slices.Sort(aliases)
				return v.RunID, v.Stage, aliases
			}
		}
	}
	tb.Fatalf("expected.json has no %s v%s", model, version)
	return "", "", nil
}

// mlflowSettings are the datasource settings for an MLflow server, as provisioning writes them.
func mlflowSettings(url string, extra map[string]any, secure map[string]string) trust.Settings {
	j := map[string]any{"mlflowUrl": url, "mlflowAuth": "none"}
	for k, v := range extra {
		j[k] = v
	}
	b, _ := json.Marshal(j)
	return trust.Settings{JSONData: b, Secure: secure}
}

func newDS(tb testing.TB, s trust.Settings) *plugin.Datasource {
	tb.Helper()
	ds, err := plugin.New(context.Background(), s)
	if err != nil {
		tb.Fatalf("plugin.New: %v", err)
	}
	tb.Cleanup(ds.Dispose)
	return ds
}

// wideRange covers every seeded timestamp (June 2026 on) and today.
func wideRange() backend.TimeRange {
	return backend.TimeRange{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Now().Add(24 * time.Hour)}
}

// query sends one query through QueryData the way Grafana does (queryType in the DataQuery and in
// the JSON) and returns its response.
func query(tb testing.TB, ds *plugin.Datasource, q map[string]any) backend.DataResponse {
	tb.Helper()
	resp, err := queryErr(ds, q)
	if err != nil {
		tb.Fatalf("QueryData: %v", err)
	}
	return resp
}

func queryErr(ds *plugin.Datasource, q map[string]any) (backend.DataResponse, error) {
	b, _ := json.Marshal(q)
	qt, _ := q["queryType"].(string)
	req := &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{PluginID: plugin.PluginID},
		Queries: []backend.DataQuery{{
			RefID: "A", QueryType: qt, JSON: b, TimeRange: wideRange(),
			Interval: time.Minute, MaxDataPoints: 100000,
		}},
	}
	resp, err := ds.QueryData(context.Background(), req)
	if err != nil {
		return backend.DataResponse{}, err
	}
	r, ok := resp.Responses["A"]
	if !ok {
		return backend.DataResponse{}, fmt.Errorf("no response for refId A")
	}
	return r, nil
}

// mustFrames fails the test when the response is an error.
func mustFrames(tb testing.TB, r backend.DataResponse) data.Frames {
	tb.Helper()
	if r.Error != nil {
		tb.Fatalf("query failed: %v (status %d)", r.Error, r.Status)
	}
	return r.Frames
}

// mustErr fails the test unless the response is an error, and returns its message.
func mustErr(tb testing.TB, r backend.DataResponse) string {
	tb.Helper()
	if r.Error == nil {
		tb.Fatalf("expected an error response, got %d frames", len(r.Frames))
	}
	return r.Error.Error()
}

func field(tb testing.TB, f *data.Frame, name string) *data.Field {
	tb.Helper()
	fld, _ := f.FieldByName(name)
	if fld == nil {
		names := make([]string, len(f.Fields))
		for i, x := range f.Fields {
			names[i] = x.Name
		}
		tb.Fatalf("frame %q has no field %q (fields: %s)", f.Name, name, strings.Join(names, ", "))
	}
	return fld
}

func str(tb testing.TB, f *data.Field, i int) string {
	tb.Helper()
	switch v := f.At(i).(type) {
	case string:
		return v
	case *string:
		if v == nil {
			return ""
		}
		return *v
	}
	tb.Fatalf("field %q row %d is %T, not a string", f.Name, i, f.At(i))
	return ""
}

// flt reads a number cell; ok is false for a null.
func flt(tb testing.TB, f *data.Field, i int) (float64, bool) {
	tb.Helper()
	if f.NilAt(i) {
		return 0, false
	}
	v, err := f.FloatAt(i)
	if err != nil {
		tb.Fatalf("field %q row %d: %v", f.Name, i, err)
	}
	return v, true
}

func timeAt(tb testing.TB, f *data.Field, i int) time.Time {
	tb.Helper()
	switch v := f.At(i).(type) {
	case time.Time:
		return v
	case *time.Time:
		if v != nil {
			return *v
		}
	}
	tb.Fatalf("field %q row %d is %T, not a time", f.Name, i, f.At(i))
	return time.Time{}
}

// sameFloat is equality where NaN equals NaN.
func sameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// valueField is the value field of a timeseries frame.
func valueField(tb testing.TB, f *data.Frame) *data.Field {
	tb.Helper()
	for _, fld := range f.Fields {
		if fld.Type().Numeric() {
			return fld
		}
	}
	tb.Fatalf("frame %q has no number field", f.Name)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// optionValues runs a variable query and returns the values it lists.
func optionValues(tb testing.TB, ds *plugin.Datasource, q map[string]any) []string {
	tb.Helper()
	q["queryType"] = trust.QueryVariable
	fs := mustFrames(tb, query(tb, ds, q))
	if len(fs) != 1 {
		tb.Fatalf("variable query gave %d frames, want 1", len(fs))
	}
	vf := field(tb, fs[0], "value")
	out := make([]string, vf.Len())
	for i := range out {
		out[i] = str(tb, vf, i)
	}
	return out
}
