#!/usr/bin/env bash
# gen-fixtures-evidently.sh: regenerate testdata/evidently/ with real Evidently, one pinned venv per
# line (python/requirements/evidently-legacy.txt and evidently-current.txt), and the expected.json
# values the Go tests assert (pkg/source/evidently/fixtures_test.go).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=testdata/evidently
for line in legacy current; do
  venv=$(scripts/venv.sh "evidently-$line")
  rm -rf "$out/$line"
  mkdir -p "$out/$line"
  PYTHONWARNINGS=ignore "$venv/bin/python" python/fixtures/gen_evidently.py --line "$line" --out "$out/$line"
done
du -sh "$out"/*
