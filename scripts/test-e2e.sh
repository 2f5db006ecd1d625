#!/usr/bin/env bash
# test-e2e.sh: DTE Trust inside a real Grafana that YOU started (make test-e2e, part of make test).
#
# The project never builds, downloads or starts Grafana itself. What Grafana does to the plugin is
# covered without it by the gRPC plugin-protocol suite (scripts/test-protocol.sh). This suite adds
# the real thing for anyone who has a Grafana, for example the demo stack on a machine with Docker:
#
#   make build                                     # dist/: the plugin the stack mounts
#   GRAFANA_VERSION=13.2.3 docker compose up -d    # or 12.2.5, 12.4.0 ...
#   GRAFANA_URL=http://127.0.0.1:3000 make test-e2e
#
# Environment:
#   GRAFANA_URL        base URL of a Grafana provisioned with this repository's provisioning/,
#                      dashboards/ and the demo evidence (docker-compose.yaml does it). Unset: the
#                      suite does not run; one line says so and the script exits 0 without counting
#                      anything as passed.
#   GRAFANA_USER       admin login (default admin)     GRAFANA_PASSWORD   its password (default admin)
#   GRAFANA_LOG        optional file with Grafana's log (docker compose logs grafana > grafana.log);
#                      without it the log checks are skipped, and say so
#   extra arguments go to `go test`, e.g. scripts/test-e2e.sh -run TestAlertRules -v
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [[ -z ${GRAFANA_URL:-} ]]; then
  echo "test-e2e.sh: real-Grafana suite NOT RUN (not passed): GRAFANA_URL is not set; this project starts no Grafana of its own (see README, \"Tests against a real Grafana\")"
  exit 0
fi

log() { printf 'test-e2e.sh: %s\n' "$*" >&2; }
[[ -f dist/plugin.json ]] || log "note: dist/ has no built plugin; the Grafana under test must have the plugin from elsewhere"

# A Grafana that does not answer is a failure with a reason, not a hang.
if ! curl -fsS -m 10 "${GRAFANA_URL%/}/api/health" >/dev/null; then
  log "FAIL: ${GRAFANA_URL%/}/api/health does not answer; is the Grafana running?"
  exit 1
fi
version=$(curl -fsS -m 10 "${GRAFANA_URL%/}/api/health" | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')
log "Grafana ${version:-of unknown version} at $GRAFANA_URL"

t=$(date +%s)
rc=0
go test -count=1 -timeout 15m -tags e2e ./tests/e2e/... "$@" || rc=$?
log "go test -tags e2e ./tests/e2e: $(($(date +%s) - t)) s against Grafana ${version:-?}"
if [[ $rc -eq 0 ]]; then log "PASS"; else log "FAIL"; fi
exit "$rc"
