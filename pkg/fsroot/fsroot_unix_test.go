//go:build unix

package fsroot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Devices, FIFOs and symlinks leaving the root are refused, and opening a FIFO never waits for a
// writer.
func TestSpecialFilesRefused(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.json"), "secret")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "good.json"), "{}")
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for name, target := range map[string]string{
		"zero.json":  "/dev/zero",
		"passwd.csv": "/etc/passwd",
		"link.json":  filepath.Join(outside, "secret.json"),
		"up.json":    "../" + filepath.Base(outside) + "/secret.json",
		"alias.json": "good.json",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx := context.Background()
		if _, _, err := r.ReadFile(ctx, "fifo.json", 0); !errors.Is(err, ErrNotRegular) {
			t.Errorf("fifo: %v", err)
		}
		for _, name := range []string{"zero.json", "passwd.csv", "link.json", "up.json"} {
			_, _, err := r.ReadFile(ctx, name, 0)
			if !errors.Is(err, ErrOutside) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if b, _, err := r.ReadFile(ctx, "alias.json", 0); err != nil || string(b) != "{}" {
			t.Errorf("a symlink inside the root: %q %v", b, err)
		}
		if st, err := r.Stat("fifo.json"); err != nil || st.Mode().IsRegular() {
			t.Errorf("stat fifo: %v %v", st, err)
		}
		if _, err := r.Stat("link.json"); !errors.Is(err, ErrOutside) {
			t.Errorf("stat outside: %v", err)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang guard only
		t.Fatal("reading a FIFO blocked")
	}
}
