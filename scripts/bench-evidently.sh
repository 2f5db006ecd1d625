#!/usr/bin/env bash
# bench-evidently.sh: the Evidently benchmarks, side by side in one run, printed as a markdown
# section for BENCHMARKS.md (stdout; progress on stderr).
#
#   1. parse throughput over real Evidently files (shared samples + generated fixtures): this
#      package's skip-aware parser vs a full encoding/json decode into interface{} vs Python's
#      json.load of the same files, interleaved run by run, per CPU second and per wall second;
#      plus the go test -bench medians of BenchmarkParse and BenchmarkStdlibDecode;
#   2. a workspace of EVIDENTLY_BENCH_SNAPSHOTS (default 10000) 0.7 snapshots synthesised from the
#      generated ones, outside the repository (EVIDENTLY_BENCH_DIR, default
#      $DTE_CACHE/bench/evidently-workspace-N); a 7-day drift query cold (fresh process: walk,
#      index, parse the window) and warm (same provider), with peak RSS; medians over
#      EVIDENTLY_BENCH_RUNS processes (default 5).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
n=${EVIDENTLY_BENCH_SNAPSHOTS:-10000}
runs=${EVIDENTLY_BENCH_RUNS:-5}
wsdir=${EVIDENTLY_BENCH_DIR:-$cache/bench/evidently-workspace-$n}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log() { echo "bench-evidently.sh: $*" >&2; }

log "parse throughput: go test -bench (5 counts)"
BENCH_FILES_OUT=$tmp/files.json go test -run '^$' -bench 'BenchmarkParse$|BenchmarkStdlibDecode$' -benchtime 20x -count 5 \
  ./pkg/source/evidently/ >"$tmp/gobench.txt"
go test -c -tags evbench -o "$tmp/evbench.test" ./pkg/source/evidently/ >&2

cat >"$tmp/py.py" <<'PY'
import json, sys, time
files = json.load(open(sys.argv[1]))
total = sum(len(open(f, "rb").read()) for f in files)
c, w = time.process_time(), time.perf_counter()
for _ in range(20):
    for f in files:
        with open(f, "rb") as fh:
            json.load(fh)
mb = 20 * total / 1e6
print(json.dumps({"py_wall": mb / (time.perf_counter() - w), "py_cpu": mb / (time.process_time() - c), "bytes": total, "files": len(files)}))
PY

# Interleaved, so that a change in machine load hits all three parsers alike.
for i in $(seq 1 "$runs"); do
  log "parse throughput: run $i of $runs"
  (cd pkg/source/evidently && GOMAXPROCS=1 "$tmp/evbench.test" -test.run '^TestThroughput$') | grep '^THROUGHPUT ' | sed 's/^THROUGHPUT //' >>"$tmp/go.jsonl"
  python3 "$tmp/py.py" "$tmp/files.json" >>"$tmp/py.jsonl"
done

log "scale: $n snapshots in $wsdir"
mkdir -p "$wsdir"
(cd pkg/source/evidently && EVIDENTLY_BENCH_DIR=$wsdir EVIDENTLY_BENCH_SNAPSHOTS=$n EVIDENTLY_BENCH_GENERATE_ONLY=1 \
  "$tmp/evbench.test" -test.run '^TestScale$' >&2)
for i in $(seq 1 "$runs"); do
  log "scale: run $i of $runs"
  (cd pkg/source/evidently && EVIDENTLY_BENCH_DIR=$wsdir EVIDENTLY_BENCH_SNAPSHOTS=$n \
    "$tmp/evbench.test" -test.run '^TestScale$') | grep '^SCALE ' | sed 's/^SCALE //' >>"$tmp/scale.jsonl"
done

python3 - "$tmp/gobench.txt" "$tmp/go.jsonl" "$tmp/py.jsonl" "$tmp/scale.jsonl" <<'PY'
import json, re, statistics, sys
gob, goj, pyj, scale = sys.argv[1:5]
bench = {}
for line in open(gob):
    m = re.match(r"(Benchmark\w+?)(-\d+)?\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) MB/s", line)
    if m:
        bench.setdefault(m.group(1), []).append(float(m.group(3)))
g = [json.loads(l) for l in open(goj)]
p = [json.loads(l) for l in open(pyj)]
med = lambda rows, k: statistics.median(r[k] for r in rows)
py_cpu, py_wall = med(p, "py_cpu"), med(p, "py_wall")
print("## Evidently\n")
print(f"Parse throughput over {p[0]['files']} real Evidently files ({p[0]['bytes']/1e6:.2f} MB: legacy test suites, reports and as_dict,")
print("new-API metric_id and metric_name+config exports, ten 0.7 workspace snapshots with their Plotly widgets),")
print(f"20 passes per run, medians of {len(g)} interleaved runs (Go with GOMAXPROCS=1). MB per CPU second is the")
print("figure to compare when the machine is busy; wall figures include waiting for a core.\n")
print("| parser | MB/s (CPU) | vs Python | MB/s (wall) | vs Python |")
print("|---|---:|---:|---:|---:|")
for name, cpu, wall in [("DTE Trust skip-aware scanner + mapping (`Parse`)", med(g, "ours_cpu"), med(g, "ours_wall")),
                        ("Go encoding/json into interface{}", med(g, "std_cpu"), med(g, "std_wall")),
                        (f"Python {sys.version.split()[0]} json.load", py_cpu, py_wall)]:
    print(f"| {name} | {cpu:.0f} | {cpu/py_cpu:.1f}x | {wall:.0f} | {wall/py_wall:.1f}x |")
print(f"\nSkip-aware parse vs full encoding/json decode (CPU): {med(g, 'ours_cpu')/med(g, 'std_cpu'):.1f}x. "
      f"`go test -bench` wall medians in the same run: BenchmarkParse {statistics.median(bench['BenchmarkParse']):.0f} MB/s, "
      f"BenchmarkStdlibDecode {statistics.median(bench['BenchmarkStdlibDecode']):.0f} MB/s.\n")
rows = [json.loads(l) for l in open(scale)]
r0 = rows[0]
print(f"7-day drift query over a workspace of {r0['snapshots']} 0.7 snapshots one hour apart ({r0['bytes']/1e9:.2f} GB,")
print(f"synthesised from the generated snapshots outside the repository); {r0['parsed_files']} snapshots in the window are parsed,")
print(f"{r0['points']} points; medians over {len(rows)} fresh processes:\n")
print("| measure | median |")
print("|---|---:|")
print(f"| cold query (walk + timestamp index of all snapshots + parse of the window) | {med(rows, 'cold_s'):.2f} s |")
print(f"| warm query (same provider: re-walk for mtimes, cached reports) | {med(rows, 'warm_s')*1000:.0f} ms |")
print(f"| peak RSS of the process | {med(rows, 'max_rss_mb'):.0f} MB |")
PY
