package fsroot

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileConfined(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.json"), "secret")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "b.json"), `{"ok": true}`)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, info, err := r.ReadFile(ctx, "a/b.json", 1<<20)
	if err != nil || string(b) != `{"ok": true}` || info.Size() != int64(len(b)) {
		t.Fatalf("read: %q %v", b, err)
	}
	if _, _, err := r.ReadFile(ctx, "a/b.json", 4); !errors.As(err, new(*TooLargeError)) || !strings.Contains(err.Error(), "over the 4 bytes limit") {
		t.Errorf("size limit: %v", err)
	}
	for _, name := range []string{"../" + filepath.Base(outside) + "/secret.json", "a/../../x", filepath.Join(outside, "secret.json")} {
		if _, _, err := r.ReadFile(ctx, name, 0); err == nil {
			t.Errorf("%s was read", name)
		}
	}
	if _, _, err := r.ReadFile(ctx, "a", 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a directory: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := r.ReadFile(cancelled, "a/b.json", 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read: %v", err)
	}
	if rel, ok := r.Rel(filepath.Join(r.Dir(), "a", "b.json")); !ok || rel != "a/b.json" {
		t.Errorf("Rel: %q %v", rel, ok)
	}
	if _, ok := r.Rel(outside); ok {
		t.Error("Rel of a path outside")
	}
}

func TestFileRoot(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yaml"), "rules: []")
	writeFile(t, filepath.Join(dir, "other.yaml"), "x")
	r, err := Open(filepath.Join(dir, "rules.yaml"))
	if err != nil || !r.IsFile() {
		t.Fatalf("open: %v", err)
	}
	if b, _, err := r.ReadFile(context.Background(), "", 0); err != nil || string(b) != "rules: []" {
		t.Errorf("read: %q %v", b, err)
	}
	if _, _, err := r.ReadFile(context.Background(), "other.yaml", 0); !errors.Is(err, ErrOutside) {
		t.Errorf("a file root reads its own file only: %v", err)
	}
	if b, err := ReadFile(context.Background(), filepath.Join(dir, "rules.yaml"), 100); err != nil || string(b) != "rules: []" {
		t.Errorf("ReadFile: %q %v", b, err)
	}
	if _, err := ReadFile(context.Background(), dir, 100); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile of a directory: %v", err)
	}
	var names []string
	if err := r.WalkDir(context.Background(), func(name string, d fs.DirEntry, err error) error {
		names = append(names, name)
		return err
	}); err != nil || !slices.Equal(names, []string{"rules.yaml"}) {
		t.Errorf("walk of a file root: %v %v", names, err)
	}
}

func TestWalkDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.json"), "{}")
	writeFile(t, filepath.Join(dir, "sub", "y.csv"), "a,b")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = r.WalkDir(context.Background(), func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, name)
		}
		return nil
	})
	if err != nil || !slices.Equal(names, []string{"sub/y.csv", "x.json"}) {
		t.Errorf("walk: %v %v", names, err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
}
