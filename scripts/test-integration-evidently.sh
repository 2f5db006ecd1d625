#!/usr/bin/env bash
# test-integration-evidently.sh: start a real `evidently ui` over the generated workspace
# (scripts/evidently-ui.sh), run the Go integration tests against it, stop it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export EVIDENTLY_RUN_DIR=${EVIDENTLY_RUN_DIR:-${DTE_CACHE:-$HOME/.cache/dte-trust}/run/evidently-ui-test}
trap 'scripts/evidently-ui.sh stop' EXIT
DTE_EVIDENTLY_UI_URL=$(scripts/evidently-ui.sh start)
export DTE_EVIDENTLY_UI_URL
go test -tags integration -count=1 -race -v ./tests/integration/evidently/
