#!/usr/bin/env bash
# grafana-build.sh: build a pinned Grafana server binary from the Go module proxy (no git, no Docker),
# for the end-to-end tests and the demo. Nothing of Grafana ever lands in this repo: the source copy
# (used as Grafana's homepath) and the binary live in the cache directory below.
#
#   scripts/grafana-build.sh               build (or reuse) and print progress; last line: the binary path
#   scripts/grafana-build.sh --print-paths print GRAFANA_HOME=/GRAFANA_BIN=/GRAFANA_STAMP= lines, build nothing
#
# Cache layout (rebuilt only when the pin, version or toolchain changes; the stamp is written last):
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana/<pin>/src        source copy = homepath
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana/<pin>/bin/grafana the server binary
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana/<pin>/build.log   full log of the last build
#   ${DTE_CACHE:-$HOME/.cache/dte-trust}/grafana/<pin>/.stamp      written only after a successful build
set -euo pipefail

# --- The pin ------------------------------------------------------------------------------------------
# The module proxy reachable here does not resolve commit hashes for github.com/grafana/grafana and
# refuses (403) every 12.x-era version we asked for (e.g. commit 0bba6e7b822b, Aug 2025) as well as the
# nested modules apps/* and pkg/*. The newest version it serves that we know of is this June 2023
# main-branch commit (package.json says 10.0.0-preview), so the pin is the full pseudo-version.
# To move to a newer commit, set the pseudo-version (v1.9.2-0.<UTC yyyymmddhhmmss>-<12 hex>) here.
GRAFANA_PIN="${GRAFANA_PIN:-v1.9.2-0.20230609164553-81d85ce8028d}"
# What /api/health and plugin version checks see; without -X main.version Grafana says 9.2.0.
# Keep it truthful to the code line of the pin (a release version, not "-pre").
GRAFANA_VERSION="${GRAFANA_VERSION:-10.0.0}"
# Go toolchain used for the build. 2023 code predates Go 1.23's linkname restrictions and was released
# with go1.20; the go command fetches this toolchain from the module proxy. Set to "local" to use the
# installed go (fine for 2025+ pins).
GRAFANA_GOTOOLCHAIN="${GRAFANA_GOTOOLCHAIN:-go1.20.14}"

GRAFANA_MODULE=github.com/grafana/grafana
DTE_CACHE="${DTE_CACHE:-$HOME/.cache/dte-trust}"
PIN_DIR="$DTE_CACHE/grafana/$GRAFANA_PIN"
SRC="$PIN_DIR/src"
BIN="$PIN_DIR/bin/grafana"
STAMP="$PIN_DIR/.stamp"
LOG="$PIN_DIR/build.log"
STAMP_WANT="pin=$GRAFANA_PIN version=$GRAFANA_VERSION toolchain=$GRAFANA_GOTOOLCHAIN"

