package mlflow

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/source/mlflow/mlflowtest"
	"github.com/dte-trust/dte-trust/pkg/trust"
	"github.com/dte-trust/dte-trust/pkg/trust/frames"
)

// The benchmarks compare an accuracy query for 1000 runs x 5 metrics x 10 steps (50 000 values)
// with the least a hand-written REST client must do for the same data: one runs/search call and
// the bulk history calls, decoded into minimal structs, with the same concurrency. Against the
// in-memory fake the server costs almost nothing, so the ratio is an upper bound of the overhead
// seen against a real MLflow server.
const benchRuns, benchMetrics, benchSteps = 1000, 5, 10

func benchServer(b *testing.B) *mlflowtest.Server {
	b.Helper()
	return mlflowtest.New(b, mlflowtest.Many(benchRuns, benchMetrics, benchSteps), mlflowtest.Options{})
}

func BenchmarkAccuracyQuery(b *testing.B) {
	srv := benchServer(b)
	c, err := NewClient(Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	p := NewWithClient(c)
	q, _ := trust.ParseQuery([]byte(`{"experiments":["bench"],"limit":1000}`), "accuracy")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev, err := p.Collect(context.Background(), trust.Accuracy, &q)
		if err != nil {
			b.Fatal(err)
		}
		if ev.Len() != benchRuns*benchMetrics*benchSteps {
			b.Fatalf("%d values", ev.Len())
		}
		_ = frames.Build(q.Format, ev)
	}
}

func BenchmarkAccuracyCollectOnly(b *testing.B) {
	srv := benchServer(b)
	c, _ := NewClient(Config{URL: srv.URL})
	p := NewWithClient(c)
	q, _ := trust.ParseQuery([]byte(`{"experiments":["bench"],"limit":1000}`), "accuracy")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Collect(context.Background(), trust.Accuracy, &q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDirectREST(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n := directFetch(b, hc, srv.URL); n != benchRuns*benchMetrics*benchSteps {
			b.Fatalf("%d values", n)
		}
	}
}

// directFetch is the minimal client: runs/search, then get-history-bulk per key and 100 runs, 4
// calls in flight.
func directFetch(b *testing.B, hc *http.Client, base string) int {
	body := `{"experiment_ids":["1"],"max_results":1000,"order_by":["attributes.start_time DESC"]}`
	resp, err := hc.Post(base+"/api/2.0/mlflow/runs/search", "application/json", bytes.NewBufferString(body))
	if err != nil {
		b.Fatal(err)
	}
	var runs struct {
		Runs []struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
			Data struct {
				Metrics []struct {
					Key string `json:"key"`
				} `json:"metrics"`
			} `json:"data"`
		} `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&runs); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	keyRuns := map[string][]string{}
	for _, r := range runs.Runs {
		for _, m := range r.Data.Metrics {
			keyRuns[m.Key] = append(keyRuns[m.Key], r.Info.RunID)
		}
	}
	type job struct {
		key string
		ids []string
	}
	var jobs []job
	for k, ids := range keyRuns {
		for s := 0; s < len(ids); s += 100 {
			jobs = append(jobs, job{k, ids[s:min(s+100, len(ids))]})
		}
	}
	var mu sync.Mutex
	total := 0
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			q := url.Values{"metric_key": {j.key}, "run_id": j.ids}
			resp, err := hc.Get(base + "/ajax-api/2.0/mlflow/metrics/get-history-bulk?" + q.Encode())
			if err != nil {
				b.Error(err)
				return
			}
			defer resp.Body.Close()
			var out struct {
				Metrics []struct {
					Value     float64 `json:"value"`
					Timestamp int64   `json:"timestamp"`
					Step      int64   `json:"step"`
					RunID     string  `json:"run_id"`
				} `json:"metrics"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			total += len(out.Metrics)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}
