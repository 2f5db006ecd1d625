//go:build protocol

package protocol

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// The load benchmarks put a counting proxy between the plugin and the demo MLflow and load the
// shipped dashboards the way Grafana does: variables first, then one QueryData request per panel,
// up to six panels at a time (a browser's connections per host). They print LOAD lines that
// scripts/bench-load.sh turns into BENCHMARKS.md; they assert nothing and never run in `go test`
// without -bench.

// countingProxy forwards to MLflow and counts the requests it forwarded.
type countingProxy struct {
	*httptest.Server
	n     atomic.Int64
	mu    sync.Mutex
	paths map[string]int
}

// take returns the requests per endpoint since the last take, most first.
func (cp *countingProxy) take() string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	type kv struct {
		k string
		n int
	}
	var list []kv
	for k, n := range cp.paths {
		list = append(list, kv{k, n})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].n > list[j].n || (list[i].n == list[j].n && list[i].k < list[j].k) })
	var parts []string
	for _, e := range list {
		parts = append(parts, fmt.Sprintf("%s:%d", e.k, e.n))
	}
	cp.paths = map[string]int{}
	return strings.Join(parts, ",")
}

func newCountingProxy(b *testing.B) *countingProxy {
	b.Helper()
	target, err := url.Parse(os.Getenv("DTE_MLFLOW_URL"))
	if err != nil {
		b.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // viewers giving up cancel proxied calls: expected
	cp := &countingProxy{paths: map[string]int{}}
	cp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cp.n.Add(1)
		cp.mu.Lock()
		cp.paths[strings.TrimPrefix(r.URL.Path, "/api/2.0/")]++
		cp.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	b.Cleanup(cp.Close)
	return cp
}

var instanceSeq atomic.Int64

// freshContext is the provisioned data source pointed at the proxy, as a new instance (a new
// lastUpdated makes the plugin build a new instance, with an empty cache).
func freshContext(b *testing.B, proxyURL string) *pluginv2.PluginContext {
	b.Helper()
	ds := sharedDS
	ds.JSONData = map[string]any{}
	for k, v := range sharedDS.JSONData {
		ds.JSONData[k] = v
	}
	ds.JSONData["mlflowUrl"] = proxyURL
	ds.Updated = time.Now().Add(time.Duration(instanceSeq.Add(1)) * time.Second)
	pc, err := ds.PluginContext()
	if err != nil {
		b.Fatal(err)
	}
	return pc
}

// panelLoad is one dashboard load's panel requests and how long each took.
type panelLoad struct {
	latencies []time.Duration
	errors    int
	firstErr  string
}

// loadPanels resolves the variables and sends each panel as its own request, six at a time.
func loadPanels(b *testing.B, pc *pluginv2.PluginContext, d *Dashboard) panelLoad {
	now := time.Now()
	from, _ := ParseRelative(d.Time.From, now)
	vars, _ := resolveVariablesWith(b, shared, pc, d, scenarios[0], from, now)
	var panels [][]Request
	for _, p := range d.AllPanels() {
		var reqs []Request
		for _, target := range p.Targets {
			if hide, _ := target["hide"].(bool); !hide {
				reqs = append(reqs, panelRequest(b, d, p, target, vars, now))
			}
		}
		if len(reqs) > 0 {
			panels = append(panels, reqs)
		}
	}
	var mu sync.Mutex
	var out panelLoad
	sem := make(chan struct{}, 6)
	var wg sync.WaitGroup
	for _, reqs := range panels {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			answers, err := shared.Query(pc, reqs)
			el := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			out.latencies = append(out.latencies, el)
			if err != nil {
				out.errors += len(reqs)
				out.firstErr = err.Error()
				return
			}
			for _, a := range answers {
				if a.Error != "" {
					out.errors++
					if out.firstErr == "" {
						out.firstErr = a.Error
					}
				}
			}
		}()
	}
	wg.Wait()
	return out
}

func dashboards(b *testing.B) []*Dashboard {
	var out []*Dashboard
	for _, f := range dashboardFiles(b) {
		d, err := LoadDashboard(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}

// BenchmarkDashboardRequests: MLflow requests of a cold load (new instance) and of a warm load
// (the same instance right after) of each shipped dashboard.
func BenchmarkDashboardRequests(b *testing.B) {
	proxy := newCountingProxy(b)
	for range b.N {
		total := int64(0)
		for _, d := range dashboards(b) {
			pc := freshContext(b, proxy.URL)
			proxy.take()
			before := proxy.n.Load()
			cold := loadPanels(b, pc, d)
			mid := proxy.n.Load()
			endpoints := proxy.take()
			warm := loadPanels(b, pc, d)
			after := proxy.n.Load()
			total += mid - before
			fmt.Printf("LOAD dashboard=%s cold_requests=%d warm_requests=%d errors=%d cold_endpoints=%s %s\n",
				d.UID, mid-before, after-mid, cold.errors+warm.errors, endpoints, errNote(cold, warm))
		}
		fmt.Printf("LOAD dashboards=all cold_requests=%d\n", total)
	}
}

func errNote(loads ...panelLoad) string {
	for _, l := range loads {
		if l.firstErr != "" {
			b, _ := json.Marshal(l.firstErr)
			return "first_error=" + string(b)
		}
	}
	return ""
}

// BenchmarkConcurrentViewers: DTE_VIEWERS (default 50) viewers open the overview dashboard at the
// same moment on one data source instance; per-panel latency percentiles, errors, and MLflow
// requests against one viewer's cold load.
func BenchmarkConcurrentViewers(b *testing.B) {
	viewers := 50
	if v := os.Getenv("DTE_VIEWERS"); v != "" {
		fmt.Sscan(v, &viewers)
	}
	proxy := newCountingProxy(b)
	var overview *Dashboard
	for _, d := range dashboards(b) {
		if d.UID == "dte-trust-overview" {
			overview = d
		}
	}
	if overview == nil {
		b.Fatal("no dte-trust-overview dashboard")
	}
	for range b.N {
		before := proxy.n.Load()
		loadPanels(b, freshContext(b, proxy.URL), overview)
		single := proxy.n.Load() - before

		pc := freshContext(b, proxy.URL)
		before = proxy.n.Load()
		start := time.Now()
		loads := make([]panelLoad, viewers)
		var wg sync.WaitGroup
		for i := range viewers {
			wg.Add(1)
			go func() { defer wg.Done(); loads[i] = loadPanels(b, pc, overview) }()
		}
		wg.Wait()
		wall := time.Since(start)
		var lat []time.Duration
		errs := 0
		for _, l := range loads {
			lat = append(lat, l.latencies...)
			errs += l.errors
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		pct := func(p float64) float64 { return lat[int(p*float64(len(lat)-1))].Seconds() }
		fmt.Printf("LOAD viewers=%d panel_requests=%d errors=%d p50_s=%.2f p95_s=%.2f max_s=%.2f wall_s=%.1f mlflow_requests=%d one_viewer_requests=%d %s\n",
			viewers, len(lat), errs, pct(0.5), pct(0.95), lat[len(lat)-1].Seconds(), wall.Seconds(), proxy.n.Load()-before, single, errNote(loads...))
	}
}
