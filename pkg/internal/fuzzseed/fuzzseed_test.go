package fuzzseed

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every fuzz target in the repository is run by `make fuzz`: FUZZ_TARGETS in the Makefile lists it
// as <package dir>:<name>, and lists nothing else.
func TestMakeFuzzRunsEveryTarget(t *testing.T) {
	root := RepoRoot()
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\t(pkg/\S+:Fuzz\w+)`).FindAllStringSubmatch(string(mk), -1) {
		listed[m[1]] = true
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	found := map[string]bool{}
	err = filepath.WalkDir(filepath.Join(root, "pkg"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(b), -1) {
			found[filepath.ToSlash(rel)+":"+m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatal("no fuzz target found")
	}
	for k := range found {
		if !listed[k] {
			t.Errorf("fuzz target %s is not in the Makefile's FUZZ_TARGETS", k)
		}
	}
	for k := range listed {
		if !found[k] {
			t.Errorf("FUZZ_TARGETS lists %s, which does not exist", k)
		}
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"b.json": "2", "a.JSON": "1", "c.csv": "3", "sub/d.json": "4"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, b := range Files([]string{dir, filepath.Join(dir, "missing")}, ".json") {
		got = append(got, string(b))
	}
	if strings.Join(got, ",") != "1,2,4" {
		t.Errorf("files: %v", got)
	}
}