log() { printf '[grafana-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ "${1:-}" == "--print-paths" ]]; then
  printf 'GRAFANA_HOME=%s\nGRAFANA_BIN=%s\nGRAFANA_STAMP=%s\nGRAFANA_PIN=%s\n' "$SRC" "$BIN" "$STAMP" "$GRAFANA_PIN"
  exit 0
fi
[[ $# -eq 0 ]] || die "usage: $0 [--print-paths]"

# --- Cached? ------------------------------------------------------------------------------------------
if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_WANT" ]]; then
  log "cached: $GRAFANA_MODULE@$GRAFANA_PIN (Grafana $GRAFANA_VERSION) at $PIN_DIR"
  echo "$BIN"
  exit 0
fi

mkdir -p "$PIN_DIR"
rm -f "$STAMP"
# Everything below also goes to the log file, outside the repo.
: > "$LOG"
exec > >(tee -a "$LOG") 2> >(tee -a "$LOG" >&2)
START=$SECONDS
log "building $GRAFANA_MODULE@$GRAFANA_PIN as Grafana $GRAFANA_VERSION into $PIN_DIR (log: $LOG)"

command -v go >/dev/null || die "go is not installed"
# -modcacherw: the module cache stays deletable; -buildvcs=false: the source copy is no VCS checkout.
export GOFLAGS="-modcacherw -buildvcs=false"
if [[ "$GRAFANA_GOTOOLCHAIN" != "local" ]]; then
  # Let the installed go fetch the toolchain, then put its bin/ first on PATH rather than relying on
  # GOTOOLCHAIN switching: tools that shell out to `go` (wire) would otherwise re-enter the switch and
  # fail with "toolchain go1.26.x invoked to provide go1.20.y".
  log "toolchain $GRAFANA_GOTOOLCHAIN (fetched from the module proxy on first use)"
  TC_ROOT=$(cd / && GOTOOLCHAIN="$GRAFANA_GOTOOLCHAIN" go env GOROOT) || die "cannot fetch $GRAFANA_GOTOOLCHAIN"
  export PATH="$TC_ROOT/bin:$PATH" GOTOOLCHAIN=local
  unset GOROOT
fi
log "go: $(cd / && go version)"

# `go mod download -json` prints the Dir of the extracted module; run outside any module/workspace.
mod_dir() {
  local json
  json=$(cd / && GOWORK=off go mod download -json "$1") || { printf '%s\n' "$json" >&2; return 1; }
  printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p'
}

# --- 1. Root module -----------------------------------------------------------------------------------
log "downloading $GRAFANA_MODULE@$GRAFANA_PIN"
ROOT_DIR=$(mod_dir "$GRAFANA_MODULE@$GRAFANA_PIN") || die "the module proxy does not serve $GRAFANA_MODULE@$GRAFANA_PIN"
[[ -n "$ROOT_DIR" && -d "$ROOT_DIR" ]] || die "no module directory for $GRAFANA_MODULE@$GRAFANA_PIN"
RESOLVED=$(cd / && GOWORK=off go list -m -f '{{.Version}}' "$GRAFANA_MODULE@$GRAFANA_PIN")
log "resolved pseudo-version: $GRAFANA_MODULE $RESOLVED"

rm -rf "${SRC:?}" "${PIN_DIR:?}/bin"
cp -r "$ROOT_DIR" "$SRC"
chmod -R u+w "$SRC"   # module cache files are read-only; we generate code in the copy
cd "$SRC"

# --- 2. Workspace: nested modules at the same commit ------------------------------------------------
# The root zip omits every directory that has its own go.mod, but go.work (committed since 2023-ish)
# lists them. Fetch each at the same commit (pseudo-version v0.0.0-<ts>-<hash>); drop the ones the proxy
# cannot serve (e.g. ./.citools/* dot dirs are no module paths).
if [[ -f go.work ]]; then
  SUFFIX=${RESOLVED##*-0.}            # <yyyymmddhhmmss>-<hash12>
  while IFS= read -r d; do
    rel=${d#./}
    [[ -z "$rel" || "$rel" == "." ]] && continue
    if nd=$(mod_dir "$GRAFANA_MODULE/$rel@v0.0.0-$SUFFIX" 2>/dev/null) && [[ -d "$nd" ]]; then
      mkdir -p "$rel" && cp -r "$nd"/. "$rel"/ && chmod -R u+w "$rel"
      log "workspace: $rel (v0.0.0-$SUFFIX)"
    else
      log "workspace: dropping $d (not fetchable)"
      go work edit -dropuse="$d"
    fi
  done < <(go work edit -json | sed -n 's/^[[:space:]]*"DiskPath": "\(.*\)",*$/\1/p')
  unset GOWORK
else
  export GOWORK=off   # never pick up a go.work from a parent directory
fi

# --- 3. Build settings --------------------------------------------------------------------------------
# mattn/go-sqlite3 (until early 2026) needs cgo and a C compiler; later commits are pure Go.
if grep -q 'github.com/mattn/go-sqlite3' go.mod; then
  command -v gcc >/dev/null || die "gcc is needed for github.com/mattn/go-sqlite3 (apt-get install gcc)"
  export CGO_ENABLED=1
else
  export CGO_ENABLED=0
fi
log "CGO_ENABLED=$CGO_ENABLED"

log "downloading dependencies (go mod download)"
go mod download
log "dependencies done ($((SECONDS - START)) s)"

# --- 4. Code generation -------------------------------------------------------------------------------
# wire_gen.go is committed only since July 2025; older commits generate it with the wire version the
# module itself requires (upstream Makefile: wire gen -tags oss ./pkg/server).
if [[ ! -f pkg/server/wire_gen.go ]]; then
  # `go run tool@version`: the wire CLI's own deps (google/subcommands) are not in Grafana's go.sum.
  WIRE_VERSION=$(go list -m -f '{{.Version}}' github.com/google/wire)
  log "generating pkg/server/wire_gen.go (wire@$WIRE_VERSION gen -tags oss)"
  go run "github.com/google/wire/cmd/wire@$WIRE_VERSION" gen -tags oss ./pkg/server
fi
# 2026 commits: the Makefile's build-go depends on a generated themes file.
if grep -q 'themes_generated.go' Makefile 2>/dev/null && [[ ! -f pkg/services/preference/themes_generated.go ]]; then
  log "go generate ./pkg/services/preference"
  go generate ./pkg/services/preference
fi

# --- 5. Compile ---------------------------------------------------------------------------------------
# Same flags as upstream's Makefile/build.go. `go build -v` names each package it compiles (one word
# per line); print a progress line every 200 packages instead, and every other line (errors, cgo
# warnings: they contain spaces) as is.
log "compiling ./pkg/cmd/grafana (cold: 15-30 min on 2 cores)"
COMMIT=${RESOLVED##*-}
mkdir -p "$PIN_DIR/bin"
if ! go build -v -trimpath \
  -ldflags "-w -X main.version=$GRAFANA_VERSION -X main.commit=$COMMIT -X main.buildBranch=main -X main.buildstamp=$(date +%s)" \
  -o "$BIN.tmp" ./pkg/cmd/grafana 2>&1 \
  | awk '/^#| / { print; fflush(); next } { n++; if (n % 200 == 0) { printf "[grafana-build] compiled %d packages\n", n; fflush() } }'
then
  die "go build failed (see $LOG)"
fi
mv "$BIN.tmp" "$BIN"

log "built: $("$BIN" -v)"
printf '%s\n' "$STAMP_WANT" > "$STAMP"
log "done in $((SECONDS - START)) s: $BIN (homepath $SRC)"
echo "$BIN"
