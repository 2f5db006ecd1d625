package evidently

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// benchFiles is the parse-throughput corpus: real Evidently files of every family that strict
// JSON decoders can also read (sample 02 and the legacy snapshot fixture hold bare NaN, which encoding/json and json.load with
// its defaults differ on, so it is left out for a like-for-like comparison). scripts/bench-evidently.sh
// times Python's json.load over the same list (BENCH_FILES_OUT writes it).
func benchFiles(tb testing.TB) ([]string, [][]byte, int64) {
	tb.Helper()
	var paths []string
	for _, n := range []string{
		"01_v0.3.3_legacy_TestSuite_json.json", "03_v0.5.1_legacy_Report_json_RegressionQuality.json",
		"04_v0.7.x_pre0.7.16_Snapshot_json_metric_id.json", "05_v0.7.20_Snapshot_save_json_metric_name_config_tests.json",
		"06_v0.7.20_evidently.legacy_Report_as_dict_drift.json",
	} {
		paths = append(paths, filepath.Join(samplesDir, n))
	}
	ws, _ := filepath.Glob(filepath.Join(fixturesDir, "current", "workspace", "*", "snapshots", "*.json"))
	sort.Strings(ws)
	paths = append(paths, ws...)
	paths = append(paths, filepath.Join(fixturesDir, "legacy", "report_drift.json"), filepath.Join(fixturesDir, "legacy", "testsuite.json"))
	var data [][]byte
	var total int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		data = append(data, b)
		total += int64(len(b))
	}
	if out := os.Getenv("BENCH_FILES_OUT"); out != "" {
		abs := make([]string, len(paths))
		for i, p := range paths {
			abs[i], _ = filepath.Abs(p)
		}
		j, _ := json.Marshal(abs)
		_ = os.WriteFile(out, j, 0o644)
	}
	return paths, data, total
}

// BenchmarkParse is this package's skip-aware parse and mapping of the corpus.
func BenchmarkParse(b *testing.B) {
	_, data, total := benchFiles(b)
	now := time.Now()
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range data {
			if _, err := Parse(d, now); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkStdlibDecode is a full encoding/json decode of the same corpus into interface{}.
func BenchmarkStdlibDecode(b *testing.B) {
	_, data, total := benchFiles(b)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range data {
			var v any
			if err := json.Unmarshal(d, &v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestParseMatchesStdlibStructure guards the scanner against drifting from a real JSON decoder:
// every corpus file decodes with both, and the scanner rejects what the standard library rejects.
func TestParseMatchesStdlibStructure(t *testing.T) {
	paths, data, _ := benchFiles(t)
	for i, d := range data {
		var v any
		if err := json.Unmarshal(d, &v); err != nil {
			t.Fatalf("%s: stdlib: %v", paths[i], err)
		}
		if _, err := Parse(d, time.Now()); err != nil {
			t.Errorf("%s: %v", paths[i], err)
		}
		// every truncation point of the first 2 KB and a few further in must fail cleanly
		end := len(bytes.TrimRight(d, " \r\n\t"))
		for _, cut := range []int{1, 2, 17, 100, 1000, end / 3, end / 2, end - 1} {
			if cut >= len(d) || cut <= 0 {
				continue
			}
			if _, err := Parse(d[:cut], time.Now()); err == nil {
				t.Errorf("%s cut at %d parsed without error", paths[i], cut)
			}
		}
	}
}
