#!/usr/bin/env bash
# check-package.sh ZIP: structural checks of the plugin zip Grafana installs, covering what Grafana's
# plugin validator checks for archive layout, metadata and backend binaries. (The validator itself
# cannot be built here: the Go module proxy refuses several of its dependencies; see README.)
set -euo pipefail
zip=${1:?usage: check-package.sh ZIP}
id=dte-trust-datasource
exe=gpx_dte_trust
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "check-package: ERROR: $*" >&2; fail=1; }

unzip -q "$zip" -d "$tmp"
tops=$(ls "$tmp")
[ "$tops" = "$id" ] || err "the zip must hold exactly one top folder named $id, found: $tops"
root="$tmp/$id"
pj="$root/plugin.json"
[ -f "$pj" ] || { err "plugin.json missing"; exit 1; }
jq -e . "$pj" >/dev/null || err "plugin.json is not valid JSON"
[ "$(jq -r .id "$pj")" = "$id" ] || err "plugin.json id is not $id"
[ "$(jq -r .type "$pj")" = datasource ] || err "plugin.json type is not datasource"
for k in backend alerting metrics annotations; do
  [ "$(jq -r ".$k" "$pj")" = true ] || err "plugin.json $k must be true"
done
[ "$(jq -r .executable "$pj")" = "$exe" ] || err "plugin.json executable must be $exe"
version=$(jq -r .info.version "$pj")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || err "info.version not substituted: $version"
[[ $(jq -r .info.updated "$pj") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || err "info.updated not substituted"
jq -e '.dependencies.grafanaDependency | test("^>=")' "$pj" >/dev/null || err "grafanaDependency missing"
for logo in $(jq -r '.info.logos[]' "$pj"); do
  [ -f "$root/$logo" ] || err "logo $logo missing"
done
for inc in $(jq -r '.includes[]? | select(.type=="dashboard") | .path' "$pj"); do
  [ -f "$root/$inc" ] || { err "included dashboard $inc missing"; continue; }
  jq -e '.uid and .title and (.panels | length > 0)' "$root/$inc" >/dev/null || err "dashboard $inc lacks uid, title or panels"
done
[ -f "$root/module.js" ] || err "module.js missing"
[ -f "$root/README.md" ] || err "README.md missing"
[ -f "$root/LICENSE" ] || err "LICENSE missing"
[ -f "$root/CHANGELOG.md" ] || err "CHANGELOG.md missing"
[ ! -e "$root/MANIFEST.txt" ] || err "stale MANIFEST.txt: an unsigned dev build must not carry one"
for plat in linux_amd64 linux_arm64 darwin_arm64 windows_amd64.exe; do
  bin="$root/${exe}_$plat"
  if [ ! -f "$bin" ]; then err "backend binary ${exe}_$plat missing"; continue; fi
  perm=$(stat -c %a "$bin")
  [ "$perm" = 755 ] || err "${exe}_$plat has mode $perm, want 755"
done
if [ -f "$root/${exe}_linux_amd64" ]; then
  file "$root/${exe}_linux_amd64" 2>/dev/null | grep -q 'ELF 64-bit.*x86-64' || err "${exe}_linux_amd64 is not an x86-64 ELF binary"
fi
if grep -rqs '@grafana/toolkit' "$root"; then err "bundle references the deprecated @grafana/toolkit"; fi
[ $fail = 0 ] && echo "check-package: $zip OK (version $version, $(unzip -l "$zip" | tail -1 | awk '{print $2}') files)"
exit $fail
