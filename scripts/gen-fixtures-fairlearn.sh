#!/usr/bin/env bash
# gen-fixtures-fairlearn.sh: regenerate testdata/fairlearn/ (every fairness format the plugin reads,
# the demo evaluations and expected.json with Fairlearn's own numbers) with the pinned Fairlearn of
# python/requirements/fairlearn.txt. Deterministic: a second run changes nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$("$root/scripts/venv.sh" fairlearn)
"$venv/bin/python" "$root/python/fixtures/gen_fairlearn.py" --out "$root/testdata/fairlearn" "$@"
