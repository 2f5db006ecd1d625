#!/usr/bin/env bash
# test-readme.sh: run every README.md command block that holds a `bin/trustq` command, as written,
# so the README cannot drift from what works.
#
# Each ```bash block of README.md containing `bin/trustq` runs from the repository's root in a
# fresh `bash -euo pipefail`, with:
#   - make demo    -> the native demo without Superset (DEMO_DOCKER=0 DEMO_SUPERSET=0
#                     scripts/demo.sh start: a real MLflow from the cached seeded demo store, trustq
#                     serve and the demo evidence) in a private DEMO_DIR, stopped on exit; the
#                     block's ${DEMO_DIR:-...} names that directory. (`make demo` first builds the
#                     plugin, which this suite does not need; `make test-readme` builds bin/trustq.)
#   - make trustq  -> itself
#   - bin/trustq   -> the built binary, checked: `query` must exit 0 and answer at least one row
#                     (checked in its --output json form), `check` must exit 0 or 1 and print a
#                     report, `serve` runs as is (`&` and `kill %1` work as written)
#   - curl         -> itself; the answer must not be empty and, unless the line's comment names an
#                     HTTP status (e.g. `# 401: ...`, then the answer must carry it), neither an
#                     error nor without rows (query) or options
# Also fails when the README shows a `trustq query|check|serve --settings` command outside such a
# block (where nothing would run it), or a block names a file in examples/ that does not exist.
# The serve blocks listen on 127.0.0.1:8089 and 0.0.0.0:8089 as the README says: that port must be
# free. Prints the time each block took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DTE_CACHE=${DTE_CACHE:-$HOME/.cache/dte-trust}
export DTE_CACHE
run=$DTE_CACHE/run/readme-$$
log() { printf 'test-readme.sh: %s\n' "$*" >&2; }
mkdir -p "$run"
status=1
cleanup() {
  DEMO_DIR=$run/demo DEMO_DOCKER=0 scripts/demo.sh stop >/dev/null 2>&1 || true
  if [[ $status -ne 0 && -d $run/demo ]]; then
    for f in "$run"/demo/mlflow/server.log "$run"/demo/trustq/server.log; do
      [[ -f $f ]] && { echo "--- last lines of $f" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -x bin/trustq ]] || { log "bin/trustq is missing: run make test-readme (it builds it)"; exit 1; }
command -v jq >/dev/null || { log "jq is needed"; exit 1; }
command -v curl >/dev/null || { log "curl is needed"; exit 1; }

# Extract the blocks (and check what lies outside them).
python3 - README.md "$run" <<'PY'
import os, re, sys
readme, out = sys.argv[1], sys.argv[2]
text = open(readme).read()
blocks = re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)
tested = [b for b in blocks if "bin/trustq" in b]
if not tested:
    sys.exit("test-readme.sh: no ```bash block of README.md runs bin/trustq")
outside = re.sub(r"^```bash\n.*?^```", "", text, flags=re.S | re.M)
stray = re.findall(r"trustq (?:query|check|serve)\b[^`\n]*--settings[^`\n]*", outside)
if stray:
    sys.exit("test-readme.sh: README.md shows trustq commands outside a ```bash block, where no test runs them:\n  "
             + "\n  ".join(stray))
for i, b in enumerate(tested, 1):
    for f in re.findall(r"\bexamples/[\w./-]+", b):
        if not os.path.exists(f):
            sys.exit(f"test-readme.sh: README block {i} names {f}, which does not exist")
    lines = []
    for line in b.splitlines():
        m = re.search(r"^\s*curl .*#\s*(\d{3})\b", line)
        if m:
            line = f"README_EXPECT_STATUS={m.group(1)} {line}"
        lines.append(line)
    with open(os.path.join(out, f"block-{i}.sh"), "w") as f:
        f.write("\n".join(lines) + "\n")

PY

# The prelude every block runs with: make, bin/trustq and curl as described above.
cat >"$run/prelude.sh" <<'PRE'
fail() { echo "README check failed: $*" >&2; exit 1; }
make() {
  case "$*" in
    demo) DEMO_DOCKER=0 DEMO_SUPERSET=0 "$README_ROOT/scripts/demo.sh" start ;;
    trustq) command make -s trustq ;;
    *) fail "the README runs 'make $*', which this test does not know" ;;
  esac
}
bin/trustq() {
  local out rc=0 n
  case "${1:-}" in
    serve) exec "$README_ROOT/bin/trustq" "$@" ;;
    query)
      out=$("$README_ROOT/bin/trustq" "$@") || rc=$?
      printf '%s\n' "$out"
      [[ $rc -eq 0 ]] || fail "trustq $* exited $rc"
      n=$("$README_ROOT/bin/trustq" "$@" --output json | jq '[.results[].frames[]?.data.values[0] // [] | length] | add // 0')
      [[ $n -gt 0 ]] || fail "trustq $* answered no rows"
      ;;
    check)
      out=$("$README_ROOT/bin/trustq" "$@") || rc=$?
      printf '%s\n' "$out"
      [[ $rc -le 1 && -n $out ]] || fail "trustq $* exited $rc (0 or 1 with a report expected)"
      return "$rc"
      ;;
    *) "$README_ROOT/bin/trustq" "$@" ;;
  esac
}
curl() {
  local out
  out=$(command curl "$@") || fail "curl $* failed"
  printf '%s\n' "$out"
  [[ -n $out ]] || fail "curl $* answered nothing"
  if [[ -n ${README_EXPECT_STATUS:-} ]]; then
    [[ $out == *"\"status\":$README_EXPECT_STATUS"* ]] || fail "curl $* should answer status $README_EXPECT_STATUS"
  elif [[ $out == *'"error"'* ]]; then
    fail "curl $* answered an error"
  elif [[ $out == *'"rows":[]'* || $out == '[]' ]]; then
    fail "curl $* answered no rows"
  fi
}
PRE

if python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 8089))' 2>/dev/null; then :; else
  log "port 8089 is taken; the README's trustq serve examples listen there"
  exit 1
fi

export README_ROOT=$root DEMO_DIR=$run/demo
n=$(find "$run" -name 'block-*.sh' | wc -l)
for i in $(seq 1 "$n"); do
  t=$(date +%s)
  log "README block $i of $n: $(grep -m1 'bin/trustq' "$run/block-$i.sh")"
  cat "$run/prelude.sh" "$run/block-$i.sh" >"$run/full-$i.sh"
  # Its own process group, so what a failing block left running (a trustq serve &) ends with it.
  rc=0
  setsid bash -euo pipefail "$run/full-$i.sh" >"$run/out-$i.txt" 2>&1 </dev/null &
  pid=$!
  wait "$pid" || rc=$?
  kill -TERM -- "-$pid" 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then
    log "README block $i failed (exit $rc); its output:"
    cat "$run/out-$i.txt" >&2
    exit 1
  fi
  log "README block $i passed in $(($(date +%s) - t)) s"
done
status=0
log "all $n README blocks with trustq commands ran as written"
