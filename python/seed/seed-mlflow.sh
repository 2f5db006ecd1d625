#!/usr/bin/env bash
# seed-mlflow.sh: print the directory of the benchmark MLflow store (mlflow.db + expected.json),
# seeding it once with python/seed/seed_mlflow.py in the venv of python/requirements/mlflow.txt:
# the demo data plus the 11,000 benchmark runs (bench-history, bench-runs), several minutes. Only
# `make bench` (scripts/bench-mlflow.sh) needs them; the tests serve the demo store without them
# (scripts/demo.sh seed, about a minute).
#
# The store is cached outside the repo under ${DTE_CACHE:-$HOME/.cache/dte-trust}/seed/, keyed by a
# hash of the seed script and the requirements, so a repeat run costs nothing and a changed seed or
# pin seeds afresh. A lock keeps two concurrent callers from seeding twice; a stamp is written only
# after a complete seed. Serve a copy (scripts/mlflow-server.sh with MLFLOW_DB_SOURCE), never the
# cached file itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
venv=$("$root/scripts/venv.sh" mlflow)
hash=$(cat "$here/seed_mlflow.py" "$root/python/requirements/mlflow.txt" | sha256sum | cut -c1-12)
dir=$cache/seed/mlflow-$hash
mkdir -p "$cache/seed"
exec 9>"$cache/seed/.mlflow.lock"
flock 9
if [ ! -f "$dir/.complete" ]; then
  echo "seed-mlflow.sh: seeding $dir (several minutes, once)" >&2
  start=$(date +%s)
  tmp=$(mktemp -d "$cache/seed/.mlflow-$hash.XXXXXX")
  "$venv/bin/python" -W ignore "$here/seed_mlflow.py" --db "$tmp/mlflow.db" --expected "$tmp/expected.json" >&2
  touch "$tmp/.complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  echo "seed-mlflow.sh: seeded in $(($(date +%s) - start))s" >&2
fi
echo "$dir"
