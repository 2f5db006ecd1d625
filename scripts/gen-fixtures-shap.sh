#!/usr/bin/env bash
# gen-fixtures-shap.sh: regenerate testdata/shap/ (SHAP summaries of real shap explanations, bad
# input, the demo explanations and expected.json with shap's own numbers) with the pinned shap of
# python/requirements/shap.txt. Deterministic: a second run changes nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/scripts/venv.sh" shap)
"$venv/bin/python" "$root/python/fixtures/gen_shap.py" --out "$root/testdata/shap" "$@"
