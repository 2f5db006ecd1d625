package sourcekit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/fsroot"
	"github.com/dte-trust/dte-trust/pkg/trust"
)

func TestStringList(t *testing.T) {
	for raw, want := range map[string][]string{
		``:                     nil,
		`null`:                 nil,
		`["a", " b ", ""]`:     {"a", "b"},
		`"a\n b ,c,,"`:         {"a", "b", "c"},
		`"   "`:                nil,
		`["/data/gx/results"]`: {"/data/gx/results"},
	} {
		got, err := StringList(json.RawMessage(raw))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("StringList(%s) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{`5`, `{"a":1}`, `[1, 2]`, `true`} {
		if got, err := StringList(json.RawMessage(raw)); err == nil || err.Error() != "must be a list of strings" {
			t.Errorf("StringList(%s) = %q, %v; want the error", raw, got, err)
		}
	}
}

func TestBool(t *testing.T) {
	type res struct{ v, set bool }
	for raw, want := range map[string]res{
		``: {false, false}, `null`: {false, false},
		`true`: {true, true}, `false`: {false, true},
		`"true"`: {true, true}, `" false "`: {false, true}, `"1"`: {true, true}, `"F"`: {false, true},
		`1`: {true, true}, `0`: {false, true},
	} {
		v, set, err := Bool(json.RawMessage(raw))
		if err != nil || (res{v, set}) != want {
			t.Errorf("Bool(%s) = %v, %v, %v; want %v", raw, v, set, err, want)
		}
	}
	for _, raw := range []string{`"yes please"`, `2`, `[true]`, `{}`, `""`} {
		if v, set, err := Bool(json.RawMessage(raw)); err == nil || !set || v {
			t.Errorf("Bool(%s) = %v, %v, %v; want set with an error", raw, v, set, err)
		}
	}
}

func TestVars(t *testing.T) {
	for in, want := range map[string]string{"$__all": "", " * ": "", "All": "", "{}": "", " churn ": "churn", "": ""} {
		if got := CleanVar(in); got != want {
			t.Errorf("CleanVar(%q) = %q, want %q", in, got, want)
		}
	}
	cases := []struct {
		v, filter string
		want      bool
	}{
		{"a", "", true}, {"a", "a", true}, {"a", "b", false},
		{"b", "{a, b}", true}, {"c", "{a,b}", false}, {"", "{}", true}, {"a", "{a", false},
	}
	for _, c := range cases {
		if got := MatchVar(c.v, c.filter); got != c.want {
			t.Errorf("MatchVar(%q, %q) = %v, want %v", c.v, c.filter, got, c.want)
		}
	}
	if got := FirstFew([]string{"a", "b"}, 2); got != "a; b" {
		t.Errorf("FirstFew = %q", got)
	}
	if got := FirstFew([]string{"a", "b", "c", "d"}, 2); got != "a; b; and 2 more" {
		t.Errorf("FirstFew = %q", got)
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

type walked struct {
	files, unreadable []string
	failed            []error
}

func walk(ctx context.Context, paths ...string) *walked {
	w := &walked{}
	Walk{
		Key:  "testPaths",
		Keep: func(base string) bool { return !strings.HasPrefix(base, ".") && strings.HasSuffix(base, ".json") },
		File: func(r *fsroot.Root, name, shown string) {
			b, _, err := r.ReadFile(ctx, name, 1<<10)
			w.files = append(w.files, shown+"="+string(b)+errString(err))
		},
		Unreadable: func(shown string, err error) { w.unreadable = append(w.unreadable, shown) },
		Failed:     func(err error) { w.failed = append(w.failed, err) },
	}.Run(ctx, paths)
	return w
}

func errString(err error) string {
	if err != nil {
		return " (" + err.Error() + ")"
	}
	return ""
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.json"), "b")
	write(t, filepath.Join(dir, "a", "z.json"), "z")
	write(t, filepath.Join(dir, "a", "notes.txt"), "x")
	write(t, filepath.Join(dir, ".hidden", "h.json"), "h")
	write(t, filepath.Join(dir, ".dot.json"), "d")
	single := filepath.Join(t.TempDir(), "one.txt") // a configured file is read whatever its name
	write(t, single, "1")
	missing := filepath.Join(dir, "missing")

	w := walk(context.Background(), dir, single, missing)
	want := []string{
		filepath.Join(dir, "a", "z.json") + "=z",
		filepath.Join(dir, "b.json") + "=b",
		single + "=1",
	}
	if !reflect.DeepEqual(w.files, want) {
		t.Errorf("files = %q, want %q", w.files, want)
	}
	if len(w.failed) != 1 || !strings.HasPrefix(w.failed[0].Error(), "testPaths entry "+missing+": ") {
		t.Errorf("failed = %v, want one error naming %s", w.failed, missing)
	}
	if len(w.unreadable) != 0 {
		t.Errorf("unreadable = %q", w.unreadable)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w = walk(ctx, dir)
	if len(w.files) != 0 || len(w.failed) != 1 || !strings.Contains(w.failed[0].Error(), "testPaths entry "+dir) {
		t.Errorf("cancelled walk: files %q, failed %v; want no files and one failure naming the entry", w.files, w.failed)
	}
}

func TestEachRun(t *testing.T) {
	const n = 37
	var calls [n]atomic.Int32
	var active, most atomic.Int32
	var mu sync.Mutex
	EachRun(n, func(i int) {
		a := active.Add(1)
		mu.Lock()
		if a > most.Load() {
			most.Store(a)
		}
		mu.Unlock()
		calls[i].Add(1)
		active.Add(-1)
	})
	for i := range calls {
		if c := calls[i].Load(); c != 1 {
			t.Errorf("read(%d) called %d times, want once", i, c)
		}
	}
	if m := most.Load(); m < 1 || m > maxRunReaders {
		t.Errorf("at most %d reads ran at once, want 1..%d", m, maxRunReaders)
	}
	EachRun(0, func(int) { t.Error("read called for n = 0") })
}

type info struct {
	os.FileInfo
	mod  time.Time
	size int64
}

func (i info) ModTime() time.Time { return i.mod }
func (i info) Size() int64        { return i.size }

func TestFileCache(t *testing.T) {
	var c FileCache[string]
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, ok := c.Get("/a", info{mod: t0, size: 3}); ok {
		t.Fatal("empty cache hit")
	}
	c.Put("/a", info{mod: t0, size: 3}, "parsed")
	if v, ok := c.Get("/a", info{mod: t0, size: 3}); !ok || v != "parsed" {
		t.Errorf("Get = %q, %v; want the parsed value", v, ok)
	}
	for _, changed := range []info{{mod: t0.Add(time.Second), size: 3}, {mod: t0, size: 4}} {
		if _, ok := c.Get("/a", changed); ok {
			t.Errorf("Get after a change (%v, %d) hit the cache", changed.mod, changed.size)
		}
	}
	if _, ok := c.Get("/b", info{mod: t0, size: 3}); ok {
		t.Error("another path hit the cache")
	}
}

func TestOptions(t *testing.T) {
	got := Options([]string{"v2", "churn", "v10"})
	want := []trust.Option{{Text: "churn", Value: "churn"}, {Text: "v10", Value: "v10"}, {Text: "v2", Value: "v2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Options = %v, want %v", got, want)
	}
	if got := Options(nil); got == nil || len(got) != 0 {
		t.Errorf("Options(nil) = %#v, want an empty list", got)
	}
}
