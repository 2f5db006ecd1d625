#!/usr/bin/env bash
# test-python.sh: test the Python helper dte-trust-fairness (python/dte-trust-fairness) in the cached
# venv of python/requirements/fairlearn.txt: installs the helper editable, runs mypy (strict) and
# pytest. Extra arguments go to pytest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/scripts/venv.sh" fairlearn)
pkg="$root/python/dte-trust-fairness"
# The venv is shared by every checkout with the same pins: (re)install when it points elsewhere.
stamp="$venv/.dte-trust-fairness-editable"
if [ "$(cat "$stamp" 2>/dev/null)" != "$pkg" ] || [ "$pkg/pyproject.toml" -nt "$stamp" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$pkg" >&2
  echo "$pkg" >"$stamp"
fi
cd "$pkg"
# Tests import this checkout's sources whatever the editable install points at.
export PYTHONPATH="$pkg/src${PYTHONPATH:+:$PYTHONPATH}"
"$venv/bin/python" -m mypy
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
