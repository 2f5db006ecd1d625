//go:build unix

package gx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dte-trust/dte-trust/pkg/trust"
)

// gxPaths are confined: a symlink to a result outside the configured directory (or to a device)
// is refused with a notice that does not name the target; a symlink inside is followed.
func TestGXPathsConfined(t *testing.T) {
	outside := t.TempDir()
	copyFile(t, filepath.Join(testdataDir, "gx1", filepath.FromSlash(goodRel)), filepath.Join(outside, "secret.json"))
	dir := t.TempDir()
	copyFile(t, filepath.Join(testdataDir, "gx1", filepath.FromSlash(goodRel)), filepath.Join(dir, "good.json"))
	for name, target := range map[string]string{"link.json": filepath.Join(outside, "secret.json"), "zero.json": "/dev/zero", "alias.json": "good.json"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	p := newProvider(t, map[string]any{"gxPaths": []string{dir}}, nil)
	ev := collect(t, p, trust.Query{})
	n := noticeText(ev)
	for _, name := range []string{"link.json", "zero.json"} {
		if !strings.Contains(n, name+": unreadable: symlink points outside the configured path") {
			t.Errorf("%s not refused:\n%s", name, n)
		}
	}
	if strings.Contains(n, outside) || strings.Contains(n, "secret") {
		t.Errorf("notice names the target:\n%s", n)
	}
	files := map[string]bool{}
	for _, pt := range ev.Points {
		files[filepath.Base(pt.Labels[LabelFile])] = true
	}
	if !files["good.json"] || !files["alias.json"] || len(files) != 2 {
		t.Errorf("files served: %v, want good.json and alias.json", files)
	}
}

// An unreadable directory below gxPaths is named in the notice and the health message.
func TestUnreadableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	dir := t.TempDir()
	copyFile(t, filepath.Join(testdataDir, "gx1", filepath.FromSlash(goodRel)), filepath.Join(dir, "good.json"))
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	p := newProvider(t, map[string]any{"gxPaths": []string{dir}}, nil)
	if n := noticeText(collect(t, p, trust.Query{})); !strings.Contains(n, "locked: unreadable: permission denied") {
		t.Errorf("notice:\n%s", n)
	}
}
