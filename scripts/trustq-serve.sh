#!/usr/bin/env bash
# trustq-serve.sh start|stop|url|status: `bin/trustq serve` in the background on a free loopback port,
# for the Superset tests and the native demo.
#
# Everything lives in a run directory (TRUSTQ_RUN_DIR, default
# ${DTE_CACHE:-$HOME/.cache/dte-trust}/run/trustq): server.log, the pid and url files.
#
# Environment:
#   TRUSTQ_RUN_DIR     run directory (one per server instance)
#   TRUSTQ_SETTINGS    the settings file (jsonData, secureJsonData) to serve (required for start)
#   TRUSTQ_TOKEN_FILE  a file holding the bearer token every request must carry (optional)
#   TRUSTQ_BIN         the trustq executable (default bin/trustq of this checkout)
#
# start prints the URL; url prints it if the server is up; stop ends it (SIGTERM: graceful).
set -euo pipefail
cmd=${1:?usage: trustq-serve.sh start|stop|url|status}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
dir=${TRUSTQ_RUN_DIR:-$cache/run/trustq}
pidfile=$dir/pid
urlfile=$dir/url
py=python3

log() { echo "trustq-serve.sh: $*" >&2; }

# shellcheck source=lib/service.sh
. "$root/scripts/lib/service.sh"

# healthy URL: the server answers HTTP on /api/v1/health, whatever the status (401 without the token,
# 503 when a source is unreachable: the server is up; the health itself is the tests' business).
healthy() {
  "$py" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/api/v1/health", timeout=2)
except urllib.error.HTTPError:
    pass
except Exception:
    sys.exit(1)
EOF
}

case "$cmd" in
  url)
    if svc_alive && [ -f "$urlfile" ]; then cat "$urlfile"; exit 0; fi
    log "no trustq serve running in $dir"; exit 1 ;;
  status)
    if svc_alive && [ -f "$urlfile" ]; then echo "running $(cat "$urlfile") pid $(cat "$pidfile")"; exit 0; fi
    echo "stopped"; exit 1 ;;
  stop)
    svc_stop; exit 0 ;;
  start) ;;
  *) log "unknown command $cmd: use start, stop, url or status"; exit 2 ;;
esac

bin=${TRUSTQ_BIN:-$root/bin/trustq}
[ -x "$bin" ] || { log "no trustq executable at $bin: run \`make trustq\`"; exit 2; }
settings=${TRUSTQ_SETTINGS:?trustq-serve.sh start: set TRUSTQ_SETTINGS to a settings file}
[ -f "$settings" ] || { log "TRUSTQ_SETTINGS $settings does not exist"; exit 2; }
mkdir -p "$dir"
svc_stop
args=(serve --settings "$settings")
if [ -n "${TRUSTQ_TOKEN_FILE:-}" ]; then
  args+=(--token-file "$TRUSTQ_TOKEN_FILE")
fi
# svc_start appends `--port P`; trustq serve takes `--addr HOST:PORT`, so a shell turns the one into
# the other (exec: the server itself leads the process group svc_stop ends).
svc_start 30 "trustq serve" bash -c 'port=${!#}; set -- "${@:1:$#-2}"; exec "$@" --addr "127.0.0.1:$port"' \
  trustq-serve "$bin" "${args[@]}"
