//go:build integration

package mlflowintegration

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

const (
	modelName = "credit-risk-classifier"
	credit    = "credit-risk"
	churn     = "churn"
)

func plainDS(t *testing.T) *plugin.Datasource {
	t.Helper()
	return newDS(t, mlflowSettings(mustEnv(t, "DTE_MLFLOW_URL"), nil, nil))
}

func TestMLflowCheckHealth(t *testing.T) {
	exp := loadExpected(t)
	url := mustEnv(t, "DTE_MLFLOW_URL")
	ds := newDS(t, mlflowSettings(url, nil, nil))
	res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	if res.Status != backend.HealthStatusOk {
		t.Fatalf("CheckHealth status %v: %s", res.Status, res.Message)
	}
	if !strings.Contains(res.Message, exp.MLflowVersion) || !strings.Contains(res.Message, url) {
		t.Errorf("health message %q should name the MLflow version %s and the URL %s", res.Message, exp.MLflowVersion, url)
	}
}

// The runs table of an experiment with more runs than one runs/search page lists every run, with
// the latest metric values, params and tags MLflow returns.
func TestMLflowRunsTableAllPages(t *testing.T) {
	exp := loadExpected(t)
	want := exp.runCount(t, credit)
	if want <= 1000 {
		t.Fatalf("seed problem: %s has %d runs, the test needs more than one page (1000)", credit, want)
	}
	ds := plainDS(t)
	fs := mustFrames(t, query(t, ds, map[string]any{
		"queryType": trust.QueryRuns, "experiments": []string{credit},
		"metrics": []string{"accuracy", "f1", "roc_auc", "loss"},
		"params":  []string{"model_type", "max_depth"}, "tags": []string{"team", "dataset"},
	}))
	if len(fs) != 1 {
		t.Fatalf("runs query gave %d frames, want 1", len(fs))
	}
	f := fs[0]
	if f.Meta == nil || f.Meta.Type != data.FrameTypeTable {
		t.Errorf("runs frame type %v, want table", f.Meta)
	}
	ids := field(t, f, "run_id")
	if ids.Len() != want {
		t.Fatalf("runs table has %d rows, MLflow has %d runs in %s", ids.Len(), want, credit)
	}
	byID := map[string]expRun{}
	for _, r := range exp.Runs[credit] {
		byID[r.RunID] = r
	}
	seen := map[string]bool{}
	bad := 0
	for i := 0; i < ids.Len(); i++ {
		id := str(t, ids, i)
		r, ok := byID[id]
		if !ok || seen[id] {
			t.Fatalf("row %d: run %s is unknown or listed twice", i, id)
		}
		seen[id] = true
		for _, m := range []string{"accuracy", "f1", "roc_auc", "loss"} {
			got, has := flt(t, field(t, f, "metrics."+m), i)
			w, wantHas := r.Metrics[m]
			if has != wantHas || (has && !sameFloat(got, float64(w))) {
				if bad++; bad <= 5 {
					t.Errorf("run %s metric %s: got %v (present %v), MLflow says %v (present %v)", id, m, got, has, float64(w), wantHas)
				}
			}
		}
		for _, p := range []string{"model_type", "max_depth"} {
			if got := str(t, field(t, f, "params."+p), i); got != r.Params[p] {
				if bad++; bad <= 5 {
					t.Errorf("run %s param %s: got %q, want %q", id, p, got, r.Params[p])
				}
			}
		}
		for _, k := range []string{"team", "dataset"} {
			if got := str(t, field(t, f, "tags."+k), i); got != r.Tags[k] {
				if bad++; bad <= 5 {
					t.Errorf("run %s tag %s: got %q, want %q", id, k, got, r.Tags[k])
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("%d mismatching cells in all", bad)
	}
	// A limit stops the pagination early.
	fs = mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryRuns, "experiments": []string{credit}, "limit": 1001}))
	if n := field(t, fs[0], "run_id").Len(); n != 1001 {
		t.Errorf("runs with limit 1001: %d rows", n)
	}
}

