//go:build integration

package mlflowintegration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/plugin"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The benchmarks compare the plugin's QueryData with a minimal direct REST fetch of the same data
// from the same seeded MLflow. scripts/bench-mlflow.sh runs the compiled test binary once per round
// (-test.count 1), so plugin and direct alternate round after round under the same machine load, and
// computes medians and ratios.
//
// Direct fetches use the same concurrency as the plugin's default (mlflowMaxConcurrency 4) and
// decode with encoding/json into structs holding only what a chart or table needs: the floor any
// client pays. Every operation's result is counted and checked after the timed loop.

const benchConcurrency = 4

// BenchmarkMLflowAccuracyHistory: accuracy with full history for 1,000 runs x 5 metrics.
func BenchmarkMLflowAccuracyHistory(b *testing.B) {
	exp := loadExpected(b)
	if exp.Bench == nil {
		b.Fatal("expected.json has no bench section: the seed ran with --no-bench")
	}
	base := mustEnv(b, "DTE_MLFLOW_URL")
	expName := exp.Bench.HistoryExperiment
	keys := exp.Bench.HistoryMetrics
	runs := exp.runCount(b, expName)
	wantPoints := runs * len(keys) * exp.Bench.HistorySteps

	b.Run("plugin", func(b *testing.B) {
		ds := newDS(b, mlflowSettings(base, map[string]any{"timeoutSeconds": 300}, nil))
		// Warm up as a datasource instance that served a panel before: connections open, bulk
		// history support known.
		pluginRows(b, ds, map[string]any{"queryType": trust.QueryAccuracy, "experiments": []string{expName}, "metrics": keys[:1], "limit": 10})
		q := map[string]any{
			"queryType": trust.QueryAccuracy, "experiments": []string{expName}, "metrics": keys,
			"history": true, "limit": runs, "format": "timeseries",
		}
		measure(b, wantPoints, func() int { return pluginRows(b, ds, q) })
	})
	b.Run("direct", func(b *testing.B) {
		d := newDirect(base)
		expID := exp.experimentID(b, expName)
		d.searchRuns(b, expID, 10)
		measure(b, wantPoints, func() int { return d.accuracyHistory(b, expID, keys, runs) })
	})
}

// BenchmarkMLflowRunsTable: the runs table of an experiment with 10,000 runs.
func BenchmarkMLflowRunsTable(b *testing.B) {
	exp := loadExpected(b)
	if exp.Bench == nil {
		b.Fatal("expected.json has no bench section: the seed ran with --no-bench")
	}
	base := mustEnv(b, "DTE_MLFLOW_URL")
	expName := exp.Bench.RunsExperiment
	runs := exp.runCount(b, expName)

	b.Run("plugin", func(b *testing.B) {
		ds := newDS(b, mlflowSettings(base, map[string]any{"timeoutSeconds": 300}, nil))
		pluginRows(b, ds, map[string]any{"queryType": trust.QueryRuns, "experiments": []string{expName}, "limit": 10})
		q := map[string]any{
			"queryType": trust.QueryRuns, "experiments": []string{expName},
			"params": []string{"model_type", "max_depth"}, "tags": []string{"stage"},
		}
		measure(b, runs, func() int { return pluginRows(b, ds, q) })
	})
	b.Run("direct", func(b *testing.B) {
		d := newDirect(base)
		expID := exp.experimentID(b, expName)
		d.searchRuns(b, expID, 10)
		measure(b, runs, func() int { return d.runsTable(b, expID) })
	})
}

func (e *expected) experimentID(tb testing.TB, name string) string {
	for _, x := range e.Experiments {
		if x.Name == name {
			return x.ID
		}
	}
	tb.Fatalf("expected.json has no experiment %q", name)
	return ""
}

// pluginRows is one QueryData call; it returns the rows of all frames, failing on an error.
func pluginRows(b *testing.B, ds *plugin.Datasource, q map[string]any) int {
	r, err := queryErr(ds, q)
	if err != nil || r.Error != nil {
		b.Fatalf("QueryData: %v %v", err, r.Error)
	}
	n := 0
	for _, f := range r.Frames {
		n += f.Rows()
	}
	return n
}

