#!/usr/bin/env bash
# grafana-run.sh start|stop|restart|status : run the Grafana built by scripts/grafana-build.sh on loopback,
# offline, with this repo's plugin and file provisioning, for the end-to-end tests and the demo.
#
# Environment (all optional):
#   GRAFANA_PORT           HTTP port on 127.0.0.1                          (default 3000)
#   GRAFANA_HOMEPATH       Grafana homepath (conf/, public/): e.g. the one printed by
#                          scripts/grafana-frontend.sh, which has the web UI (public/build)
#                                                  (default: grafana-build.sh's source copy, API only)
#   DTE_CACHE              cache root shared with grafana-build.sh          (default $HOME/.cache/dte-trust)
#   GRAFANA_RUN_DIR        run dir: custom.ini, data/, plugins/, provisioning/, grafana.log, grafana.pid
#                                                                           (default $DTE_CACHE/run/grafana)
#   PLUGIN_DIST            built plugin dir; needs plugin.json + gpx_dte_trust_linux_amd64 (default <repo>/dist)
#   GRAFANA_PROVISIONING   provisioning source: datasources/*.y*ml and alerting/*.y*ml are used
#                                                                           (default <repo>/provisioning)
#   GRAFANA_DASHBOARDS     dashboards JSON folder, provisioned into folder "DTE Trust" (default <repo>/dashboards)
#   GRAFANA_KEEP_DATA=1    keep data/ (the SQLite DB) across starts; by default every start is fresh
#   GRAFANA_START_TIMEOUT  seconds to wait for /api/health                   (default 180)
#   GRAFANA_LOG_LEVEL      Grafana log level                               (default info)
# Variables read by the provisioning YAML: Grafana expands $VAR / ${VAR} in provisioning files from its own
# environment, which this script passes through unchanged. The datasource file may use e.g.
#   MLFLOW_URL                 MLflow tracking server base URL (a test server on a free port)
#   DTE_EVIDENTLY_WORKSPACE    Evidently workspace directory or URL
# (export them before `start`; an unset variable expands to an empty string).
# Login: admin / admin.  URL: http://127.0.0.1:$GRAFANA_PORT
set -euo pipefail

PLUGIN_ID=dte-trust-datasource
PLUGIN_EXE=gpx_dte_trust_linux_amd64
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT="${GRAFANA_PORT:-3000}"
DTE_CACHE="${DTE_CACHE:-$HOME/.cache/dte-trust}"
export DTE_CACHE   # grafana-build.sh must look in the same cache
RUN="${GRAFANA_RUN_DIR:-$DTE_CACHE/run/grafana}"
PLUGIN_DIST="${PLUGIN_DIST:-$REPO/dist}"
PROV_SRC="${GRAFANA_PROVISIONING:-$REPO/provisioning}"
DASH_SRC="${GRAFANA_DASHBOARDS:-$REPO/dashboards}"
TIMEOUT="${GRAFANA_START_TIMEOUT:-180}"
PIDFILE="$RUN/grafana.pid"
LOGFILE="$RUN/grafana.log"
URL="http://127.0.0.1:$PORT"

