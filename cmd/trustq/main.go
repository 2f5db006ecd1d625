// Command trustq runs DTE Trust queries from the shell exactly as Grafana runs them, so evidence can
// be debugged before dashboards are wired and trust rules can gate CI pipelines.
//
//	trustq query --settings FILE --query FILE [--from T] [--to T] [--output table|json]
//	trustq check --settings FILE [--model NAME[@ALIAS|:VERSION]] [--pack NAME[,NAME]]... [--rules FILE] [--output text|json] [--strict] [--timeout DURATION]
//	trustq serve --settings FILE [--addr HOST:PORT] [--token-file FILE]
//
// `trustq --help` and `trustq CMD --help` print the usage to stdout and exit 0.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

const usage = `usage:
  trustq query --settings FILE --query FILE [--from T] [--to T] [--output table|json]
  trustq check --settings FILE [--model NAME[@ALIAS|:VERSION]] [--pack NAME[,NAME]]... [--rules FILE] [--output text|json] [--strict] [--timeout DURATION]
  trustq serve --settings FILE [--addr HOST:PORT] [--token-file FILE]
  trustq help [CMD]        this text, or CMD's flags with their defaults (as trustq CMD --help)

FILE for --settings holds what a provisioned datasource holds: {"jsonData": {...}, "secureJsonData": {...}}.
FILE for --query holds one query model, the JSON a panel sends ({"queryType": "accuracy", ...}); "-" reads stdin.
T is RFC 3339 (2026-01-02T15:04:05Z), a Unix time in ms, "now", or relative like now-7d, now-6h, now-30m;
--from defaults to now-7d and --to to now.

trustq check evaluates the compliance rules and exits 1 when a rule of severity error fails (with --strict
also when one is unknown for want of evidence); --timeout (default 2m) bounds the whole check. --pack
evaluates the named rule packs (gdpr, eu-ai-act-high-risk, nist-ai-rmf) instead of the settings' policyPacks.

trustq serve answers on --addr (default 127.0.0.1:8089) until SIGINT or SIGTERM, read-only, in JSON:
  POST /api/v1/query          body {"query": {"queryType": "drift", ...}, "from": T, "to": T} (from and to
                              default to now-7d and now): {"columns": [{"name", "type"}], "rows": [[...]], "notices": [...]}
  GET  /api/v1/health         the data source health check: {"status": "OK"|"ERROR", "message": ...}
  GET  /api/v1/options/KIND   the query editors' options (?model=&version=&alias=&experiments=&project=&...)
Errors are {"error": "...", "status": N}. A non-loopback --addr needs a bearer token, read from --token-file FILE or
the environment variable DTE_TRUST_TOKEN, never from the command line; with a token, every request must send
"Authorization: Bearer TOKEN". Bodies are limited to 1 MiB, requests to the settings' timeoutSeconds.
trustq query and trustq serve are bounded by the settings' timeoutSeconds (default 30).
`

// commands maps subcommand names to their entry points; each returns the process exit code.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"query": runQuery,
	"check": runCheck,
	"serve": runServe,
}

func main() {
	// The SDK's debug lines (its HTTP clients note that a CLI build carries no plugin build info)
	// are for Grafana's plugin log, not for a terminal.
	log.DefaultLogger = log.NewWithLevel(log.Info)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit code: 0 for help, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "help":
		if len(args) == 1 {
			fmt.Fprint(stdout, usage)
			return 0
		}
		if cmd, ok := commands[args[1]]; ok {
			return cmd([]string{"--help"}, stdout, stderr)
		}
		fmt.Fprintf(stderr, "trustq: unknown command %q\n%s", args[1], usage)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "trustq: unknown command %q\n%s", args[0], usage)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}
