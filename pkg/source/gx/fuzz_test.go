package gx

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds Decode arbitrary bytes, seeded with every fixture: it must return results or
// an error, never panic, and every result it returns has a run time and a suite-level count.
func FuzzDecode(f *testing.F) {
	_ = filepath.WalkDir(testdataDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".json" {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	f.Add([]byte(`{"run_results":{"a":{"validation_result":{"results":[],"statistics":{},"meta":{"great_expectations_version":"0.18.1"}}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		vs, err := Decode(b)
		if err != nil {
			return
		}
		for _, v := range vs {
			if v.RunTime.IsZero() {
				t.Fatalf("a result without run time was accepted: %+v", v)
			}
			_ = Points(v)
		}
	})
}