log() { printf '[grafana-run] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

running_pid() {
  local pid
  [[ -f "$PIDFILE" ]] || return 1
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

healthy() { curl -fsS -m 2 "$URL/api/health" >/dev/null 2>&1; }

stop() {
  local pid
  if ! pid=$(running_pid); then
    log "not running"
    rm -f "$PIDFILE"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  # Grafana shuts its services and plugin processes down on SIGTERM; give it time, then force.
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive after 30 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    log "running: pid $pid, $URL, run dir $RUN"
    curl -fsS -m 2 "$URL/api/health" || true
    echo
    return 0
  fi
  log "not running"
  return 3
}

# Copy the provisioning YAML of one kind (datasources, alerting) from the source dir into the run dir.
copy_prov() {
  local kind=$1 f n=0
  if [[ -d "$PROV_SRC/$kind" ]]; then
    for f in "$PROV_SRC/$kind"/*.yaml "$PROV_SRC/$kind"/*.yml; do
      [[ -f "$f" ]] || continue
      cp "$f" "$RUN/provisioning/$kind/"
      n=$((n + 1))
    done
  fi
  log "provisioning $kind: $n file(s) from $PROV_SRC/$kind"
}

write_config() {
  # Offline hardening: no update checks, reporting, news, gravatar, plugin preinstall/admin or
  # public-key fetch; unsigned loading allowed for our plugin only.
  cat > "$RUN/custom.ini" <<INI
app_mode = production

[paths]
data = $RUN/data
logs = $RUN/logs
plugins = $RUN/plugins
provisioning = $RUN/provisioning

[server]
protocol = http
http_addr = 127.0.0.1
http_port = $PORT
root_url = $URL/

[security]
admin_user = admin
admin_password = admin
disable_gravatar = true

[users]
allow_sign_up = false

[analytics]
reporting_enabled = false
check_for_updates = false
check_for_plugin_updates = false
feedback_links_enabled = false

[news]
news_feed_enabled = false

[snapshots]
external_enabled = false

[plugins]
allow_loading_unsigned_plugins = $PLUGIN_ID
plugin_admin_enabled = false
preinstall_disabled = true
preinstall_auto_update = false
public_key_retrieval_disabled = true

[unified_alerting]
enabled = true
min_interval = 10s

[log]
mode = console
level = ${GRAFANA_LOG_LEVEL:-info}
INI
}

start() {
  local pid bin home paths i
  if pid=$(running_pid); then
    log "already running (pid $pid): restarting"
    stop
  fi
  if healthy; then
    die "something else already answers on $URL (set GRAFANA_PORT)"
  fi

  # The binary: built (or reused from the cache, near-instant) by grafana-build.sh.
  paths=$("$REPO/scripts/grafana-build.sh" --print-paths)
  home=${GRAFANA_HOMEPATH:-$(sed -n 's/^GRAFANA_HOME=//p' <<<"$paths")}
  bin=$(sed -n 's/^GRAFANA_BIN=//p' <<<"$paths")
  if [[ ! -x "$bin" || ! -f "$(sed -n 's/^GRAFANA_STAMP=//p' <<<"$paths")" ]]; then
    log "no Grafana build in the cache yet: running scripts/grafana-build.sh (a cold build takes a while)"
    "$REPO/scripts/grafana-build.sh" >/dev/null
  fi

  [[ -f "$home/conf/defaults.ini" ]] || die "homepath $home has no conf/defaults.ini (GRAFANA_HOMEPATH?)"
  if [[ -f "$home/public/views/index.html" ]]; then
    log "homepath: $home (with web UI)"
  else
    log "homepath: $home (no public/views/index.html: API only, the web pages are blank)"
  fi

  # The plugin.
  [[ -f "$PLUGIN_DIST/plugin.json" ]] || die "$PLUGIN_DIST/plugin.json missing (build the plugin, or set PLUGIN_DIST)"
  [[ -f "$PLUGIN_DIST/$PLUGIN_EXE" ]] || die "$PLUGIN_DIST/$PLUGIN_EXE missing (build the backend, or set PLUGIN_DIST)"

  mkdir -p "$RUN"
  if [[ "${GRAFANA_KEEP_DATA:-0}" != "1" ]]; then
    rm -rf "${RUN:?}/data"
  fi
  rm -rf "${RUN:?}/plugins" "${RUN:?}/provisioning" "${RUN:?}/logs"
  mkdir -p "$RUN"/{data,logs,plugins/$PLUGIN_ID} \
    "$RUN"/provisioning/{datasources,dashboards,alerting,plugins,notifiers,access-control}

  cp -r "$PLUGIN_DIST"/. "$RUN/plugins/$PLUGIN_ID/"
  # A stale MANIFEST.txt makes the signature "modified", and a modified plugin is never loaded.
  rm -f "$RUN/plugins/$PLUGIN_ID/MANIFEST.txt"
  chmod +x "$RUN/plugins/$PLUGIN_ID"/gpx_*
  log "plugin: $PLUGIN_DIST -> $RUN/plugins/$PLUGIN_ID"

  copy_prov datasources
  copy_prov alerting
  # The dashboards provider points at the live folder, so edited JSON is picked up without a restart.
  if [[ -d "$DASH_SRC" ]]; then
    DASH_SRC=$(cd "$DASH_SRC" && pwd)
    cat > "$RUN/provisioning/dashboards/dte-trust.yaml" <<YAML
apiVersion: 1
providers:
  - name: dte-trust
    orgId: 1
    folder: DTE Trust
    type: file
    disableDeletion: true
    allowUiUpdates: false
    updateIntervalSeconds: 10
    options:
      path: $DASH_SRC
      foldersFromFilesStructure: false
YAML
    log "provisioning dashboards: $DASH_SRC (folder \"DTE Trust\")"
  else
    log "provisioning dashboards: none ($DASH_SRC does not exist)"
  fi

  write_config
  : > "$LOGFILE"
  log "starting $bin on $URL (log $LOGFILE)"
  # setsid + nohup: Grafana outlives the calling shell (a test harness step) and ignores its hangup.
  # In a non-interactive script the background child is no process-group leader, so setsid execs
  # without forking and $! is Grafana's pid; Grafana also rewrites the same pidfile itself later.
  setsid nohup "$bin" server --homepath "$home" --config "$RUN/custom.ini" \
    --pidfile "$PIDFILE" >>"$LOGFILE" 2>&1 </dev/null &
  echo "$!" > "$PIDFILE"

  for ((i = 0; i < TIMEOUT * 2; i++)); do
    if healthy; then
      break
    fi
    if ! running_pid >/dev/null; then
      log "Grafana exited during startup; last log lines:"
      tail -n 60 "$LOGFILE" >&2
      exit 1
    fi
    sleep 0.5
  done
  if ! healthy; then
    log "no /api/health after ${TIMEOUT}s; last log lines:"
    tail -n 60 "$LOGFILE" >&2
    stop || true
    exit 1
  fi

  # Fail loudly if the plugin was not registered (e.g. rejected signature): the tests would be
  # meaningless otherwise. Plugins are registered before the HTTP server listens.
  if ! grep -E "msg=\"Plugin registered\".*pluginI[dD]=$PLUGIN_ID" "$LOGFILE" >&2; then
    grep -E "$PLUGIN_ID" "$LOGFILE" >&2 || true
    stop || true
    die "plugin $PLUGIN_ID was not registered (see above)"
  fi
  log "up: $URL (pid $(running_pid || echo '?'), admin/admin)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
