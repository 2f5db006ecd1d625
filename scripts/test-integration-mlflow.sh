#!/usr/bin/env bash
# test-integration-mlflow.sh: the MLflow integration tests against real MLflow servers.
#
# From nothing: builds the MLflow venv (cached), seeds the demo MLflow store (scripts/demo.sh seed:
# seed_mlflow.py --no-bench, cached and keyed by the seed script and the pins, the same store the
# protocol and Superset suites serve, so `make test` seeds once), starts three servers on free loopback ports serving copies of it (plain,
# basic-auth, and an expendable one the tests stop), runs
#   go test -race -tags integration ./tests/integration/mlflow/...
# with DTE_MLFLOW_* set, and stops the servers on exit whatever happens. Extra arguments go to
# go test (e.g. -run TestMLflowNaN -v). Prints the time each step took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
t_all=$(date +%s)
timings=()
step() { timings+=("$(printf '%-34s %5ss' "$1" "$(($(date +%s) - $2))")"); }

runs=$cache/run/mlflow-it-$$
mkdir -p "$runs"
servers=(plain auth victim)
status=1
cleanup() {
  for s in "${servers[@]}"; do
    MLFLOW_RUN_DIR=$runs/$s scripts/mlflow-server.sh stop 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for s in "${servers[@]}"; do
      if [ -f "$runs/$s/server.log" ]; then
        echo "--- last lines of the $s MLflow server log ($runs/$s/server.log)" >&2
        tail -n 20 "$runs/$s/server.log" >&2
      fi
    done
  fi
  rm -rf "$runs"
  echo "test-integration-mlflow.sh: timings" >&2
  for line in "${timings[@]}"; do echo "  $line" >&2; done
  echo "  $(printf '%-34s %5ss' total "$(($(date +%s) - t_all))")" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t=$(date +%s)
scripts/venv.sh mlflow >/dev/null
step "venv (python/requirements/mlflow.txt)" "$t"

# The tests need the registry, the 1,050-run experiment (more than one runs/search page), the long
# and NaN histories; not the 11,000 benchmark runs, which only `make bench` seeds
# (python/seed/seed-mlflow.sh, used by scripts/bench-mlflow.sh).
t=$(date +%s)
seed=$(scripts/demo.sh seed)
step "seed (scripts/demo.sh seed, --no-bench)" "$t"

# The three servers start side by side.
t=$(date +%s)
password=dte-trust-it-$RANDOM$RANDOM
pids=()
for s in "${servers[@]}"; do
  app=""
  [ "$s" = auth ] && app=basic-auth
  MLFLOW_RUN_DIR=$runs/$s MLFLOW_DB_SOURCE=$seed/mlflow.db MLFLOW_APP_NAME=$app \
    MLFLOW_ADMIN_PASSWORD=$password scripts/mlflow-server.sh start >/dev/null &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
step "start 3 MLflow servers" "$t"
cp "$seed/expected.json" "$runs/expected.json"

export DTE_MLFLOW_URL DTE_MLFLOW_BASICAUTH_URL DTE_MLFLOW_EXPECTED DTE_MLFLOW_VICTIM_DIR
export DTE_MLFLOW_BASICAUTH_USER=admin DTE_MLFLOW_BASICAUTH_PASSWORD=$password
DTE_MLFLOW_URL=$(cat "$runs/plain/url")
DTE_MLFLOW_BASICAUTH_URL=$(cat "$runs/auth/url")
DTE_MLFLOW_EXPECTED=$runs/expected.json
DTE_MLFLOW_VICTIM_DIR=$runs/victim
echo "test-integration-mlflow.sh: MLflow at $DTE_MLFLOW_URL, basic-auth at $DTE_MLFLOW_BASICAUTH_URL" >&2

t=$(date +%s)
set +e
go test -race -count=1 -timeout 20m -tags integration ./tests/integration/mlflow/... "$@"
status=$?
set -e
step "go test -race -tags integration" "$t"
exit "$status"
