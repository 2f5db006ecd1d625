//go:build unix

package evidently

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

// Evidently paths read regular files only: a symlink to a FIFO inside the root made the walk's
// header read block forever; a device or a FIFO is a notice now, and the query and the health check
// return.
func TestEvidentlyPathsSkipFIFOsAndDevices(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ok.json"), snapshotModelJSON("2025-01-02T03:04:05", 0.25, nil, nil))
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink("pipe", filepath.Join(dir, "x.json")); err != nil {
		t.Fatal(err)
	}
	p := newTestProvider(t, Config{Paths: []string{dir}})
	done := make(chan struct{})
	var ev *trust.Evidence
	var err error
	go func() {
		defer close(done)
		if _, herr := p.CheckHealth(context.Background()); herr != nil {
			t.Errorf("health: %v", herr)
		}
		ev, err = p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: trust.QueryDrift, Format: trust.FormatTable})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang guard only
		t.Fatal("reading a FIFO under evidentlyPaths hung")
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := notices(ev); !strings.Contains(n, "pipe: skipped: not a regular file") {
		t.Errorf("the FIFO is not reported:\n%s", n)
	}
	if len(ev.Points) == 0 {
		t.Error("the regular file was not served")
	}

	// a configured path that is itself a FIFO
	p = newTestProvider(t, Config{Paths: []string{filepath.Join(dir, "pipe"), filepath.Join(dir, "ok.json")}})
	done = make(chan struct{})
	go func() {
		defer close(done)
		ev, err = p.Collect(context.Background(), trust.Drift, &trust.Query{QueryType: trust.QueryDrift, Format: trust.FormatTable})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang guard only
		t.Fatal("a FIFO configured as an Evidently path hung")
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := notices(ev); !strings.Contains(n, "pipe: skipped: not a regular file") || len(ev.Points) == 0 {
		t.Errorf("a FIFO configured as a path: %d points, notices:\n%s", len(ev.Points), n)
	}
}
