#!/usr/bin/env bash
# test-e2e.sh: DTE Trust inside a real Grafana server, end to end (make test-e2e, part of make test).
#
# Runs after `make build-frontend build-backend-linux` (dist/ holds the plugin) and builds nothing
# else itself:
#   1. scripts/grafana-build.sh    a real Grafana built from the Go module proxy (cached after the
#                                  first, 10-30 min, build). If it cannot be built, this script says
#                                  so loudly and FAILS: the e2e tests never pass without a Grafana.
#   2. scripts/demo.sh seed        the demo MLflow store (cached), served by a real MLflow
#                                  (scripts/mlflow-server.sh) on a free port
#   3. the committed demo evidence: DTE_EVIDENTLY_WORKSPACE=testdata/evidently/current/workspace,
#                                  DTE_FAIRLEARN_PATH=testdata/fairlearn/demo (override either)
#   4. scripts/grafana-run.sh      Grafana on a free loopback port with provisioning/ (datasource,
#                                  alert rules) and dashboards/
#   5. go test -tags e2e ./tests/e2e/...   (extra arguments go to it, e.g. -run TestAlertRules -v)
#      go test ./tests/compose/...         (docker-compose.yaml)
# Everything started here is stopped on exit, whatever happens; on failure the logs are kept in
# ${DTE_CACHE:-~/.cache/dte-trust}/logs/e2e-last/ and their tails printed. Prints the time each step took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DTE_CACHE=${DTE_CACHE:-$HOME/.cache/dte-trust}
export DTE_CACHE
t_all=$(date +%s)
timings=()
step() { timings+=("$(printf '%-38s %5ss' "$1" "$(($(date +%s) - $2))")"); }
log() { printf 'test-e2e.sh: %s\n' "$*" >&2; }

run=$DTE_CACHE/run/e2e-$$
mkdir -p "$run"
status=1
started_grafana=0
started_mlflow=0
# shellcheck disable=SC2317 # cleanup runs from the EXIT trap
cleanup() {
  if [[ $started_grafana == 1 ]]; then
    GRAFANA_RUN_DIR=$run/grafana scripts/grafana-run.sh stop 2>/dev/null || true
  fi
  if [[ $started_mlflow == 1 ]]; then
    MLFLOW_RUN_DIR=$run/mlflow scripts/mlflow-server.sh stop 2>/dev/null || true
  fi
  if [[ $status -ne 0 ]]; then
    local keep=$DTE_CACHE/logs/e2e-last
    rm -rf "$keep" && mkdir -p "$keep"
    cp "$run/grafana/grafana.log" "$keep/" 2>/dev/null || true
    cp "$run/mlflow/server.log" "$keep/mlflow-server.log" 2>/dev/null || true
    if [[ -f $keep/grafana.log ]]; then
      # Query errors the tests provoke or report themselves are left out: provisioning, plugin
      # loading and alerting problems remain.
      log "--- Grafana log: provisioning, plugin loading and alerting errors (full log: $keep/grafana.log)"
      grep -E 'level=(error|eror)' "$keep/grafana.log" |
        grep -vE 'public/build|logger=plugin\.dte-trust-datasource|logger=context' | tail -n 20 >&2 || true
    fi
    if [[ -f $keep/mlflow-server.log ]]; then
      log "--- last lines of the MLflow server log ($keep/mlflow-server.log)"
      tail -n 10 "$keep/mlflow-server.log" >&2
    fi
  fi
  rm -rf "$run"
  log "timings"
  for line in "${timings[@]}"; do echo "  $line" >&2; done
  echo "  $(printf '%-38s %5ss' total "$(($(date +%s) - t_all))")" >&2
  if [[ $status -eq 0 ]]; then log "PASS"; else log "FAIL"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 0. the plugin, built by the make targets this one depends on -----------------------------------
[[ -f dist/plugin.json && -f dist/gpx_dte_trust_linux_amd64 ]] ||
  { log "dist/ has no plugin: run \`make test-e2e\` (it builds the frontend and the linux backend first)"; exit 1; }

# --- 1. a real Grafana ------------------------------------------------------------------------------
t=$(date +%s)
if ! scripts/grafana-build.sh >/dev/null; then
  cat >&2 <<EOF

################################################################################################
##  test-e2e.sh: THE REAL GRAFANA SERVER COULD NOT BE BUILT (scripts/grafana-build.sh failed).  ##
##  The end-to-end tests did NOT run. This is a failure, not a skip.                           ##
##  Build log: $DTE_CACHE/grafana/<pin>/build.log
################################################################################################
EOF
  exit 1
fi
step "grafana-build.sh (cached after the first)" "$t"

# --- 2. MLflow with the demo store ------------------------------------------------------------------
t=$(date +%s)
store=$(scripts/demo.sh seed)
step "demo MLflow store (cached)" "$t"
t=$(date +%s)
started_mlflow=1
mlflow_url=$(MLFLOW_RUN_DIR=$run/mlflow MLFLOW_DB_SOURCE=$store/mlflow.db scripts/mlflow-server.sh start)
step "start MLflow" "$t"

# --- 3. evidence ------------------------------------------------------------------------------------
export DTE_MLFLOW_URL=$mlflow_url
export DTE_EVIDENTLY_WORKSPACE=${DTE_EVIDENTLY_WORKSPACE:-$root/testdata/evidently/current/workspace}
export DTE_FAIRLEARN_PATH=${DTE_FAIRLEARN_PATH:-$root/testdata/fairlearn/demo}
export DTE_DASHBOARDS_DIR=$root/dashboards
for d in "$DTE_EVIDENTLY_WORKSPACE" "$DTE_FAIRLEARN_PATH"; do
  [[ -e $d ]] || log "WARNING: demo evidence $d is missing: the tests that need it will fail"
done

# --- 4. Grafana on a free port ----------------------------------------------------------------------
t=$(date +%s)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export GRAFANA_PORT=$port GRAFANA_RUN_DIR=$run/grafana
started_grafana=1
scripts/grafana-run.sh start
step "start Grafana" "$t"

# --- 5. the tests -----------------------------------------------------------------------------------
export DTE_E2E_GRAFANA_URL=http://127.0.0.1:$port
export DTE_E2E_GRAFANA_LOG=$run/grafana/grafana.log
export DTE_E2E_MLFLOW_URL=$mlflow_url
log "Grafana $DTE_E2E_GRAFANA_URL, MLflow $mlflow_url, Evidently $DTE_EVIDENTLY_WORKSPACE, Fairlearn $DTE_FAIRLEARN_PATH"
t=$(date +%s)
rc=0
go test -count=1 -timeout 15m -tags e2e ./tests/e2e/... "$@" || rc=$?
step "go test -tags e2e ./tests/e2e" "$t"
t=$(date +%s)
go test -count=1 ./tests/compose/... || rc=$?
step "go test ./tests/compose" "$t"
status=$rc
exit "$rc"