// accuracy by model and alias resolves the alias to its version and the version to its source run.
func TestMLflowAccuracyByAlias(t *testing.T) {
	exp := loadExpected(t)
	ds := plainDS(t)
	for _, tc := range []struct{ alias, version string }{{"champion", ""}, {"challenger", ""}, {"", "1"}} {
		name := tc.alias
		if name == "" {
			name = "version " + tc.version
		}
		t.Run(name, func(t *testing.T) {
			version := tc.version
			if tc.alias != "" {
				for _, m := range exp.Models {
					if m.Name == modelName {
						version = string(m.Aliases[tc.alias])
					}
				}
			}
			runID, _, _ := exp.modelVersion(t, modelName, version)
			run := exp.run(t, runID)
			q := map[string]any{"queryType": trust.QueryAccuracy, "model": modelName, "format": "latest", "history": false}
			if tc.alias != "" {
				q["alias"] = tc.alias
			} else {
				q["version"] = tc.version
			}
			fs := mustFrames(t, query(t, ds, q))
			if len(fs) != 1 {
				t.Fatalf("latest format gave %d frames, want 1", len(fs))
			}
			f := fs[0]
			n := field(t, f, "value").Len()
			if n != len(run.Metrics) {
				t.Errorf("%d rows, want one per metric of run %s: %v", n, runID, sortedKeys(run.Metrics))
			}
			for i := 0; i < n; i++ {
				if got := str(t, field(t, f, "version"), i); got != version {
					t.Errorf("row %d: version %q, want %q", i, got, version)
				}
				if got := str(t, field(t, f, "run_id"), i); got != runID {
					t.Errorf("row %d: run_id %q, want %q", i, got, runID)
				}
				if got := str(t, field(t, f, "model"), i); got != modelName {
					t.Errorf("row %d: model %q", i, got)
				}
				if tc.alias != "" {
					if got := str(t, field(t, f, "alias"), i); got != tc.alias {
						t.Errorf("row %d: alias %q, want %q", i, got, tc.alias)
					}
				}
				m := str(t, field(t, f, "metric"), i)
				v, _ := flt(t, field(t, f, "value"), i)
				if w, ok := run.Metrics[m]; !ok || !sameFloat(v, float64(w)) {
					t.Errorf("metric %s = %v, MLflow's latest value is %v", m, v, float64(w))
				}
			}
		})
	}
}

// History frames hold exactly the history MLflow returns, for histories longer than any page and
// more values in all than one get-history-bulk answer carries (25 000).
func TestMLflowAccuracyLongHistory(t *testing.T) {
	exp := loadExpected(t)
	ds := plainDS(t)
	start := time.Now()
	fs := mustFrames(t, query(t, ds, map[string]any{
		"queryType": trust.QueryAccuracy, "experiments": []string{credit},
		"runFilter": "tags.history = 'long'", "metrics": []string{"loss"}, "limit": 100,
	}))
	t.Logf("%d loss histories in %v", len(fs), time.Since(start))
	want := map[string]int{}
	for i, h := range exp.Histories {
		if h.Key == "loss" {
			want[h.RunID] = i
		}
	}
	if len(fs) != len(exp.LongHistoryRunIDs) {
		t.Fatalf("%d frames, want %d (one per run)", len(fs), len(exp.LongHistoryRunIDs))
	}
	total := 0
	for _, f := range fs {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Errorf("frame %q type %v, want timeseries-multi", f.Name, f.Meta)
		}
		vf := valueField(t, f)
		runID := vf.Labels["run_id"]
		if vf.Labels["metric"] != "loss" || vf.Labels["experiment"] != credit {
			t.Errorf("series labels %v: want metric=loss experiment=%s", vf.Labels, credit)
		}
		hi, ok := want[runID]
		if !ok {
			t.Fatalf("frame for unexpected run %q", runID)
		}
		pts := exp.Histories[hi].Points
		tf := field(t, f, "time")
		if vf.Len() != len(pts) {
			t.Errorf("run %s: %d loss values, MLflow has %d", runID, vf.Len(), len(pts))
			continue
		}
		total += vf.Len()
		for i, p := range pts {
			v, _ := flt(t, vf, i)
			if !sameFloat(v, float64(p.Value)) || timeAt(t, tf, i).UnixMilli() != p.Timestamp {
				t.Errorf("run %s value %d: (%d ms, %v), MLflow has (%d ms, %v)", runID, i, timeAt(t, tf, i).UnixMilli(), v, p.Timestamp, float64(p.Value))
				break
			}
		}
	}
	if total <= 25000 {
		t.Errorf("seed problem: %d values in all; the test needs more than one bulk answer (25000)", total)
	}
}

