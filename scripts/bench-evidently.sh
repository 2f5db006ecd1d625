#!/usr/bin/env bash
# bench-evidently.sh: the Evidently benchmarks, side by side in one run, printed as a markdown
# section for BENCHMARKS.md (stdout; progress on stderr).
#
#   1. parse throughput over real Evidently files (shared samples + generated fixtures): this
#      package's skip-aware parser vs a full encoding/json decode into interface{} (go test -bench)
#      vs Python's json.load of the same files, medians of repeated runs;
#   2. a workspace of EVIDENTLY_BENCH_SNAPSHOTS (default 10000) 0.7 snapshots synthesised from a
#      generated snapshot, outside the repository (EVIDENTLY_BENCH_DIR, default
#      $DTE_CACHE/bench/evidently-workspace); a 7-day drift query cold (fresh process: walk, index,
#      parse the window) and warm (same provider), with peak RSS; medians over EVIDENTLY_BENCH_RUNS
#      processes (default 5).
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

log "parse throughput: python json.load over the same files"
python3 - "$tmp/files.json" >"$tmp/py.txt" <<'EOF'
import json, statistics, sys, time
files = json.load(open(sys.argv[1]))
blobs = [open(f, "rb").read() for f in files]
total = sum(len(b) for b in blobs)
rates = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(20):
        for f in files:
            with open(f, "rb") as fh:
                json.load(fh)
    rates.append(20 * total / (time.perf_counter() - t) / 1e6)
print(f"{statistics.median(rates):.1f} {total} {len(files)}")
EOF

log "scale: $n snapshots in $wsdir"
mkdir -p "$wsdir"
go test -c -tags evbench -o "$tmp/evbench.test" ./pkg/source/evidently/ >&2
(cd pkg/source/evidently && EVIDENTLY_BENCH_DIR=$wsdir EVIDENTLY_BENCH_SNAPSHOTS=$n EVIDENTLY_BENCH_GENERATE_ONLY=1 \
  "$tmp/evbench.test" -test.run '^TestScale$' >&2)
for i in $(seq 1 "$runs"); do
  (cd pkg/source/evidently && EVIDENTLY_BENCH_DIR=$wsdir EVIDENTLY_BENCH_SNAPSHOTS=$n \
    "$tmp/evbench.test" -test.run '^TestScale$') | grep '^SCALE ' | sed 's/^SCALE //' >>"$tmp/scale.jsonl"
done

python3 - "$tmp/gobench.txt" "$tmp/py.txt" "$tmp/scale.jsonl" "$n" <<'EOF'
import json, re, statistics, sys
gob, py, scale, n = sys.argv[1:5]
rates = {}
for line in open(gob):
    m = re.match(r"(Benchmark\w+)-\d+\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) MB/s", line)
    if m:
        rates.setdefault(m.group(1), []).append(float(m.group(2)))
ours = statistics.median(rates["BenchmarkParse"])
std = statistics.median(rates["BenchmarkStdlibDecode"])
pyrate, total, nfiles = py.split() if False else open(py).read().split()
pyrate = float(pyrate)
rows = [json.loads(l) for l in open(scale)]
med = lambda k: statistics.median(r[k] for r in rows)
r0 = rows[0]
print("## Evidently\n")
print(f"Parse throughput over {nfiles} real Evidently files ({int(total)/1e6:.2f} MB: legacy test suite, report and as_dict,")
print("new-API metric_id and metric_name exports, 0.7 workspace snapshots with Plotly widgets, a legacy snapshot),")
print("medians of 5 runs of 20 passes each, in one run:\n")
print("| parser | MB/s | vs Python json.load |")
print("|---|---:|---:|")
print(f"| DTE Trust skip-aware scanner + mapping (`Parse`) | {ours:.0f} | {ours/pyrate:.1f}x |")
print(f"| Go encoding/json into interface{{}} | {std:.0f} | {std/pyrate:.1f}x |")
print(f"| Python {sys.version.split()[0]} json.load | {pyrate:.0f} | 1.0x |")
print(f"\nSkip-aware parse vs full encoding/json decode: {ours/std:.1f}x.\n")
print(f"7-day drift query over a workspace of {r0['snapshots']} 0.7 snapshots one hour apart ({r0['bytes']/1e9:.2f} GB,")
print(f"synthesised from a generated snapshot outside the repository); {r0['parsed_files']} snapshots in the window are parsed,")
print(f"{r0['points']} points; medians over {len(rows)} fresh processes:\n")
print("| measure | median |")
print("|---|---:|")
print(f"| cold query (walk + timestamp index of all snapshots + parse of the window) | {med('cold_s'):.2f} s |")
print(f"| warm query (same provider: re-walk for mtimes, cached reports) | {med('warm_s')*1000:.0f} ms |")
print(f"| peak RSS of the process | {med('max_rss_mb'):.0f} MB |")
EOF
