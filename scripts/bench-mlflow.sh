#!/usr/bin/env bash
# bench-mlflow.sh: the MLflow benchmarks, plugin versus a minimal direct REST fetch, against a real
# seeded MLflow server; prints a markdown section for BENCHMARKS.md on stdout (progress on stderr).
#
# Builds the venv and the seeded store (both cached), starts one MLflow server on a free loopback
# port (stopped on exit), compiles the tests/integration/mlflow test binary and runs its
# BenchmarkMLflow* benchmarks (-benchtime 1x -benchmem) in BENCH_COUNT rounds (default 5), then
# reports medians over the rounds and the plugin/direct ratios. BENCH_RAW=FILE keeps the raw output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
count=${BENCH_COUNT:-5}
raw=${BENCH_RAW:-$(mktemp)}
run=$cache/run/mlflow-bench-$$
cleanup() {
  MLFLOW_RUN_DIR=$run scripts/mlflow-server.sh stop 2>/dev/null || true
  rm -rf "$run"
  [ -n "${BENCH_RAW:-}" ] || rm -f "$raw"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t=$(date +%s)
scripts/venv.sh mlflow >/dev/null
seed=$(python/seed/seed-mlflow.sh)
export DTE_MLFLOW_URL DTE_MLFLOW_EXPECTED=$seed/expected.json
DTE_MLFLOW_URL=$(MLFLOW_RUN_DIR=$run MLFLOW_DB_SOURCE=$seed/mlflow.db scripts/mlflow-server.sh start)
echo "bench-mlflow.sh: setup $(($(date +%s) - t))s; benchmarking against $DTE_MLFLOW_URL, $count rounds" >&2

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t=$(date +%s)
# One compiled binary, one process per measurement: plugin and direct alternate, and swap which
# goes first every round, so a change of machine load or of the server's state hits both alike.
bin=$run/mlflow-bench.test
go test -c -tags integration -o "$bin" ./tests/integration/mlflow/
: >"$raw"
for round in $(seq 1 "$count"); do
  echo "bench-mlflow.sh: round $round of $count" >&2
  sides="plugin direct"
  [ $((round % 2)) -eq 0 ] && sides="direct plugin"
  for case in AccuracyHistory RunsTable; do
    for side in $sides; do
      "$bin" -test.run '^$' -test.bench "^BenchmarkMLflow$case\$/^$side\$" -test.benchtime 1x \
        -test.benchmem -test.timeout 30m | grep '^Benchmark' | tee -a "$raw" >&2
    done
  done
done
bench_s=$(($(date +%s) - t))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mlflow_version=$("$(scripts/venv.sh mlflow)/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mlflow_version"])' "$DTE_MLFLOW_EXPECTED")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')

python3 - "$raw" "$count" <<'EOF'
import re, statistics, sys
rows = {}
pat = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$")
for line in open(sys.argv[1]):
    m = pat.match(line.strip())
    if not m:
        continue
    name, vals = m.group(1), m.group(3).split()
    d = rows.setdefault(name, {})
    for v, unit in zip(vals[0::2], vals[1::2]):
        d.setdefault(unit, []).append(float(v))
units = [("ns/op", "wall s/op", 1e-9, "{:.2f}"), ("cpu-ms/op", "client CPU ms/op", 1, "{:.0f}"),
         ("B/op", "MB alloc/op", 1 / (1 << 20), "{:.1f}"), ("allocs/op", "allocs/op", 1, "{:,.0f}"),
         ("peak-heap-MB", "peak heap MB", 1, "{:.1f}")]
med = {n: {u: statistics.median(v) for u, v in d.items()} for n, d in rows.items()}
counts = {n: len(d.get("ns/op", [])) for n, d in rows.items()}
print("## MLflow: plugin versus direct REST fetch")
print()
print("Both sides read the same data from the same seeded MLflow server in the same run: " + sys.argv[2] + " rounds, each")
print("measuring plugin and direct in a fresh process, which goes first alternating between rounds.")
print("**plugin** is Grafana's path: `plugin.New` + `QueryData`, down to the data frames. **direct** is")
print("the floor any client pays: the same REST calls (`runs/search` pages; `get-history-bulk` per metric")
print("for 100 runs at a time, 4 in flight like the plugin's default `mlflowMaxConcurrency`) decoded with")
print("`encoding/json` into minimal structs, no frames.")
print("Medians over the runs; ratio = plugin / direct. Wall time is mostly the MLflow server's (a Python")
print("process on the same 2 cores), so client CPU time and allocation show the plugin's own overhead.")
print()
cases = [("BenchmarkMLflowAccuracyHistory", "accuracy, history, 1,000 runs x 5 metrics x 20 steps (100,000 values)"),
         ("BenchmarkMLflowRunsTable", "runs table, 10,000 runs (10 pages), 5 metrics, 2 params, 1 tag")]
print("| case | measure | plugin | direct | ratio |")
print("|---|---|---:|---:|---:|")
for bench, label in cases:
    p, d = med.get(bench + "/plugin"), med.get(bench + "/direct")
    if not p or not d:
        print(f"| {label} | missing | | | |")
        continue
    for unit, title, scale, fmt in units:
        if unit not in p or unit not in d:
            continue
        ratio = p[unit] / d[unit] if d[unit] else float("nan")
        print(f"| {label} | {title} | {fmt.format(p[unit] * scale)} | {fmt.format(d[unit] * scale)} | {ratio:.2f}x |")
        label = ""
print()
n = min(counts.values()) if counts else 0
print(f"Runs per measurement: {n}. Raw `go test` lines, in the order run:")
print()
print("```")
for line in open(sys.argv[1]):
    if line.startswith("Benchmark"):
        print(line.rstrip())
print("```")
EOF
cat <<EOF

Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/{print $2}') GiB; $(go version | cut -d' ' -f3-); MLflow $mlflow_version
(\`mlflow server --workers 1\`, SQLite store) on the same machine. Load average $load_before before,
$load_after after (other work shares the machine). Date $(date -u +%Y-%m-%dT%H:%MZ); benchmark time ${bench_s}s.
Command: \`scripts/bench-mlflow.sh\` (BENCH_COUNT=$count): it seeds the store (python/seed/seed_mlflow.py,
cached), starts the server (scripts/mlflow-server.sh), compiles
\`go test -c -tags integration ./tests/integration/mlflow/\` and runs each measurement as
\`mlflow-bench.test -test.run '^\$' -test.bench '^BenchmarkMLflow<case>\$/^<side>\$' -test.benchtime 1x -test.benchmem\`.
EOF
