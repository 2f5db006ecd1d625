#!/usr/bin/env bash
# browser-check.sh: open every dashboard of dashboards/*.json in headless Chromium against a running
# Grafana (GRAFANA_URL: the Docker demo or your own, with this repository's provisioning), save a
# screenshot of each, and fail when a page does not render: every panel title of the
# dashboard JSON must appear in the rendered DOM. Panels that render with an error are listed (and fail
# the check with BROWSER_CHECK_STRICT=1); their messages come from /api/ds/query, not from the page.
# Not part of `make test`: it needs a Grafana (this project never builds or runs one) and Chromium.
#
# The pages are read as an anonymous Viewer (headless Chromium cannot log in through a form), so the
# Grafana must allow anonymous access, e.g. for the Docker demo:
#   GF_AUTH_ANONYMOUS_ENABLED=true GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer docker compose up -d
#   GRAFANA_URL=http://127.0.0.1:3000 make browser-check
#
# Environment (optional):
#   GRAFANA_URL           Grafana base URL          (default http://127.0.0.1:3000)
#   SCREENSHOT_DIR        where the PNGs and DOM dumps go     (default ${DTE_CACHE:-~/.cache/dte-trust}/screenshots)
#   CHROMIUM              the browser                         (default /usr/bin/chromium, else chromium in PATH)
#   BROWSER_CHECK_SIZE    window size WIDTH,HEIGHT (default: 1600 wide, as tall as the dashboard's grid, so
#                         that lazily loaded panels below the fold render too)
#   BROWSER_CHECK_WAIT_MS Chromium's --virtual-time-budget    (default 15000)
#   BROWSER_CHECK_STRICT=1  also fail when a panel shows an error
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DTE_CACHE="${DTE_CACHE:-$HOME/.cache/dte-trust}"
URL="${GRAFANA_URL:-http://127.0.0.1:3000}"
URL="${URL%/}"
OUT="${SCREENSHOT_DIR:-$DTE_CACHE/screenshots}"
WAIT_MS="${BROWSER_CHECK_WAIT_MS:-15000}"
CHROMIUM="${CHROMIUM:-$(command -v /usr/bin/chromium chromium chromium-browser 2>/dev/null | head -n 1)}"

log() { printf '[browser-check] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ -n "$CHROMIUM" && -x "$CHROMIUM" ]] || die "no Chromium (apt-get install chromium, or set CHROMIUM)"
curl -fsS -m 5 "$URL/api/health" >/dev/null || die "no Grafana at $URL (docker compose up, or set GRAFANA_URL)"
# The web UI: the API-only build answers / with an empty page.
login_page=$(curl -fsS -m 10 "$URL/login") || die "$URL/login does not answer"
[[ "$login_page" == *public/build/* ]] ||
  die "$URL serves no web UI (no public/build in its login page)"
curl -fsS -m 5 "$URL/api/dashboards/uid/dte-trust-overview" >/dev/null ||
  die "$URL does not allow anonymous access; start it with GF_AUTH_ANONYMOUS_ENABLED=true GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer"
mkdir -p "$OUT"

# Runs Chromium once; $1: --screenshot=FILE or --dump-dom; $2: the page. Chromium's own noise goes to a log.
chrome() {
  local profile rc=0
  profile=$(mktemp -d)
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --window-size="$size" --virtual-time-budget="$WAIT_MS" "$1" "$2" 2>>"$OUT/chromium.log" || rc=$?
  rm -rf "$profile"
  return "$rc"
}

: > "$OUT/chromium.log"
fail=0
for f in "$REPO"/dashboards/*.json; do
  # uid, then one line per titled panel (rows and nested panels included): what must be in the DOM as
  # Chromium serializes it. A panel renders its header as data-testid="data-testid Panel header <title>"
  # (Grafana's PanelChrome; a lazily loaded panel that never rendered has none); a row, its title text.
  mapfile -t meta < <(python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
# Panels inside a collapsed row (its "panels") are not rendered: only the row title is checked.
panels = d.get("panels", [])
bottom = max((p.get("gridPos", {}).get("y", 0) + p.get("gridPos", {}).get("h", 0) for p in panels), default=0)
print(d["uid"])
print(160 + 38 * bottom)  # page height in px: 30 px grid cells + 8 px margins, plus the top bars
for p in panels:
    t = p.get("title")
    if not t:
        continue
    if p.get("type") == "row":
        print(t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    else:
        print('data-testid="data-testid Panel header ' + t.replace("&", "&amp;").replace('"', "&quot;") + '"')
PY
  )
  uid=${meta[0]}
  # Tall enough for the whole dashboard, so that lazily loaded panels below the fold render too.
  size=${BROWSER_CHECK_SIZE:-1600,${meta[1]}}
  meta=("${meta[0]}" "${meta[@]:2}")
  page="$URL/d/$uid?orgId=1"
  png="$OUT/$uid.png"
  dom="$OUT/$uid.html"
  chrome --screenshot="$png" "$page" >/dev/null || { log "FAIL $uid: chromium failed on the screenshot (see $OUT/chromium.log)"; fail=1; continue; }
  chrome --dump-dom "$page" >"$dom" || { log "FAIL $uid: chromium failed on --dump-dom (see $OUT/chromium.log)"; fail=1; continue; }
  missing=()
  for t in "${meta[@]:1}"; do
    grep -qF -- "$t" "$dom" || missing+=("$t")
  done
  # A panel whose query failed shows a red button aria-label="Panel status" in its header (the old
  # panel header, with the newPanelChromeUI toggle off: an error corner).
  errors=$(grep -oE 'aria-label="Panel status"|panel-info-corner--error' "$dom" | wc -l || true)
  if ((${#missing[@]})); then
    log "FAIL $uid: $((${#meta[@]} - 1 - ${#missing[@]}))/$((${#meta[@]} - 1)) panel titles rendered; missing: $(printf '%s; ' "${missing[@]}" | sed 's/data-testid="data-testid Panel header \([^"]*\)"/"\1"/g')(screenshot $png)"
    fail=1
  else
    log "ok   $uid: all $((${#meta[@]} - 1)) panel titles rendered, $errors panel(s) with an error (screenshot $png)"
  fi
  if ((errors > 0)) && [[ "${BROWSER_CHECK_STRICT:-0}" == "1" ]]; then
    log "FAIL $uid: $errors panel(s) show an error (BROWSER_CHECK_STRICT=1)"
    fail=1
  fi
done
((fail == 0)) || die "some dashboards did not render (screenshots and DOM dumps in $OUT)"
log "all dashboards rendered (screenshots and DOM dumps in $OUT)"
