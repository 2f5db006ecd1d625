#!/usr/bin/env bash
# bench-load.sh: Grafana-shaped load on the packaged plugin, before and after, in one run; prints a
# markdown section for BENCHMARKS.md on stdout (progress on stderr).
#
# Starts the demo MLflow (the seeded store of scripts/demo.sh seed, `mlflow server --workers 1`) on a
# loopback port, builds two plugin executables: this checkout's, and the "before" one from git ref
# BENCH_BASELINE (default: the commit before the upstream cache, batching and concurrent queries),
# and runs the load benchmarks of tests/protocol/load_bench_test.go with each, one after the other
# against the same server: MLflow requests per cold and warm load of every shipped dashboard
# through a counting proxy, and DTE_VIEWERS (default 50) concurrent viewers of the overview.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
export DTE_CACHE=$cache
baseline=${BENCH_BASELINE:-6a67bd7}
viewers=${DTE_VIEWERS:-50}
sides=${BENCH_SIDES:-before after}            # measure one side only while working on it
benches=${BENCH_RUN:-BenchmarkDashboardRequests|BenchmarkConcurrentViewers}
run=$cache/run/load-bench-$$
mkdir -p "$run"
cleanup() {
  MLFLOW_RUN_DIR=$run/mlflow scripts/mlflow-server.sh stop >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf 'bench-load.sh: %s\n' "$*" >&2; }

t=$(date +%s)
CGO_ENABLED=0 go build -trimpath -o "$run/after" ./pkg
if [[ " $sides " == *" before "* ]]; then
  mkdir -p "$run/src"
  git archive "$baseline" | tar -x -C "$run/src"
  (cd "$run/src" && CGO_ENABLED=0 go build -trimpath -o "$run/before" ./pkg)
fi
store=$(scripts/demo.sh seed)
DTE_MLFLOW_URL=$(MLFLOW_RUN_DIR=$run/mlflow MLFLOW_DB_SOURCE=$store/mlflow.db scripts/mlflow-server.sh start)
export DTE_MLFLOW_URL DTE_MLFLOW_UI_URL=$DTE_MLFLOW_URL DTE_VIEWERS=$viewers
export DTE_EVIDENTLY_WORKSPACE=$root/testdata/evidently/current/workspace
export DTE_FAIRLEARN_PATH=$root/testdata/fairlearn/demo
export DTE_SHAP_PATH=$root/testdata/shap/demo
go test -c -tags protocol -o "$run/protocol.test" ./tests/protocol/
log "setup $(($(date +%s) - t)) s; MLflow at $DTE_MLFLOW_URL"

t=$(date +%s)
for side in $sides; do
  log "measuring $side"
  (cd tests/protocol && DTE_PLUGIN_BIN=$run/$side "$run/protocol.test" -test.run '^$' \
    -test.bench "$benches" -test.benchtime 1x -test.timeout 60m) |
    grep '^LOAD ' | sed "s/^LOAD /$side /" | tee -a "$run/load.txt" >&2
done
bench_s=$(($(date +%s) - t))

python3 - "$run/load.txt" "$baseline" "$(git rev-parse --short HEAD)" "$viewers" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    side, rest = line.split(" ", 1)
    kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', rest))
    key = kv.get("dashboard") or kv.get("dashboards") or ("viewers" if "viewers" in kv else "?")
    rows.setdefault(key, {})[side] = kv
base, head, viewers = sys.argv[2], sys.argv[3], sys.argv[4]
print("## Grafana-shaped load: upstream requests and concurrent viewers\n")
print(f"The packaged plugin driven over Grafana's plugin protocol (tests/protocol/load_bench_test.go) against the")
print(f"demo MLflow (`mlflow server --workers 1`, seeded store), through a counting proxy. **before** is the plugin")
print(f"built from `{base}`, **after** this checkout (`{head}`), measured one after the other in the same run.")
print("A load resolves the dashboard's variables, then sends one QueryData request per panel, six at a time.")
print("Cold: a new data source instance; warm: the same instance loading the dashboard again at once.\n")
print("| dashboard | MLflow requests, cold: before | after | warm: before | after |")
print("|---|---:|---:|---:|---:|")
for k in sorted(r for r in rows if r.startswith("dte-")):
    b, a = rows[k].get("before", {}), rows[k].get("after", {})
    print(f"| {k} | {b.get('cold_requests','-')} | {a.get('cold_requests','-')} | {b.get('warm_requests','-')} | {a.get('warm_requests','-')} |")
al = rows.get("all", {})
print(f"| **all five** | **{al.get('before',{}).get('cold_requests','-')}** | **{al.get('after',{}).get('cold_requests','-')}** | | |\n")
v = rows.get("viewers", {})
print(f"{viewers} viewers open the overview dashboard at the same moment on one instance (default timeout 30 s):\n")
print("| measure | before | after |")
print("|---|---:|---:|")
for m, label in [("panel_requests","panel requests"),("errors","failed queries"),("p50_s","p50 s per panel request"),("p95_s","p95 s"),("max_s","max s"),("wall_s","wall s, all viewers"),("mlflow_requests","MLflow requests"),("one_viewer_requests","MLflow requests of one viewer alone")]:
    print(f"| {label} | {v.get('before',{}).get(m,'-')} | {v.get('after',{}).get(m,'-')} |")
for side in ("before", "after"):
    for k, r in rows.items():
        if "first_error" in r.get(side, {}):
            print(f"\nFirst error ({side}, {k}): {r[side]['first_error']}")
PY
echo
echo "Benchmark time ${bench_s}s. Command: \`scripts/bench-load.sh\` (BENCH_BASELINE=$baseline, DTE_VIEWERS=$viewers)."
