//go:build unix

package fairness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// hangGuard fails the test when fn does not return within a minute (a hang guard, not a timing
// assertion).
func hangGuard(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return: hung", what)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Issue 12, defect 2: fairlearnPaths read devices and FIFOs. A FIFO made health and every query
// hang, a symlink to /dev/zero read until the process ran out of memory. Both are skipped with a
// notice now, and the regular files beside them are served.
func TestFairlearnPathsSkipDevicesAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(testdataDir, "json", "custom_sex.json"), filepath.Join(dir, "good.json"))
	if err := syscall.Mkfifo(filepath.Join(dir, "x.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.json")); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{dir}, "timeoutSeconds": 5})
	var msg string
	var herr error
	hangGuard(t, "health", func() { msg, herr = p.CheckHealth(context.Background()) })
	if herr != nil || !strings.Contains(msg, "1 fairness result(s) in 1 file(s)") {
		t.Errorf("health: %q, %v", msg, herr)
	}
	var ev *trust.Evidence
	hangGuard(t, "query", func() { ev = collect(t, p, trust.Query{Format: trust.FormatTable}) })
	n := noticeText(ev)
	if !strings.Contains(n, "x.json: unreadable: not a regular file") {
		t.Errorf("FIFO not reported:\n%s", n)
	}
	if !strings.Contains(n, "zero.json: unreadable: symlink points outside the configured path") {
		t.Errorf("/dev/zero symlink not reported:\n%s", n)
	}
	if len(ev.Points) == 0 {
		t.Error("the regular file was not served")
	}
}

// Issue 12, defect 6: fairlearnPaths were not confined: a symlink to a file outside the configured
// directory (or to /etc/passwd) was read. It is skipped with a notice that does not name the target.
func TestFairlearnPathsConfined(t *testing.T) {
	outside := t.TempDir()
	copyFile(t, filepath.Join(testdataDir, "json", "custom_sex.json"), filepath.Join(outside, "secret.json"))
	dir := t.TempDir()
	copyFile(t, filepath.Join(testdataDir, "json", "custom_sex.json"), filepath.Join(dir, "good.json"))
	if err := os.Symlink(filepath.Join(outside, "secret.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "passwd.csv")); err != nil {
		t.Fatal(err)
	}
	// a symlink that stays inside the directory is still followed
	if err := os.Symlink("good.json", filepath.Join(dir, "alias.json")); err != nil {
		t.Fatal(err)
	}
	p := newProvider(t, map[string]any{"fairlearnPaths": []string{dir}})
	ev := collect(t, p, trust.Query{Format: trust.FormatTable})
	n := noticeText(ev)
	for _, name := range []string{"link.json", "passwd.csv"} {
		if !strings.Contains(n, name+": unreadable: symlink points outside the configured path") {
			t.Errorf("%s not refused:\n%s", name, n)
		}
	}
	if strings.Contains(n, outside) || strings.Contains(n, "/etc/passwd") {
		t.Errorf("a notice names the symlink target:\n%s", n)
	}
	files := map[string]bool{}
	for _, pt := range ev.Points {
		files[pt.Labels[LabelFile]] = true
	}
	if files[filepath.Join(dir, "link.json")] || files[filepath.Join(dir, "passwd.csv")] {
		t.Errorf("a file outside the configured path was read: %v", files)
	}
	if !files[filepath.Join(dir, "good.json")] || !files[filepath.Join(dir, "alias.json")] {
		t.Errorf("files inside were not served: %v", files)
	}
}
