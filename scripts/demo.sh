#!/usr/bin/env bash
# demo.sh start|stop|status|seed|evidence DIR: the DTE Trust demo. The project never builds Grafana.
#
#   make demo        build the plugin and trustq, then `scripts/demo.sh start`
#   make demo-stop   `scripts/demo.sh stop`
#
# With a Docker engine (`docker info` answers), `start` runs the Docker stack of docker-compose.yaml:
# the official Grafana image (GRAFANA_VERSION, default in docker-compose.yaml) with the plugin from
# dist/, a seeded MLflow, the demo evidence, the datasource, dashboards and alert rules provisioned.
#
# Without one, it says so and starts the native demo this machine can run, all on loopback: a real
# MLflow server with the seeded registry, `trustq serve` over it and the demo evidence (with a bearer
# token), and Apache Superset 6.1.0 (scripts/superset.sh: PostgreSQL, Redis, Celery worker and beat)
# with python/dte-trust-superset installed, the bundle of superset/bundle/ imported (six dashboards)
# and the README's alert (drift share above 0.3, per model, every 5 minutes) sending its webhook to a
# loopback receiver that writes $DEMO_DIR/webhooks.jsonl. It prints the URLs, the login and trustq
# commands to try. (Grafana itself only runs from its official image or your own installation.)
#
#   scripts/demo.sh settings MLFLOW_URL EVIDENCE_DIR   print trustq settings for that MLflow and
#                          the evidence copies in EVIDENCE_DIR (scripts/test-superset.sh uses them)
#   scripts/demo.sh seed   print the directory of the seeded MLflow store (seeding it once); the
#                          protocol and integration tests use the same store
#
# The demo evidence tells one story about two models, under the same names in every source:
#   credit-risk-classifier  MLflow: versions 1-3, alias champion -> v2, challenger -> v3;
#                           Fairlearn (testdata/fairlearn/demo): biased, demographic parity
#                           difference ~0.4; Evidently (testdata/evidently/current/workspace): drift
#                           growing from the 6th daily report on; Great Expectations
#                           (testdata/gx/gx1, v2): the latest of three nightly validations fails
#   churn-predictor         MLflow: versions 1-2, champion -> v1; Fairlearn: fair (~0.02); Great
#                           Expectations (v1): every validation passes
# and SHAP summaries of both (testdata/shap/demo: credit-risk-classifier's top feature changes at v3)
# The MLflow store is python/seed/seed_mlflow.py --no-bench (1,250 runs of mid 2026), seeded once
# (about a minute) into ${DTE_CACHE:-~/.cache/dte-trust}/seed/demo-<hash>/. Every start serves
# copies whose times are moved to the present (python/seed/shift_demo.py: the newest run, Evidently
# snapshot, fairness result and SHAP summary of each set 1-2 days old, spacing kept) from
# $DEMO_DIR/evidence/, so relative ranges (now-7d, now-30d) and the freshness rules see recent
# evidence; the committed fixtures are never changed.
#
#   scripts/demo.sh evidence DIR   write those shifted copies into DIR (evidently/, fairlearn/, gx/,
#                                  shap/, mlflow.db); the protocol and Superset suites use it
#
# Environment (optional):
#   DEMO_DOCKER=0       use the native demo even where Docker runs
#   GRAFANA_VERSION     the Grafana image tag for the Docker demo (e.g. 12.2.5, 12.4.0, 13.2.3)
#   DEMO_DIR            run directory of the native demo (default ${DTE_CACHE:-~/.cache/dte-trust}/run/demo)
#   DEMO_SUPERSET=0     the native demo without Superset (MLflow and trustq serve only)
#   SUPERSET_PORT       Superset's port in the native demo (default 8088)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DTE_CACHE=${DTE_CACHE:-$HOME/.cache/dte-trust}
export DTE_CACHE
demo=${DEMO_DIR:-$DTE_CACHE/run/demo}

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

# evidence DIR: the demo evidence and the seeded MLflow store copied into DIR with their times moved
# to the present (python/seed/shift_demo.py): DIR/evidently, DIR/fairlearn, DIR/shap, DIR/mlflow.db.
evidence() {
  local out=$1 store venv
  [[ -n $out ]] || die "usage: $0 evidence DIR"
  store=$(seed)
  venv=$(scripts/venv.sh mlflow)
  "$venv/bin/python" python/seed/shift_demo.py --out "$out" --db "$store/mlflow.db" \
    --evidently testdata/evidently/current/workspace --fairlearn testdata/fairlearn/demo \
    --gx testdata/gx/gx1 --shap testdata/shap/demo >&2
}

