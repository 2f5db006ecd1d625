// Package fuzzseed seeds the fuzz targets of DTE Trust from the repository's testdata and from the
// shared samples beside the repository, both read in place: nothing is copied into the repository
// (crashers the fuzzer finds go to each package's testdata/fuzz/<Target>/ as usual).
package fuzzseed

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Seed size limits: every seed file up to maxSeed runs with go test; while fuzzing (-fuzz), only
// files up to maxFuzzSeed are added, since the engine spends its time minimizing what it derives
// from large inputs and a few hundred kilobytes of plot data add no shapes the small files lack.
const (
	maxSeed     = 1 << 20
	maxFuzzSeed = 48 << 10
)

// fuzzing reports whether the test binary runs with -fuzz (as opposed to running the seeds).
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// RepoRoot is the module's root directory, found from the test's working directory (a package
// directory) by walking up to go.mod; "" when there is none.
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Testdata is <repository>/testdata/<sub>.
func Testdata(sub string) string { return filepath.Join(RepoRoot(), "testdata", sub) }

// Samples is the shared samples directory <sub>: $DTE_SAMPLES/<sub> when set, else
// <repository>/../shared/samples/<sub>, else /work/shared/samples/<sub>. A missing directory
// gives no seeds.
func Samples(sub string) string {
	if d := os.Getenv("DTE_SAMPLES"); d != "" {
		return filepath.Join(d, sub)
	}
	beside := filepath.Join(RepoRoot(), "..", "shared", "samples", sub)
	if _, err := os.Stat(beside); err == nil {
		return beside
	}
	return filepath.Join("/work/shared/samples", sub)
}

// Files returns the contents of the files under dirs (recursively) whose names end in one of exts
// (any file when none is given), in a stable order, within the seed size limit. Missing
// directories are skipped.
func Files(dirs []string, exts ...string) [][]byte {
	var paths []string
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			for _, x := range exts {
				if strings.HasSuffix(strings.ToLower(e.Name()), x) {
					paths = append(paths, p)
					return nil
				}
			}
			if len(exts) == 0 {
				paths = append(paths, p)
			}
			return nil
		})
	}
	sort.Strings(paths)
	limit := int64(maxSeed)
	if fuzzing() {
		limit = maxFuzzSeed
	}
	var out [][]byte
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || st.Size() > limit {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// Add adds each seed to a fuzz target taking one []byte argument.
func Add(f *testing.F, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
}