// A NaN metric value arrives as NaN, in the latest value (runs/search: "NaN") and in the history
// (get-history-bulk writes a bare NaN token).
func TestMLflowNaN(t *testing.T) {
	exp := loadExpected(t)
	ds := plainDS(t)
	base := map[string]any{"queryType": trust.QueryAccuracy, "experiments": []string{credit}, "runFilter": "tags.`case` = 'nan'", "metrics": []string{"f1"}}

	latest := clone(base, map[string]any{"format": "latest", "history": false})
	fs := mustFrames(t, query(t, ds, latest))
	vf := field(t, fs[0], "value")
	if vf.Len() != 1 {
		t.Fatalf("latest f1 of the NaN run: %d rows, want 1", vf.Len())
	}
	if v, ok := flt(t, vf, 0); !ok || !math.IsNaN(v) {
		t.Errorf("latest f1 = %v (present %v), want NaN", v, ok)
	}

	fs = mustFrames(t, query(t, ds, clone(base, map[string]any{"format": "timeseries"})))
	var want []float64
	for _, h := range exp.Histories {
		if h.RunID == exp.NaNRunID && h.Key == "f1" {
			for _, p := range h.Points {
				want = append(want, float64(p.Value))
			}
		}
	}
	if len(fs) != 1 {
		t.Fatalf("f1 history of the NaN run: %d frames, want 1", len(fs))
	}
	vf = valueField(t, fs[0])
	got := make([]float64, vf.Len())
	for i := range got {
		got[i], _ = flt(t, vf, i)
	}
	if !slices.EqualFunc(got, want, sameFloat) {
		t.Errorf("f1 history %v, MLflow has %v", got, want)
	}
}

// The latest format has one row per series, unique by its labels, each with MLflow's latest value;
// from the histories (history true) and from runs/search (history false) alike.
func TestMLflowLatestUnique(t *testing.T) {
	exp := loadExpected(t)
	ds := plainDS(t)
	for _, history := range []bool{false, true} {
		t.Run(fmt.Sprintf("history=%v", history), func(t *testing.T) {
			fs := mustFrames(t, query(t, ds, map[string]any{
				"queryType": trust.QueryAccuracy, "experiments": []string{churn, credit}, "format": "latest",
				"history": history, "limit": 300,
			}))
			if len(fs) != 1 {
				t.Fatalf("latest gave %d frames, want 1", len(fs))
			}
			f := fs[0]
			if f.Meta == nil || f.Meta.Type != data.FrameTypeNumericLong {
				t.Errorf("latest frame type %v, want numeric-long", f.Meta)
			}
			vf := field(t, f, "value")
			seen := map[string]bool{}
			runs := map[string]bool{}
			wantRows := 0
			for i := 0; i < vf.Len(); i++ {
				var key []string
				for _, fld := range f.Fields {
					if fld.Type() == data.FieldTypeString || fld.Type() == data.FieldTypeNullableString {
						key = append(key, fld.Name+"="+str(t, fld, i))
					}
				}
				k := strings.Join(key, ",")
				if seen[k] {
					t.Fatalf("row %d repeats labels %s", i, k)
				}
				seen[k] = true
				runID := str(t, field(t, f, "run_id"), i)
				r := exp.run(t, runID)
				if !runs[runID] {
					runs[runID] = true
					wantRows += len(r.Metrics)
				}
				m := str(t, field(t, f, "metric"), i)
				v, _ := flt(t, vf, i)
				if w := r.Metrics[m]; !sameFloat(v, float64(w)) {
					t.Errorf("run %s %s: latest %v, MLflow says %v", runID, m, v, float64(w))
				}
			}
			if len(runs) != 300 {
				t.Errorf("%d runs in the latest frame, want the limit, 300", len(runs))
			}
			if vf.Len() != wantRows {
				t.Errorf("%d rows, want %d (one per metric of each run)", vf.Len(), wantRows)
			}
		})
	}
}

