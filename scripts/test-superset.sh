#!/usr/bin/env bash
# test-superset.sh: DTE Trust in a real Apache Superset 6.1.0 (make test-superset, part of make test).
#
# Starts, on loopback and in a run directory of its own:
#   - a real MLflow server with the seeded demo store (scripts/demo.sh seed, cached)
#   - `trustq serve` over MLflow and the demo evidence, with a bearer token (scripts/trustq-serve.sh);
#     the store and the evidence are copies moved to the present (scripts/demo.sh evidence), so the
#     tests' one-year window never ages out
#   - Superset with PostgreSQL, Redis, a Celery worker and beat (scripts/superset.sh; the venv of
#     python/requirements/superset.txt and an initialised metadata database are cached), with
#     python/dte-trust-superset installed into it
# then runs tests/superset/test_superset.py (pytest, in the Superset venv): the database added through
# the REST API, SQL Lab queries through the adapter equal to `trustq query`, bad input named in SQL
# errors, the bundle imported and every chart answering /api/v1/chart/data, and one real alert firing a
# webhook for the drifting demo model and not for the healthy one; and tests/superset/browser.mjs:
# each dashboard rendered by headless Chromium (Debian's chromium via playwright-core), screenshots
# in ${DTE_CACHE}/screenshots/superset. chromium is installed with apt-get when missing.
# Everything is stopped on exit; on failure the logs are kept in ${DTE_CACHE}/logs/superset-last/.
# Extra arguments go to pytest, e.g. scripts/test-superset.sh -k alert.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DTE_CACHE=${DTE_CACHE:-$HOME/.cache/dte-trust}
export DTE_CACHE
log() { printf 'test-superset.sh: %s\n' "$*" >&2; }
t_all=$(date +%s)

[[ -x bin/trustq ]] || { log "FAIL: no bin/trustq: run \`make test-superset\` (it builds it first)"; exit 1; }

venv=$(scripts/venv.sh superset)
"$venv/bin/python" superset/bundle.py --check

run=$DTE_CACHE/run/superset-test-$$
mkdir -p "$run"
status=1
cleanup() {
  SUPERSET_RUN_DIR=$run/superset scripts/superset.sh stop >/dev/null 2>&1 || true
  TRUSTQ_RUN_DIR=$run/trustq scripts/trustq-serve.sh stop >/dev/null 2>&1 || true
  MLFLOW_RUN_DIR=$run/mlflow scripts/mlflow-server.sh stop >/dev/null 2>&1 || true
  if [[ $status -ne 0 ]]; then
    keep=$DTE_CACHE/logs/superset-last
    rm -rf "$keep" && mkdir -p "$keep"
    find "$run" -name '*.log' -exec cp --parents {} "$keep" \; 2>/dev/null || true
    log "FAIL (logs: $keep)"
  else
    log "PASS"
  fi
  rm -rf "$run"
  log "total $(($(date +%s) - t_all)) s"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

chromium=${CHROMIUM:-$(command -v chromium || true)}
if [[ -z $chromium ]]; then
  t=$(date +%s)
  log "installing Debian's chromium (apt-get) for the browser check"
  [[ $(id -u) -eq 0 ]] || { log "FAIL: chromium is missing and this is not root: apt-get install chromium"; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >"$run/apt-chromium.log" 2>&1 ||
    { apt-get update >>"$run/apt-chromium.log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>"$run/apt-chromium.log" 2>&1; } ||
    { tail -n 20 "$run/apt-chromium.log" >&2; log "FAIL: apt-get install chromium"; exit 1; }
  chromium=$(command -v chromium)
  log "chromium installed in $(($(date +%s) - t)) s"
fi
export CHROMIUM=$chromium

t=$(date +%s)
scripts/demo.sh evidence "$run/evidence"
mlflow_url=$(MLFLOW_RUN_DIR=$run/mlflow MLFLOW_DB_SOURCE=$run/evidence/mlflow.db scripts/mlflow-server.sh start)
log "MLflow $mlflow_url with the demo store in $(($(date +%s) - t)) s"

scripts/demo.sh settings "$mlflow_url" "$run/evidence" >"$run/settings.json"
python3 -c 'import secrets; print(secrets.token_hex(24))' >"$run/token"
chmod 600 "$run/token"
trustq_url=$(TRUSTQ_RUN_DIR=$run/trustq TRUSTQ_SETTINGS=$run/settings.json TRUSTQ_TOKEN_FILE=$run/token \
  scripts/trustq-serve.sh start)

t=$(date +%s)
SUPERSET_RUN_DIR=$run/superset SUPERSET_ADMIN_USER=admin SUPERSET_ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(12))') \
  scripts/superset.sh start >&2
log "Superset stack started in $(($(date +%s) - t)) s"
set -a
# shellcheck disable=SC1091
. "$run/superset/superset.env"
set +a
export TRUSTQ_URL=$trustq_url TRUSTQ_TOKEN_FILE=$run/token TRUSTQ_BIN=$root/bin/trustq TRUSTQ_SETTINGS=$run/settings.json

t=$(date +%s)
rc=0
"$venv/bin/python" -m pytest -q -p no:cacheprovider -o junit_family=xunit2 \
  tests/superset/test_superset.py "$@" || rc=$?
log "pytest tests/superset: $(($(date +%s) - t)) s"
if [[ $rc -eq 0 ]]; then
  t=$(date +%s)
  SCREENSHOT_DIR=$DTE_CACHE/screenshots/superset node tests/superset/browser.mjs || rc=$?
  log "browser check: $(($(date +%s) - t)) s"
fi
status=$rc
exit "$rc"
