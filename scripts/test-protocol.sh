#!/usr/bin/env bash
# test-protocol.sh: the packaged DTE Trust backend driven the way Grafana drives it, without Grafana
# (make test-protocol, part of make test). It starts dist/gpx_dte_trust_linux_amd64 through the
# go-plugin handshake and gRPC (tests/protocol/harness.go) and sends it every shipped dashboard's
# panels, every provisioned alert rule's queries, variable, annotation and resource calls and
# health checks, over the demo evidence:
#   - a real MLflow server with the seeded demo store (scripts/demo.sh seed, cached), on a free port
#   - DTE_EVIDENTLY_WORKSPACE, DTE_FAIRLEARN_PATH, DTE_GX_PATH and DTE_SHAP_PATH:
#     testdata/evidently/current/workspace, testdata/fairlearn/demo, testdata/gx/gx1 and testdata/shap/demo
# all four as copies moved to the present (scripts/demo.sh evidence), since the suite asks with
# ranges relative to now (variables over the last year, the dashboards' defaults).
# Extra arguments go to `go test`, e.g. scripts/test-protocol.sh -run TestAlertRules.
# MLflow is stopped on exit, whatever happens; on failure its log is kept in
# ${DTE_CACHE:-~/.cache/dte-trust}/logs/protocol-last/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DTE_CACHE=${DTE_CACHE:-$HOME/.cache/dte-trust}
export DTE_CACHE
log() { printf 'test-protocol.sh: %s\n' "$*" >&2; }
t_all=$(date +%s)

bin=${DTE_PLUGIN_BIN:-$root/dist/gpx_dte_trust_linux_amd64}
[[ -x $bin ]] || { log "FAIL: no plugin executable at $bin: run \`make test-protocol\` (it builds it first)"; exit 1; }

run=$DTE_CACHE/run/protocol-$$
mkdir -p "$run"
status=1
cleanup() {
  MLFLOW_RUN_DIR=$run/mlflow scripts/mlflow-server.sh stop >/dev/null 2>&1 || true
  if [[ $status -ne 0 ]]; then
    keep=$DTE_CACHE/logs/protocol-last
    rm -rf "$keep" && mkdir -p "$keep"
    cp "$run/mlflow/server.log" "$keep/mlflow-server.log" 2>/dev/null || true
    log "FAIL (MLflow log: $keep/mlflow-server.log)"
  else
    log "PASS"
  fi
  rm -rf "$run"
  log "total $(($(date +%s) - t_all)) s"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t=$(date +%s)
scripts/demo.sh evidence "$run/evidence"
log "demo MLflow store and evidence (moved to the present) ready in $(($(date +%s) - t)) s: $run/evidence"
t=$(date +%s)
DTE_MLFLOW_URL=$(MLFLOW_RUN_DIR=$run/mlflow MLFLOW_DB_SOURCE=$run/evidence/mlflow.db scripts/mlflow-server.sh start)
export DTE_MLFLOW_URL DTE_MLFLOW_UI_URL=$DTE_MLFLOW_URL
export DTE_EVIDENTLY_WORKSPACE=$run/evidence/evidently
export DTE_FAIRLEARN_PATH=$run/evidence/fairlearn
export DTE_GX_PATH=$run/evidence/gx
export DTE_SHAP_PATH=$run/evidence/shap
export DTE_PLUGIN_BIN=$bin
log "MLflow $DTE_MLFLOW_URL started in $(($(date +%s) - t)) s"

t=$(date +%s)
rc=0
go test -count=1 -timeout 15m -tags protocol ./tests/protocol/... -v "$@" >"$run/go-test.log" 2>&1 || rc=$?
grep -E '^(=== RUN|--- (PASS|FAIL|SKIP)|PASS|FAIL|ok|protocol suite counts)|^\s+\S+_test\.go:[0-9]+:|^\s+(FIRING|normal) ' "$run/go-test.log" | grep -v '^=== RUN' || true
[[ $rc -eq 0 ]] || tail -n 60 "$run/go-test.log"
log "go test -tags protocol: $(($(date +%s) - t)) s"
status=$rc
exit "$rc"
