package main

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// flagLine matches a flag in the flags list printed by --help ("  --timeout duration").
var flagLine = regexp.MustCompile(`(?m)^  --([a-z-]+)\b`)

// helpFlags runs `trustq CMD --help` (or another spelling) and returns the flags it lists; help
// goes to stdout with exit code 0 and nothing on stderr.
func helpFlags(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("trustq %s: exit %d, want 0; stderr: %s", strings.Join(args, " "), code, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("trustq %s wrote to stderr: %s", strings.Join(args, " "), stderr.String())
	}
	var names []string
	for _, m := range flagLine.FindAllStringSubmatch(stdout.String(), -1) {
		names = append(names, m[1])
	}
	sort.Strings(names)
	return names
}

// TestHelpListsEveryFlag: trustq --help and trustq CMD --help exit 0, and each subcommand's help
// lists every flag it takes, all of which the top-level usage names too. The want lists are the
// flags each subcommand defines: a new flag must be added here, to its synopsis and to the usage.
func TestHelpListsEveryFlag(t *testing.T) {
	want := map[string][]string{
		"query": {"from", "output", "query", "settings", "to"},
		"check": {"model", "output", "pack", "rules", "settings", "strict", "timeout"},
		"serve": {"addr", "settings", "token-file"},
	}
	if len(want) != len(commands) {
		t.Fatalf("commands %d, tested %d: add the new command here", len(commands), len(want))
	}
	for _, top := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var stdout, stderr bytes.Buffer
		if code := run(top, &stdout, &stderr); code != 0 || stdout.String() != usage {
			t.Errorf("trustq %s: exit %d, stdout %q; want 0 and the usage", top[0], code, stdout.String())
		}
	}
	for cmd, flags := range want {
		for _, spelling := range [][]string{{cmd, "--help"}, {cmd, "-h"}, {"help", cmd}, {cmd, "--settings", "x.json", "--help"}} {
			got := helpFlags(t, spelling...)
			if strings.Join(got, " ") != strings.Join(flags, " ") {
				t.Errorf("trustq %s lists flags %v, want %v", strings.Join(spelling, " "), got, flags)
			}
		}
		for _, f := range flags {
			for name, text := range map[string]string{"usage": usage, "synopsis of " + cmd: synopses[cmd]} {
				if !strings.Contains(text, "--"+f) {
					t.Errorf("the %s does not name --%s of trustq %s", name, f, cmd)
				}
			}
		}
		if !strings.Contains(usage, synopses[cmd]) {
			t.Errorf("the usage does not hold the synopsis of trustq %s: %s", cmd, synopses[cmd])
		}
	}
}

// TestUsageErrorsExit2: no command, an unknown command or flag, and a stray argument exit 2 with
// the reason (and, for a flag, the usage) on stderr.
func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{}, {"nope"}, {"help", "nope"},
		{"query", "--nope"}, {"check", "--nope"}, {"serve", "--nope"},
		{"query", "--settings", "s.json", "--query", "q.json", "stray"},
		{"check", "--timeout", "soon"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("trustq %v: exit %d, want 2", args, code)
		}
		if stderr.Len() == 0 || stdout.Len() != 0 {
			t.Errorf("trustq %v: stdout %q, stderr %q; want the error on stderr only", args, stdout.String(), stderr.String())
		}
	}
}
