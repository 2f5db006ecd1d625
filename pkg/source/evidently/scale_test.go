//go:build evbench

package evidently

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// The scale benchmark (scripts/bench-evidently.sh): a workspace of many 0.7 snapshots synthesised
// from a real generated snapshot, outside the repository, then a 7-day drift query cold (new
// provider: walk, index, parse the window) and warm (the same provider again).
//
//	EVIDENTLY_BENCH_DIR=/tmp/x EVIDENTLY_BENCH_SNAPSHOTS=10000 go test -tags evbench -run TestScale ./pkg/source/evidently/

var tsRe = regexp.MustCompile(`"timestamp": ?"[^"]*"`)

// genWorkspace writes n snapshots one hour apart (ending now) into dir/<project>/snapshots, each a
// copy of the template with its own timestamp and a drift share that varies, unless dir already
// holds that many.
func genWorkspace(tb testing.TB, dir string, n int) (time.Time, int64) {
	tb.Helper()
	tmpls, _ := filepath.Glob(filepath.Join(fixturesDir, "current", "workspace", "*", "snapshots", "*.json"))
	if len(tmpls) == 0 {
		tb.Fatal("no template snapshot in testdata/evidently/current/workspace")
	}
	sort.Strings(tmpls)
	var templates [][]byte
	for _, t := range tmpls {
		b, err := os.ReadFile(t)
		if err != nil {
			tb.Fatal(err)
		}
		templates = append(templates, b)
	}
	pdir := filepath.Join(dir, "01bench0-0000-7000-8000-000000000001")
	snaps := filepath.Join(pdir, "snapshots")
	stamp := filepath.Join(dir, fmt.Sprintf("complete-%d", n))
	end := time.Now().UTC().Truncate(time.Hour)
	if b, err := os.ReadFile(stamp); err == nil {
		t, _ := time.Parse(time.RFC3339, string(b))
		var size int64
		entries, _ := os.ReadDir(snaps)
		for _, e := range entries {
			info, _ := e.Info()
			size += info.Size()
		}
		return t, size
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(snaps, 0o755); err != nil {
		tb.Fatal(err)
	}
	meta := `{"id": "01bench0-0000-7000-8000-000000000001", "name": "bench", "description": null, "org_id": null, "version": "2"}`
	if err := os.WriteFile(filepath.Join(pdir, "metadata.json"), []byte(meta), 0o644); err != nil {
		tb.Fatal(err)
	}
	var size int64
	for i := 0; i < n; i++ {
		ts := end.Add(-time.Duration(n-1-i) * time.Hour)
		t := templates[i%len(templates)]
		b := tsRe.ReplaceAll(t, []byte(`"timestamp": "`+ts.Format("2006-01-02T15:04:05")+`"`))
		name := fmt.Sprintf("01bench0-%04x-7000-8000-%012x.json", i>>16&0xffff, i)
		if err := os.WriteFile(filepath.Join(snaps, name), b, 0o644); err != nil {
			tb.Fatal(err)
		}
		size += int64(len(b))
	}
	if err := os.WriteFile(stamp, []byte(end.Format(time.RFC3339)), 0o644); err != nil {
		tb.Fatal(err)
	}
	return end, size
}

func maxRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

// TestScale prints one JSON line: snapshots, bytes, cold and warm 7-day query times, points and
// peak RSS. Each run is a fresh process, so "cold" includes the walk and the index.
func TestScale(t *testing.T) {
	dir := os.Getenv("EVIDENTLY_BENCH_DIR")
	if dir == "" {
		t.Fatal("EVIDENTLY_BENCH_DIR is not set (scripts/bench-evidently.sh sets it)")
	}
	n, _ := strconv.Atoi(os.Getenv("EVIDENTLY_BENCH_SNAPSHOTS"))
	if n == 0 {
		n = 10000
	}
	end, size := genWorkspace(t, dir, n)
	if os.Getenv("EVIDENTLY_BENCH_GENERATE_ONLY") != "" {
		return
	}
	p, err := NewFromConfig(Config{Workspaces: []string{dir}}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := &trust.Query{QueryType: "drift", From: end.Add(-7 * 24 * time.Hour), To: end}
	ctx := context.Background()
	start := time.Now()
	ev, err := p.Collect(ctx, trust.Drift, q)
	if err != nil {
		t.Fatal(err)
	}
	cold := time.Since(start)
	var warm []float64
	for i := 0; i < 5; i++ {
		p.files.mu.Lock()
		p.files.lastWalk = time.Time{} // a warm query still re-walks (mtime check), as after the walk TTL
		p.files.mu.Unlock()
		start = time.Now()
		ev2, err := p.Collect(ctx, trust.Drift, q)
		if err != nil {
			t.Fatal(err)
		}
		warm = append(warm, time.Since(start).Seconds())
		if len(ev2.Points) != len(ev.Points) {
			t.Fatalf("warm query gave %d points, cold %d", len(ev2.Points), len(ev.Points))
		}
	}
	sort.Float64s(warm)
	parsed := 0
	p.files.mu.Lock()
	for _, e := range p.files.entries {
		if e.report != nil {
			parsed++
		}
	}
	p.files.mu.Unlock()
	var out bytes.Buffer
	_ = json.NewEncoder(&out).Encode(map[string]any{
		"snapshots": n, "bytes": size, "cold_s": cold.Seconds(), "warm_s": warm[len(warm)/2],
		"points": len(ev.Points), "parsed_files": parsed, "max_rss_mb": maxRSSMB(),
	})
	fmt.Print("SCALE " + out.String())
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// TestThroughput prints one JSON line with the parse throughput of this package and of a full
// encoding/json decode over the benchmark corpus, per wall second and per CPU second (the CPU
// figure holds on a loaded machine, where wall time includes waiting for a core). GOMAXPROCS=1 and
// a GC before each pass keep the two parsers on equal terms.
func TestThroughput(t *testing.T) {
	_, data, total := benchFiles(t)
	passes := 20
	measure := func(fn func([]byte) error) (wall, cpu float64) {
		runtime.GC()
		c0, w0 := cpuSeconds(), time.Now()
		for i := 0; i < passes; i++ {
			for _, d := range data {
				if err := fn(d); err != nil {
					t.Fatal(err)
				}
			}
		}
		mb := float64(total) * float64(passes) / 1e6
		return mb / time.Since(w0).Seconds(), mb / (cpuSeconds() - c0)
	}
	now := time.Now()
	ours := func(d []byte) error { _, err := Parse(d, now); return err }
	std := func(d []byte) error { var v any; return json.Unmarshal(d, &v) }
	res := map[string]any{"bytes": total, "files": len(data), "passes": passes}
	res["ours_wall"], res["ours_cpu"] = measure(ours)
	res["std_wall"], res["std_cpu"] = measure(std)
	var out bytes.Buffer
	_ = json.NewEncoder(&out).Encode(res)
	fmt.Print("THROUGHPUT " + out.String())
}
