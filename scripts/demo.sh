#!/usr/bin/env bash
# demo.sh start|stop|status|seed: the DTE Trust demo on this machine, without Docker: a real Grafana
# (built from source by scripts/grafana-build.sh, cached) with the plugin from dist/, a real MLflow
# server with a seeded registry, the committed Evidently and Fairlearn demo evidence, and everything
# provisioned: the datasource, the dashboards (folder "DTE Trust") and the alert rules.
#
#   make demo        build the plugin, then `scripts/demo.sh start`
#   make demo-stop   `scripts/demo.sh stop`
#   scripts/demo.sh seed   print the directory of the seeded MLflow store (seeding it once); the e2e
#                          tests use the same store
#
# The demo evidence tells one story about two models, under the same names in every source:
#   credit-risk-classifier  MLflow: versions 1-3, alias champion -> v2, challenger -> v3;
#                           Fairlearn (testdata/fairlearn/demo): biased, demographic parity
#                           difference ~0.4; Evidently (testdata/evidently/current/workspace): drift
#                           growing from the 6th daily report on
#   churn-predictor         MLflow: versions 1-2, champion -> v1; Fairlearn: fair (~0.02)
# The MLflow store is python/seed/seed_mlflow.py --no-bench (1,250 runs of mid 2026), seeded once
# (about a minute) into ${DTE_CACHE:-~/.cache/dte-trust}/seed/demo-<hash>/ and copied on every start.
#
# The web UI: Go module zips carry Grafana's source but no built frontend, so `start` also builds it
# (scripts/grafana-frontend.sh: Node and packages from the npm registry only; cold 7-10 min, then cached)
# and runs Grafana with that homepath. If that build fails, the demo still starts, API only (blank
# pages), with a loud note saying so.
#
# Environment (optional):
#   DEMO_GRAFANA_PORT   Grafana's port on 127.0.0.1 (default 3000)
#   DEMO_FRONTEND=0     skip the frontend build: API-only Grafana (blank web pages), as before
#   DEMO_DIR            run directory (default ${DTE_CACHE:-~/.cache/dte-trust}/run/demo)
#   PLUGIN_DIST         built plugin (default <repo>/dist)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DTE_CACHE=${DTE_CACHE:-$HOME/.cache/dte-trust}
export DTE_CACHE
demo=${DEMO_DIR:-$DTE_CACHE/run/demo}
port=${DEMO_GRAFANA_PORT:-3000}

log() { printf '[demo] %s\n' "$*" >&2; }
die() {
  printf '[demo] ERROR: %s\n' "$*" >&2
  exit 1
}

# seed: the cached demo MLflow store (mlflow.db + expected.json), keyed by the seed script and pins.
seed() {
  local venv hash dir tmp start
  venv=$(scripts/venv.sh mlflow)
  hash=$(cat python/seed/seed_mlflow.py python/requirements/mlflow.txt | sha256sum | cut -c1-12)
  dir=$DTE_CACHE/seed/demo-$hash
  mkdir -p "$DTE_CACHE/seed"
  exec 8>"$DTE_CACHE/seed/.demo.lock"
  flock 8
  if [[ ! -f "$dir/.complete" ]]; then
    log "seeding the demo MLflow store into $dir (python/seed/seed_mlflow.py --no-bench, about a minute, once)"
    start=$(date +%s)
    tmp=$(mktemp -d "$DTE_CACHE/seed/.demo-$hash.XXXXXX")
    "$venv/bin/python" -W ignore python/seed/seed_mlflow.py --no-bench \
      --db "$tmp/mlflow.db" --expected "$tmp/expected.json" >&2
    touch "$tmp/.complete"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    log "seeded in $(($(date +%s) - start)) s"
  fi
  exec 8>&-
  echo "$dir"
}

grafana_env() {
  export GRAFANA_PORT=$port GRAFANA_RUN_DIR=$demo/grafana
}

stop() {
  grafana_env
  scripts/grafana-run.sh stop || true
  MLFLOW_RUN_DIR=$demo/mlflow scripts/mlflow-server.sh stop || true
  log "stopped"
}

status() {
  local rc=0
  grafana_env
  scripts/grafana-run.sh status || rc=$?
  MLFLOW_RUN_DIR=$demo/mlflow scripts/mlflow-server.sh status || rc=$?
  return "$rc"
}