func TestMLflowVariables(t *testing.T) {
	exp := loadExpected(t)
	ds := plainDS(t)
	var exps []string
	for _, e := range exp.Experiments {
		exps = append(exps, e.Name)
	}
	check := func(what string, got, want []string) {
		t.Helper()
		g, w := slices.Clone(got), slices.Clone(want)
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("experiments", optionValues(t, ds, map[string]any{"variable": trust.VarExperiments}), exps)
	var models []string
	for _, m := range exp.Models {
		models = append(models, m.Name)
	}
	check("models", optionValues(t, ds, map[string]any{"variable": trust.VarModels}), models)
	for _, m := range exp.Models {
		var versions, aliases []string
		for _, v := range m.Versions {
			versions = append(versions, string(v.Version))
		}
		aliases = sortedKeys(m.Aliases)
		check(m.Name+" versions", optionValues(t, ds, map[string]any{"variable": trust.VarVersions, "model": m.Name}), versions)
		check(m.Name+" aliases", optionValues(t, ds, map[string]any{"variable": trust.VarAliases, "model": m.Name}), aliases)
	}
	set := map[string]bool{}
	for _, r := range exp.Runs[churn] {
		for k := range r.Metrics {
			set[k] = true
		}
	}
	check("churn metrics", optionValues(t, ds, map[string]any{"variable": trust.VarMetrics, "experiments": []string{churn}}), sortedKeys(set))
}

func TestMLflowModelsTable(t *testing.T) {
	exp := loadExpected(t)
	ds := plainDS(t)
	fs := mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryModels, "model": modelName}))
	f := fs[0]
	var want int
	for _, m := range exp.Models {
		if m.Name == modelName {
			want = len(m.Versions)
		}
	}
	vf := field(t, f, "version")
	if vf.Len() != want {
		t.Fatalf("models table: %d rows for %s, want %d", vf.Len(), modelName, want)
	}
	for i := 0; i < vf.Len(); i++ {
		v := str(t, vf, i)
		runID, stage, aliases := exp.modelVersion(t, modelName, v)
		if got := str(t, field(t, f, "run_id"), i); got != runID {
			t.Errorf("v%s run_id %q, want %q", v, got, runID)
		}
		if got := str(t, field(t, f, "stage"), i); got != stage {
			t.Errorf("v%s stage %q, want %q", v, got, stage)
		}
		got := strings.FieldsFunc(str(t, field(t, f, "aliases"), i), func(r rune) bool { return r == ',' || r == ' ' })
		slices.Sort(got)
		if !slices.Equal(got, aliases) {
			t.Errorf("v%s aliases %v, want %v", v, got, aliases)
		}
	}
}

// Unknown names give an error response that names them.
func TestMLflowUnknownNames(t *testing.T) {
	ds := plainDS(t)
	for _, tc := range []struct {
		name string
		q    map[string]any
		want string
	}{
		{"experiment/accuracy", map[string]any{"queryType": trust.QueryAccuracy, "experiments": []string{"no-such-experiment"}}, "no-such-experiment"},
		{"experiment/runs", map[string]any{"queryType": trust.QueryRuns, "experiments": []string{credit, "no-such-experiment"}}, "no-such-experiment"},
		{"model/accuracy", map[string]any{"queryType": trust.QueryAccuracy, "model": "no-such-model"}, "no-such-model"},
		{"model/alias", map[string]any{"queryType": trust.QueryAccuracy, "model": "no-such-model", "alias": "champion"}, "no-such-model"},
		{"model/models", map[string]any{"queryType": trust.QueryModels, "model": "no-such-model"}, "no-such-model"},
		{"model/versions", map[string]any{"queryType": trust.QueryVariable, "variable": trust.VarVersions, "model": "no-such-model"}, "no-such-model"},
		{"alias", map[string]any{"queryType": trust.QueryAccuracy, "model": modelName, "alias": "no-such-alias"}, "no-such-alias"},
		{"version", map[string]any{"queryType": trust.QueryAccuracy, "model": modelName, "version": "99"}, "99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := mustErr(t, query(t, ds, tc.q))
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name %q", msg, tc.want)
			}
			if strings.Contains(msg, "<html") || strings.Contains(msg, "Traceback") {
				t.Errorf("error %q carries raw server output", msg)
			}
		})
	}
}

