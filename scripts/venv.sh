#!/usr/bin/env bash
# venv.sh NAME: make (once) the Python virtualenv for python/requirements/NAME.txt and print its path.
# Venvs live outside the repo, keyed by a hash of the requirements file, so a changed pin builds a
# fresh venv and repeat runs reuse the cached one. A stamp is written only after a complete install.
set -euo pipefail
name=${1:?usage: venv.sh NAME}
root=$(cd "$(dirname "$0")/.." && pwd)
req="$root/python/requirements/$name.txt"
[ -f "$req" ] || { echo "venv.sh: no requirements file $req" >&2; exit 2; }
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
hash=$(sha256sum "$req" | cut -c1-12)
dir="$cache/venv/$name-$hash"
if [ ! -f "$dir/.complete" ]; then
  echo "venv.sh: creating $dir from $req" >&2
  rm -rf "$dir"
  mkdir -p "$cache/venv"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  touch "$dir/.complete"
fi
echo "$dir"