// measure times b.N operations and checks that each returned want (rows, runs or values). Besides
// ns/op, B/op and allocs/op it reports cpu-ms/op, the CPU time of this process (user+sys) per
// operation: the client's own cost, which wall time hides behind the server's; and peak-heap-MB,
// the largest live heap seen while the operations ran.
func measure(b *testing.B, want int, op func() int) {
	runtime.GC()
	got := make([]int, 0, b.N)
	peak := newPeakHeap()
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got = append(got, op())
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(peak.stop())/(1<<20), "peak-heap-MB")
	for _, n := range got {
		if n != want {
			b.Fatalf("an operation returned %d, want %d", n, want)
		}
	}
}

// cpuTime is the user+sys CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakHeap samples the live heap (runtime/metrics, no stop-the-world) every 5 ms.
type peakHeap struct {
	done chan struct{}
	wg   sync.WaitGroup
	max  uint64
}

func newPeakHeap() *peakHeap {
	p := &peakHeap{done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > p.max {
				p.max = v
			}
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) stop() uint64 {
	close(p.done)
	p.wg.Wait()
	return p.max
}

// direct is a minimal MLflow REST client: no retries, no sanitising, no frames.
type direct struct {
	base string
	hc   *http.Client
}

func newDirect(base string) *direct {
	return &direct{base: base, hc: &http.Client{Timeout: 300 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: benchConcurrency}}}
}

// do sends one request and decodes the JSON answer into out. Safe for concurrent use.
func (d *direct) do(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, d.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type minimalRun struct {
	Info struct {
		RunID        string `json:"run_id"`
		RunName      string `json:"run_name"`
		ExperimentID string `json:"experiment_id"`
		Status       string `json:"status"`
		StartTime    int64  `json:"start_time"`
		EndTime      int64  `json:"end_time"`
	} `json:"info"`
	Data struct {
		Metrics []struct {
			Key       string  `json:"key"`
			Value     float64 `json:"value"`
			Timestamp int64   `json:"timestamp"`
		} `json:"metrics"`
		Params []kv `json:"params"`
		Tags   []kv `json:"tags"`
	} `json:"data"`
}

// searchRuns follows runs/search to the end (or limit runs).
func (d *direct) searchRuns(b *testing.B, expID string, limit int) []minimalRun {
	var out []minimalRun
	token := ""
	for {
		n := 1000
		if limit > 0 && limit-len(out) < n {
			n = limit - len(out)
		}
		body := map[string]any{"experiment_ids": []string{expID}, "max_results": n, "order_by": []string{"attributes.start_time DESC"}}
		if token != "" {
			body["page_token"] = token
		}
		var page struct {
			Runs          []minimalRun `json:"runs"`
			NextPageToken string       `json:"next_page_token"`
		}
		if err := d.do(http.MethodPost, "/api/2.0/mlflow/runs/search", body, &page); err != nil {
			b.Fatal(err)
		}
		out = append(out, page.Runs...)
		if page.NextPageToken == "" || len(page.Runs) == 0 || (limit > 0 && len(out) >= limit) {
			return out
		}
		token = page.NextPageToken
	}
}

func (d *direct) runsTable(b *testing.B, expID string) int {
	return len(d.searchRuns(b, expID, 0))
}

type historyPoint struct {
	RunID     string  `json:"run_id"`
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

// accuracyHistory: runs/search for the runs, then get-history-bulk per metric key for batches of
// 100 runs, benchConcurrency calls in flight. It returns the number of values read.
func (d *direct) accuracyHistory(b *testing.B, expID string, keys []string, limit int) int {
	runs := d.searchRuns(b, expID, limit)
	type job struct {
		key string
		ids []string
	}
	var jobs []job
	for _, k := range keys {
		for i := 0; i < len(runs); i += 100 {
			var ids []string
			for _, r := range runs[i:min(i+100, len(runs))] {
				ids = append(ids, r.Info.RunID)
			}
			jobs = append(jobs, job{k, ids})
		}
	}
	results := make([][]historyPoint, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, benchConcurrency)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			q := url.Values{"metric_key": {j.key}, "max_results": {"25000"}, "run_id": j.ids}
			var resp struct {
				Metrics []historyPoint `json:"metrics"`
			}
			errs[i] = d.do(http.MethodGet, "/ajax-api/2.0/mlflow/metrics/get-history-bulk?"+q.Encode(), nil, &resp)
			results[i] = resp.Metrics
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	return n
}
