#!/usr/bin/env bash
# gen-fixtures-gx.sh: regenerate testdata/gx/ (validation results written by real Great Expectations
# 1.x and 0.18, the bad inputs derived from them, and each generation's expected.json with GX's own
# numbers, expected-gx1.json and expected-gx018.json) with the pinned GX of python/requirements/gx.txt and gx-legacy.txt. Deterministic: a
# second run changes nothing. The demo serves testdata/gx/gx1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in gx gx-legacy; do
  venv=$("$root/scripts/venv.sh" "$name")
  # GX prints a progress bar per validation on stderr: kept out of sight unless the run fails.
  (cd "$work" && "$venv/bin/python" "$root/python/fixtures/gen_gx.py" --out "$root/testdata/gx" "$@" 2>"$work/$name.log") ||
    { cat "$work/$name.log" >&2; exit 1; }
done
