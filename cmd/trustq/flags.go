package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// synopses are the one-line usages of the subcommands, shown by `trustq CMD --help` above the
// flags and, together, by `trustq --help`.
var synopses = map[string]string{
	"query": "trustq query --settings FILE --query FILE [--from T] [--to T] [--output table|json]",
	"check": "trustq check --settings FILE [--model NAME[@ALIAS|:VERSION]] [--pack NAME[,NAME]]... [--rules FILE] [--output text|json] [--strict] [--timeout DURATION]",
	"serve": "trustq serve --settings FILE [--addr HOST:PORT] [--token-file FILE]",
}

// newFlagSet is a flag set for subcommand name whose errors go to stderr and whose usage is
// printed by parseFlags, not by the flag package.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

// printUsage writes the subcommand's synopsis and every flag with its default, spelled --name
// as the README and the usage spell them (the flag package takes -name and --name alike).
func printUsage(fs *flag.FlagSet, w io.Writer) {
	var b strings.Builder
	out := fs.Output()
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprintf(w, "usage: %s\n\nflags:\n%s", synopses[fs.Name()],
		strings.ReplaceAll("\n"+b.String(), "\n  -", "\n  --")[1:])
}

// parseFlags parses args into fs. With -h or --help it prints the usage to stdout and says to stop
// with exit code 0; on a bad flag the flag package has named it on stderr, the usage follows there
// and the exit code is 2. stop is false when the command should go on.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, stop bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		printUsage(fs, stdout)
		return 0, true
	default:
		printUsage(fs, stderr)
		return 2, true
	}
}
