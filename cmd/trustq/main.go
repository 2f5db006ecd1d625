// Command trustq runs DTE Trust queries from the shell exactly as Grafana runs them, so evidence can
// be debugged before dashboards are wired and trust rules can gate CI pipelines.
//
//	trustq query --settings FILE --query FILE [--from T] [--to T] [--output table|json]
//	trustq check --settings FILE [--model NAME[@alias|:version]] [--output text|json]
//	trustq serve --settings FILE [--addr HOST:PORT] [--token-file FILE]
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

const usage = `usage:
  trustq query --settings FILE --query FILE [--from T] [--to T] [--output table|json]
  trustq check --settings FILE [--model NAME[@ALIAS|:VERSION]] [--rules FILE] [--output text|json] [--strict]
  trustq serve --settings FILE [--addr HOST:PORT] [--token-file FILE]

FILE for --settings holds what a provisioned datasource holds: {"jsonData": {...}, "secureJsonData": {...}}.
FILE for --query holds one query model, the JSON a panel sends ({"queryType": "accuracy", ...}); "-" reads stdin.
T is RFC 3339 (2026-01-02T15:04:05Z), a Unix time in ms, "now", or relative like now-7d, now-6h, now-30m.

trustq serve answers on --addr (default 127.0.0.1:8089) until SIGINT or SIGTERM, read-only, in JSON:
  POST /api/v1/query          body {"query": {"queryType": "drift", ...}, "from": T, "to": T} (from and to
                              default to now-7d and now): {"columns": [{"name", "type"}], "rows": [[...]], "notices": [...]}
  GET  /api/v1/health         the data source health check: {"status": "OK"|"ERROR", "message": ...}
  GET  /api/v1/options/KIND   the query editors' options (?model=&version=&alias=&experiments=&project=&...)
Errors are {"error": "...", "status": N}. A non-loopback --addr needs a bearer token, read from --token-file FILE or
the environment variable DTE_TRUST_TOKEN, never from the command line; with a token, every request must send
"Authorization: Bearer TOKEN". Bodies are limited to 1 MiB, requests to the settings' timeoutSeconds.
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
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		if os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
			fmt.Print(usage)
			return
		}
		fmt.Fprintf(os.Stderr, "trustq: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	os.Exit(cmd(os.Args[2:], os.Stdout, os.Stderr))
}
