#!/usr/bin/env bash
# test-python.sh: test the Python packages in their cached venvs: the helper dte-trust-fairness
# (python/dte-trust-fairness) in the venv of python/requirements/fairlearn.txt, the helper
# dte-trust-shap (python/dte-trust-shap) in the venv of shap.txt, then the Superset
# connector dte-trust-superset (python/dte-trust-superset) in the venv of superset.txt. Each is
# installed editable, then mypy (strict) and pytest run. Extra arguments go to both pytest runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# test_package VENV PKG BUILD_ISOLATION PYTEST_ARGS...
test_package() {
  local venv=$1 pkg=$2 isolation=$3
  shift 3
  local name stamp
  name=$(basename "$pkg")
  # The venv is shared by every checkout with the same pins: (re)install when it points elsewhere.
  stamp="$venv/.$name-editable"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$pkg" ] || [ "$pkg/pyproject.toml" -nt "$stamp" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps $isolation -e "$pkg" >&2
    echo "$pkg" >"$stamp"
  fi
  (
    cd "$pkg"
    # Tests import this checkout's sources whatever the editable install points at.
    export PYTHONPATH="$pkg/src${PYTHONPATH:+:$PYTHONPATH}"
    "$venv/bin/python" -m mypy
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
  )
}

test_package "$("$root/scripts/venv.sh" fairlearn)" "$root/python/dte-trust-fairness" --no-build-isolation "$@"
test_package "$("$root/scripts/venv.sh" shap)" "$root/python/dte-trust-shap" --no-build-isolation "$@"
# Superset's venv has an old setuptools and no wheel: build in isolation (setuptools from the index).
test_package "$("$root/scripts/venv.sh" superset)" "$root/python/dte-trust-superset" "" "$@"
