#!/usr/bin/env bash
# evidently-ui.sh start|stop|url|status: a real `evidently ui` service on a free loopback port over a
# copy of an Evidently workspace, for the integration tests and the demo.
#
# Everything lives in a run directory (EVIDENTLY_RUN_DIR, default
# ${DTE_CACHE:-$HOME/.cache/dte-trust}/run/evidently-ui): the served workspace copy workspace/,
# server.log, and the pid and url files. The service runs from the venv of
# python/requirements/evidently-current.txt (scripts/venv.sh evidently-current), bound to
# 127.0.0.1 only, telemetry off.
#
# Environment:
#   EVIDENTLY_RUN_DIR         run directory (one per service instance)
#   EVIDENTLY_WORKSPACE       workspace to serve, copied fresh on start
#                             (default testdata/evidently/current/workspace)
#   EVIDENTLY_SECRET          optional secret (--secret) the service demands for writes
#   EVIDENTLY_START_TIMEOUT   seconds to wait for /api/version (default 120)
#
# start prints the URL; url prints it if the service is up; stop ends the service's process group.
set -euo pipefail
cmd=${1:?usage: evidently-ui.sh start|stop|url|status}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
dir=${EVIDENTLY_RUN_DIR:-$cache/run/evidently-ui}
pidfile=$dir/pid
urlfile=$dir/url

log() { echo "evidently-ui.sh: $*" >&2; }

# shellcheck source=lib/service.sh
. "$root/scripts/lib/service.sh"
alive() { svc_alive; }

healthy() {
  "$py" - "$1" <<'EOF' 2>/dev/null
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/api/version", timeout=2) as r:
        sys.exit(0 if r.status == 200 and json.load(r).get("version") else 1)
except Exception:
    sys.exit(1)
EOF
}

stop() { svc_stop; }

case "$cmd" in
  url)
    if alive && [ -f "$urlfile" ]; then cat "$urlfile"; exit 0; fi
    log "no service running in $dir"; exit 1 ;;
  status)
    if alive && [ -f "$urlfile" ]; then echo "running $(cat "$urlfile") pid $(cat "$pidfile")"; exit 0; fi
    echo "stopped"; exit 1 ;;
  stop)
    stop; exit 0 ;;
  start) ;;
  *) log "unknown command $cmd: use start, stop, url or status"; exit 2 ;;
esac

venv=$("$root/scripts/venv.sh" evidently-current)
py=$venv/bin/python
mkdir -p "$dir"
stop
src=${EVIDENTLY_WORKSPACE:-$root/testdata/evidently/current/workspace}
[ -d "$src" ] || { log "workspace $src does not exist (run scripts/gen-fixtures-evidently.sh)"; exit 2; }
rm -rf "$dir/workspace"
cp -r "$src" "$dir/workspace"

args=(ui --workspace "$dir/workspace" --host 127.0.0.1)
[ -n "${EVIDENTLY_SECRET:-}" ] && args+=(--secret "$EVIDENTLY_SECRET")
export DO_NOT_TRACK=1 EVIDENTLY_DISABLE_TELEMETRY=1 PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore

svc_start "${EVIDENTLY_START_TIMEOUT:-120}" "workspace $dir/workspace" "$venv/bin/evidently" "${args[@]}"