start() {
  local store mlflow_url url t0 home
  t0=$(date +%s)
  [[ -f "${PLUGIN_DIST:-dist}/plugin.json" && -f "${PLUGIN_DIST:-dist}/gpx_dte_trust_linux_amd64" ]] ||
    die "the plugin is not built: run \`make demo\` (it builds dist/ first)"

  # Grafana: a cold build takes 10-30 minutes, then it is cached. Say so loudly if it cannot be built.
  if ! scripts/grafana-build.sh >/dev/null; then
    die "the real Grafana server could not be built (scripts/grafana-build.sh failed; log under $DTE_CACHE/grafana/). No demo without it; with Docker, use \`docker compose up\` instead."
  fi

  # The web UI (cached after the first build). Its failure is no reason to withhold the API demo.
  home="" no_ui=""
  if [[ "${DEMO_FRONTEND:-1}" == "0" ]]; then
    no_ui="DEMO_FRONTEND=0 skipped the frontend build"
  else
    log "Grafana web UI: scripts/grafana-frontend.sh (cold: 7-10 min, then cached)"
    if home=$(scripts/grafana-frontend.sh | tail -n 1) && [[ -f "$home/public/views/index.html" ]]; then
      export GRAFANA_HOMEPATH=$home
    else
      no_ui="scripts/grafana-frontend.sh failed (its error is above; logs $DTE_CACHE/grafana-frontend/<pin>/{install,build}.log)"
    fi
  fi

  store=$(seed)
  mkdir -p "$demo"
  mlflow_url=$(MLFLOW_RUN_DIR=$demo/mlflow MLFLOW_DB_SOURCE=$store/mlflow.db scripts/mlflow-server.sh start)

  export DTE_MLFLOW_URL=$mlflow_url
  export DTE_EVIDENTLY_WORKSPACE=$root/testdata/evidently/current/workspace
  export DTE_FAIRLEARN_PATH=$root/testdata/fairlearn/demo
  export DTE_DASHBOARDS_DIR=$root/dashboards
  for d in "$DTE_EVIDENTLY_WORKSPACE" "$DTE_FAIRLEARN_PATH" "$DTE_DASHBOARDS_DIR"; do
    [[ -d "$d" ]] || log "warning: $d does not exist: that part of the demo will be empty"
  done
  grafana_env
  if ! scripts/grafana-run.sh start; then
    MLFLOW_RUN_DIR=$demo/mlflow scripts/mlflow-server.sh stop || true
    die "Grafana did not start (log: $demo/grafana/grafana.log)"
  fi
  url=http://127.0.0.1:$port
  if [[ -n "$no_ui" ]]; then
    cat >&2 <<EOF

##################################################################################################
## NOTE: this Grafana runs WITHOUT its web frontend: $no_ui.
## Its HTTP API, plugin, provisioning and alerting run, but the web pages at $url are blank.
## To click through the dashboards fix that and run \`make demo\` again, or use Docker (docker
## compose up, see docker-compose.yaml). The API works; for example:
##   curl -su admin:admin $url/api/datasources/uid/dte-trust/health
##   curl -su admin:admin $url/api/prometheus/grafana/api/v1/rules
##   curl -su admin:admin -H 'Content-Type: application/json' $url/api/ds/query \\
##     -d '{"from":"now-1y","to":"now","queries":[{"refId":"A","datasource":{"uid":"dte-trust"},
##          "queryType":"fairness","format":"latest","metrics":["demographic_parity_difference"]}]}'
##################################################################################################
EOF
  fi
  cat >&2 <<EOF

DTE Trust demo is up ($(($(date +%s) - t0)) s). Log in with admin / admin.
  Grafana      $url
  Overview     $url/d/dte-trust-overview
  Fairness     $url/d/dte-trust-fairness
  Drift        $url/d/dte-trust-drift
  Accuracy     $url/d/dte-trust-accuracy
  Compliance   $url/d/dte-trust-compliance
  Alert rules  $url/alerting/list   (folder "DTE Trust")
  MLflow       $mlflow_url
Evidence: MLflow store $store (mid 2026), Evidently workspace $DTE_EVIDENTLY_WORKSPACE,
Fairlearn results $DTE_FAIRLEARN_PATH. The dashboards open on the last year.
Logs: $demo/grafana/grafana.log, $demo/mlflow/server.log.   Stop: make demo-stop
EOF
  if [[ -z "$no_ui" ]]; then
    log "web UI: built from source by scripts/grafana-frontend.sh, homepath $home"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  seed) seed ;;
  *)
    echo "usage: $0 start|stop|status|seed" >&2
    exit 2
    ;;
esac