have_docker() {
  [[ ${DEMO_DOCKER:-1} != 0 ]] && command -v docker >/dev/null && docker info >/dev/null 2>&1
}

stop() {
  if have_docker; then
    docker compose down || true
  fi
  SUPERSET_RUN_DIR=$demo/superset scripts/superset.sh stop || true
  stop_receiver
  TRUSTQ_RUN_DIR=$demo/trustq scripts/trustq-serve.sh stop || true
  MLFLOW_RUN_DIR=$demo/mlflow scripts/mlflow-server.sh stop || true
  log "stopped"
}

status() {
  if have_docker; then
    docker compose ps
  fi
  MLFLOW_RUN_DIR=$demo/mlflow scripts/mlflow-server.sh status || true
  TRUSTQ_RUN_DIR=$demo/trustq scripts/trustq-serve.sh status || true
  SUPERSET_RUN_DIR=$demo/superset scripts/superset.sh status || true
}

# stop_receiver ends the demo's webhook receiver.
stop_receiver() {
  if [[ -f $demo/receiver.pid ]]; then
    kill "$(cat "$demo/receiver.pid")" 2>/dev/null || true
    rm -f "$demo/receiver.pid"
  fi
}

# start_superset URL TOKENFILE: Superset with the bundle imported (its database at trustq serve URL,
# the token given at import) and the drift alert per model, to the demo's webhook receiver.
start_superset() {
  local trustq_url=$1 token_file=$2 venv py hostport model port
  venv=$(scripts/venv.sh superset)
  py=$venv/bin/python
  port=${SUPERSET_PORT:-8088}
  if ! "$py" -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null; then
    log "port $port is taken: Superset gets a free port (set SUPERSET_PORT to choose)"
    port=
  fi
  SUPERSET_RUN_DIR=$demo/superset SUPERSET_PORT=$port SUPERSET_ADMIN_USER=admin SUPERSET_ADMIN_PASSWORD=admin \
    scripts/superset.sh start >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$demo/superset/superset.env"
  set +a
  hostport=${trustq_url#http://}
  "$py" superset/bundle.py --zip "$demo/bundle.zip" --uri "dtetrust://$hostport/" --token >&2
  (umask 077 && "$py" -c 'import json,sys; print(json.dumps({"databases/DTE_Trust.yaml": open(sys.argv[1]).read().strip()}))' \
    "$token_file" >"$demo/passwords.json")
  "$py" superset/superset_api.py import-bundle "$demo/bundle.zip" --passwords-file "$demo/passwords.json" >/dev/null
  rm -f "$demo/passwords.json"
  stop_receiver
  rm -f "$demo/webhook.url"
  setsid "$py" superset/superset_api.py webhook-receiver --out "$demo/webhooks.jsonl" --url-file "$demo/webhook.url" \
    >"$demo/receiver.log" 2>&1 </dev/null &
  echo $! >"$demo/receiver.pid"
  for _ in $(seq 1 50); do [[ -s $demo/webhook.url ]] && break; sleep 0.1; done
  [[ -s $demo/webhook.url ]] || die "the webhook receiver did not start (log $demo/receiver.log)"
  for model in credit-risk-classifier churn-predictor; do
    "$py" superset/superset_api.py create-alert --name "Drift share above 0.3: $model" --database "DTE Trust" \
      --sql "SELECT MAX(value) AS drift_share FROM \"dtetrust://drift?format=latest&metrics=drift_share\" WHERE model = '$model'" \
      --op '>' --threshold 0.3 --crontab '*/5 * * * *' --webhook "$(cat "$demo/webhook.url")/$model" >/dev/null
  done
}

start_docker() {
  log "Docker engine found: docker compose up -d (Grafana ${GRAFANA_VERSION:-as pinned in docker-compose.yaml})"
  docker compose up -d
  cat >&2 <<EOF

DTE Trust demo (Docker) is starting; the first start seeds MLflow for about a minute.
  Grafana      http://localhost:3000   (admin / admin), folder "DTE Trust"
  MLflow       http://localhost:5000
  Tests        GRAFANA_URL=http://127.0.0.1:3000 make test-e2e
  Stop         make demo-stop
EOF
}

# settings MLFLOW_URL EVIDENCE_DIR: print trustq settings reaching that MLflow and the demo evidence
# copied into EVIDENCE_DIR (by `evidence`); the native demo and scripts/test-superset.sh use them.
settings() {
  local mlflow_url=$1 dir=$2
  [[ -n $mlflow_url && -n $dir ]] || die "usage: $0 settings MLFLOW_URL EVIDENCE_DIR"
  cat <<EOF
{
  "jsonData": {
    "mlflowUrl": "$mlflow_url",
    "timeoutSeconds": 30,
    "evidentlyWorkspaces": ["$dir/evidently"],
    "fairlearnPaths": ["$dir/fairlearn"],
    "gxPaths": ["$dir/gx"],
    "shapPaths": ["$dir/shap"]
  }
}
EOF
}

start_native() {
  local store mlflow_url trustq_url t0 q superset_lines=""
  t0=$(date +%s)
  [[ -x bin/trustq ]] || die "bin/trustq is not built: run \`make demo\` (it builds it first)"
  log "no Docker engine here (docker info does not answer): the Grafana demo needs Docker or your own Grafana; starting the native demo (MLflow, trustq serve, Superset)"
  mkdir -p "$demo/queries"
  evidence "$demo/evidence"
  mlflow_url=$(MLFLOW_RUN_DIR=$demo/mlflow MLFLOW_DB_SOURCE=$demo/evidence/mlflow.db scripts/mlflow-server.sh start)
  settings "$mlflow_url" "$demo/evidence" >"$demo/settings.json"
  if [[ ! -s $demo/token ]]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(24))' >"$demo/token")
  fi
  trustq_url=$(TRUSTQ_RUN_DIR=$demo/trustq TRUSTQ_SETTINGS=$demo/settings.json TRUSTQ_TOKEN_FILE=$demo/token \
    scripts/trustq-serve.sh start)
  if [[ ${DEMO_SUPERSET:-1} != 0 ]]; then
    log "starting Superset (the first start builds its venv, about 3 minutes, once)"
    start_superset "$trustq_url" "$demo/token"
    superset_lines="  Superset         $SUPERSET_URL   (admin / admin): Dashboards, \"DTE Trust: overview\" and four more;
                   SQL Lab: database \"DTE Trust\", e.g. SELECT * FROM \"dtetrust://fairness?format=latest\"
  Alerts           \"Drift share above 0.3: <model>\" (Alerts & reports), every 5 minutes; webhooks land in
                   $demo/webhooks.jsonl (credit-risk-classifier drifts, churn-predictor does not)
"
  fi
  q=$demo/queries
  echo '{"queryType":"fairness","format":"latest","metrics":["demographic_parity_difference"]}' >"$q/fairness.json"
  echo '{"queryType":"drift","format":"latest"}' >"$q/drift.json"
  echo '{"queryType":"models"}' >"$q/models.json"
  cat >&2 <<EOF

DTE Trust native demo is up ($(($(date +%s) - t0)) s); no Grafana on this machine.
${superset_lines}  MLflow (seeded)  $mlflow_url
  trustq serve     $trustq_url   (bearer token in $demo/token)
  Settings         $demo/settings.json   (MLflow, the Evidently workspace, the Fairlearn results, the SHAP summaries)
  Evidence         $demo/evidence/   (copies moved to the present at this start: newest 1-2 days old)
Try:
  bin/trustq query --settings $demo/settings.json --query $q/fairness.json --from now-30d --to now
  bin/trustq query --settings $demo/settings.json --query $q/drift.json --from now-7d --to now
  bin/trustq query --settings $demo/settings.json --query $q/models.json
  bin/trustq check --settings $demo/settings.json --model credit-risk-classifier@champion
  bin/trustq check --settings $demo/settings.json --model churn-predictor@champion
  curl -s -H "Authorization: Bearer \$(cat $demo/token)" $trustq_url/api/v1/health
With Docker (or your own Grafana 12.2+): the dashboards and alert rules, see README "The two commands".
Logs: $demo/mlflow/server.log, $demo/trustq/server.log, $demo/superset/logs/.   Stop: make demo-stop
EOF
}

start() {
  if have_docker; then
    start_docker
  else
    start_native
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  seed) seed ;;
  evidence) evidence "${2:-}" ;;
  settings) settings "${2:-}" "${3:-}" ;;
  *)
    echo "usage: $0 start|stop|status|seed|evidence DIR|settings MLFLOW_URL EVIDENCE_DIR" >&2
    exit 2
    ;;
esac
