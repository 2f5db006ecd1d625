//go:build unix

package policy

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// policyRulesFile is read through the file-access layer: a FIFO there made building the
// datasource wait for a writer forever; it is a problem notice now.
func TestRulesFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	f := newFixture()
	f.cfg.PolicyRulesFile = path
	done := make(chan struct{})
	var got string
	go func() {
		defer close(done)
		p, _, err := f.provider()
		if err != nil {
			t.Error(err)
			return
		}
		got = problemsText(p)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang guard only
		t.Fatal("reading a FIFO as policyRulesFile hung")
	}
	if !strings.Contains(got, "cannot read the rules file: not a regular file") {
		t.Errorf("problems: %s", got)
	}
}
