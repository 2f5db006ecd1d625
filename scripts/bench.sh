#!/usr/bin/env bash
# bench.sh: run every benchmark suite side by side in one run and print BENCHMARKS.md to stdout.
# Each suite script prints its own markdown section (figures measured in that same run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cat <<HEAD
# DTE Trust benchmarks

Written by \`make bench\` on $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown).
Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(go version | cut -d' ' -f3-), $(python3 --version).
Each ratio compares two measurements taken in the same run against the same upstream. Figures are
medians over repeated runs; a benchmark is a measurement, never a pass/fail assertion in the tests.

HEAD
for suite in scripts/bench-mlflow.sh scripts/bench-evidently.sh scripts/bench-load.sh; do
  if [ ! -x "$suite" ]; then
    echo "bench.sh: $suite is missing" >&2
    exit 1
  fi
  "$suite"
  echo
done
