#!/usr/bin/env bash
# mlflow-server.sh start|stop|url|status: a real `mlflow server` on a free loopback port, for the
# integration tests and benchmarks.
#
# Everything lives in a run directory (MLFLOW_RUN_DIR, default
# ${DTE_CACHE:-$HOME/.cache/dte-trust}/run/mlflow): the SQLite backend store mlflow.db, the
# artifact root artifacts/, server.log, and the pid and url files. The server runs from the venv
# of python/requirements/mlflow.txt (scripts/venv.sh mlflow) with one worker, telemetry off and
# background job execution off, bound to 127.0.0.1 only.
#
# Environment:
#   MLFLOW_RUN_DIR        run directory (one per server instance)
#   MLFLOW_DB_SOURCE      a SQLite store to serve: copied fresh to $MLFLOW_RUN_DIR/mlflow.db on start
#                         (without it the server keeps or creates $MLFLOW_RUN_DIR/mlflow.db)
#   MLFLOW_APP_NAME       basic-auth: start with --app-name basic-auth; the admin user comes from
#                         MLFLOW_ADMIN_USER (default admin) and MLFLOW_ADMIN_PASSWORD (default
#                         dte-trust-admin-pw), written to $MLFLOW_RUN_DIR/basic_auth.ini, which
#                         MLFLOW_AUTH_CONFIG_PATH points to; its user store is basic_auth.db there;
#                         the Flask secret key the auth app requires is MLFLOW_FLASK_SERVER_SECRET_KEY
#                         or a random one kept in $MLFLOW_RUN_DIR/secret_key
#   MLFLOW_START_TIMEOUT  seconds to wait for /health (default 180)
#
# start prints the URL; url prints it if the server is up; stop ends the server's process group.
set -euo pipefail
cmd=${1:?usage: mlflow-server.sh start|stop|url|status}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
dir=${MLFLOW_RUN_DIR:-$cache/run/mlflow}
pidfile=$dir/pid
urlfile=$dir/url

log() { echo "mlflow-server.sh: $*" >&2; }

# shellcheck source=lib/service.sh
. "$root/scripts/lib/service.sh"
alive() { svc_alive; }

# healthy URL: GET URL/health answers OK (python, so no curl is needed).
healthy() {
  "$py" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/health", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

stop() { svc_stop; }

case "$cmd" in
  url)
    if alive && [ -f "$urlfile" ]; then cat "$urlfile"; exit 0; fi
    log "no server running in $dir"; exit 1 ;;
  status)
    if alive && [ -f "$urlfile" ]; then echo "running $(cat "$urlfile") pid $(cat "$pidfile")"; exit 0; fi
    echo "stopped"; exit 1 ;;
  stop)
    stop; exit 0 ;;
  start) ;;
  *) log "unknown command $cmd: use start, stop, url or status"; exit 2 ;;
esac

venv=$("$root/scripts/venv.sh" mlflow)
py=$venv/bin/python
mkdir -p "$dir"
if alive && [ -f "$urlfile" ] && healthy "$(cat "$urlfile")"; then
  cat "$urlfile"
  exit 0
fi
stop

if [ -n "${MLFLOW_DB_SOURCE:-}" ]; then
  [ -f "$MLFLOW_DB_SOURCE" ] || { log "MLFLOW_DB_SOURCE $MLFLOW_DB_SOURCE does not exist"; exit 2; }
  cp "$MLFLOW_DB_SOURCE" "$dir/mlflow.db.tmp"
  mv "$dir/mlflow.db.tmp" "$dir/mlflow.db"
fi
mkdir -p "$dir/artifacts"

args=(server
  --backend-store-uri "sqlite:///$dir/mlflow.db"
  --artifacts-destination "$dir/artifacts"
  --host 127.0.0.1
  --workers 1)
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_SERVER_JOB_ENABLE_PERIODIC_TASKS=false
export MLFLOW_ENABLE_ASYNC_LOGGING=false PYTHONUNBUFFERED=1
case "${MLFLOW_APP_NAME:-}" in
  "") ;;
  basic-auth)
    cat >"$dir/basic_auth.ini" <<EOF
[mlflow]
default_permission = READ
database_uri = sqlite:///$dir/basic_auth.db
admin_username = ${MLFLOW_ADMIN_USER:-admin}
admin_password = ${MLFLOW_ADMIN_PASSWORD:-dte-trust-admin-pw}
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
EOF
    export MLFLOW_AUTH_CONFIG_PATH=$dir/basic_auth.ini
    # The auth app's CSRF protection refuses to start without a static Flask secret key.
    if [ -z "${MLFLOW_FLASK_SERVER_SECRET_KEY:-}" ]; then
      [ -s "$dir/secret_key" ] || "$py" -c 'import secrets; print(secrets.token_hex(32))' >"$dir/secret_key"
      MLFLOW_FLASK_SERVER_SECRET_KEY=$(cat "$dir/secret_key")
    fi
    export MLFLOW_FLASK_SERVER_SECRET_KEY
    args+=(--app-name basic-auth) ;;
  *) log "MLFLOW_APP_NAME=$MLFLOW_APP_NAME is not supported (use basic-auth or leave it unset)"; exit 2 ;;
esac

svc_start "${MLFLOW_START_TIMEOUT:-180}" "${MLFLOW_APP_NAME:-plain}" "$venv/bin/mlflow" "${args[@]}"