// A URL that is not an MLflow server gives an error saying so, from queries and the health check.
func TestMLflowNotMLflow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"html-page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"))
		}},
		{"404-everywhere", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "404 page not found", http.StatusNotFound)
		}},
		{"python-http-server", func(w http.ResponseWriter, r *http.Request) {
			// What python -m http.server answers (checked against the real one): POST gets 501,
			// GET of a missing file 404, both with an HTML error page.
			w.Header().Set("Content-Type", "text/html;charset=utf-8")
			w.Header().Set("Server", "SimpleHTTP/0.6 Python/3.11.7")
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusNotImplemented)
				_, _ = w.Write([]byte("<html><body><h1>Error response</h1><p>Error code: 501</p><p>Message: Unsupported method ('POST').</p></body></html>"))
				return
			}
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<html><body><h1>Error response</h1><p>Error code: 404</p><p>Message: File not found.</p></body></html>"))
		}},
		{"json-api", func(w http.ResponseWriter, r *http.Request) {
			// Some other JSON service answering 200 everywhere with its own keys.
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"ok","items":[]}`))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			ds := newDS(t, mlflowSettings(srv.URL, map[string]any{"timeoutSeconds": 5}, nil))
			for _, q := range []map[string]any{
				{"queryType": trust.QueryAccuracy, "experiments": []string{credit}},
				{"queryType": trust.QueryRuns},
				{"queryType": trust.QueryVariable, "variable": trust.VarModels},
			} {
				r := query(t, ds, q)
				if r.Error == nil {
					t.Errorf("%s query against a non-MLflow URL gave no error but %d frames (notices: %v)", q["queryType"], len(r.Frames), frameNotices(r.Frames))
					continue
				}
				t.Logf("%s: %v", q["queryType"], r.Error)
				checkNotMLflowMessage(t, r.Error.Error(), srv.URL)
			}
			res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != backend.HealthStatusError {
				t.Errorf("health of a non-MLflow URL: %v %q", res.Status, res.Message)
			}
			checkNotMLflowMessage(t, res.Message, srv.URL)
		})
	}
}

func checkNotMLflowMessage(t *testing.T, msg, url string) {
	t.Helper()
	low := strings.ToLower(msg)
	if !strings.Contains(msg, strings.TrimPrefix(url, "http://")) {
		t.Errorf("error %q does not name the URL %s", msg, url)
	}
	if !strings.Contains(low, "not an mlflow") && !strings.Contains(low, "not mlflow") && !strings.Contains(low, "is it an mlflow") && !strings.Contains(low, "does not look like") {
		t.Errorf("error %q does not say the URL is not an MLflow server", msg)
	}
	if strings.Contains(low, "<html") || strings.Contains(low, "<!doctype") {
		t.Errorf("error %q carries the raw HTML page", msg)
	}
}

// MLflow stopped mid-suite: a hung server gives a timeout error within the configured timeout, and
// a stopped one an error naming the URL at once. Uses the expendable server in DTE_MLFLOW_VICTIM_DIR.
func TestMLflowStoppedMidSuite(t *testing.T) {
	dir := mustEnv(t, "DTE_MLFLOW_VICTIM_DIR")
	urlB, err := os.ReadFile(dir + "/url")
	if err != nil {
		t.Fatalf("victim server in %s is not running: %v", dir, err)
	}
	pidB, err := os.ReadFile(dir + "/pid")
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSpace(string(urlB))
	pgid, err := strconv.Atoi(strings.TrimSpace(string(pidB)))
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 3 * time.Second
	// cacheSeconds 0: every query must reach the server, or the answer cached before the server
	// hung would be served (as it is, by design, with the default cache).
	ds := newDS(t, mlflowSettings(url, map[string]any{"timeoutSeconds": timeout.Seconds(), "cacheSeconds": 0}, nil))
	q := map[string]any{"queryType": trust.QueryVariable, "variable": trust.VarExperiments}
	mustFrames(t, query(t, ds, q))

	// Hung: the process group is stopped, the kernel still accepts connections, nothing answers.
	if err := syscall.Kill(-pgid, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP %d: %v", pgid, err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(-pgid, syscall.SIGCONT)
		}
	}
	defer resume()
	start := time.Now()
	msg := mustErr(t, query(t, ds, q))
	took := time.Since(start)
	t.Logf("hung server: %v: %s", took, msg)
	if took > timeout+2*time.Second {
		t.Errorf("a hung MLflow took %v to fail; the timeout is %v", took, timeout)
	}
	if !strings.Contains(strings.ToLower(msg), "timed out") && !strings.Contains(strings.ToLower(msg), "timeout") {
		t.Errorf("hung server error %q does not say it timed out", msg)
	}
	start = time.Now()
	res, _ := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if res.Status != backend.HealthStatusError || time.Since(start) > timeout+2*time.Second {
		t.Errorf("health of a hung server: %v after %v: %s", res.Status, time.Since(start), res.Message)
	}
	resume()

	// Stopped.
	cmd := exec.Command(repoRoot()+"/scripts/mlflow-server.sh", "stop")
	cmd.Env = append(os.Environ(), "MLFLOW_RUN_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mlflow-server.sh stop: %v: %s", err, out)
	}
	start = time.Now()
	msg = mustErr(t, query(t, ds, q))
	took = time.Since(start)
	t.Logf("stopped server: %v: %s", took, msg)
	if took > timeout+2*time.Second {
		t.Errorf("a stopped MLflow took %v to fail; the timeout is %v", took, timeout)
	}
	if !strings.Contains(msg, strings.TrimPrefix(url, "http://")) {
		t.Errorf("stopped server error %q does not name the URL %s", msg, url)
	}
}

func TestMLflowBasicAuth(t *testing.T) {
	url := mustEnv(t, "DTE_MLFLOW_BASICAUTH_URL")
	password := mustEnv(t, "DTE_MLFLOW_BASICAUTH_PASSWORD")
	user := os.Getenv("DTE_MLFLOW_BASICAUTH_USER")
	if user == "" {
		user = "admin"
	}
	basic := func(pw string) map[string]any { return map[string]any{"mlflowAuth": "basic", "mlflowUser": user} }

	t.Run("right password", func(t *testing.T) {
		ds := newDS(t, mlflowSettings(url, basic(password), map[string]string{"mlflowPassword": password}))
		res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil || res.Status != backend.HealthStatusOk {
			t.Fatalf("health with the right password: %v %v", res, err)
		}
		vals := optionValues(t, ds, map[string]any{"variable": trust.VarExperiments})
		if !slices.Contains(vals, credit) {
			t.Errorf("experiments through basic auth: %v", vals)
		}
		fs := mustFrames(t, query(t, ds, map[string]any{"queryType": trust.QueryAccuracy, "model": modelName, "alias": "champion", "format": "latest", "history": false}))
		if n := field(t, fs[0], "value").Len(); n == 0 {
			t.Errorf("accuracy through basic auth: no rows")
		}
	})
	for _, tc := range []struct {
		name     string
		settings trust.Settings
	}{
		{"wrong password", mlflowSettings(url, basic("x"), map[string]string{"mlflowPassword": "wrong-password-123"})},
		{"no credentials", mlflowSettings(url, nil, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := newDS(t, tc.settings)
			res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != backend.HealthStatusError {
				t.Errorf("health: %v %q, want an error", res.Status, res.Message)
			}
			checkAuthMessage(t, res.Message, password)
			r := query(t, ds, map[string]any{"queryType": trust.QueryAccuracy, "model": modelName, "alias": "champion"})
			checkAuthMessage(t, mustErr(t, r), password)
		})
	}
}

func checkAuthMessage(t *testing.T, msg, password string) {
	t.Helper()
	low := strings.ToLower(msg)
	if !strings.Contains(low, "401") && !strings.Contains(low, "unauthorized") && !strings.Contains(low, "unauthenticated") {
		t.Errorf("error %q does not say 401/unauthorized", msg)
	}
	if !strings.Contains(low, "password") && !strings.Contains(low, "credential") {
		t.Errorf("error %q does not point at the credentials to fix", msg)
	}
	for _, secret := range []string{password, "wrong-password-123"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q leaks a password", msg)
		}
	}
}

func clone(base map[string]any, extra map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// frameNotices collects the notices of frames, for failure messages.
func frameNotices(fs data.Frames) []string {
	var out []string
	for _, f := range fs {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				out = append(out, n.Text)
			}
		}
	}
	return out
}
