#!/usr/bin/env bash
# The GPU check, run where test/gpu/pack.sh's .gpu/ was carried (the device machine: run it with carry
# [".gpu"] and a timeout of a few minutes), or here on lavapipe. Writes webgpu-check.json to $OUT.
# Usage: bash test/gpu/run.sh [side]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
# The Vulkan loader, where the machine has none; NVIDIA's driver brings the device itself.
if ! ldconfig -p | grep -q libvulkan.so.1; then
  for deb in .gpu/debs/*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$nvidia_icd" ] && export VK_DRIVER_FILES="$nvidia_icd"
xz -dc .gpu/node.xz >"$work/node" && chmod +x "$work/node"
mkdir -p "$work/node_modules"
cp -r .gpu/ort/onnxruntime-node .gpu/ort/onnxruntime-common "$work/node_modules/"
xz -dc .gpu/ort/libonnxruntime.so.1.xz >"$work/node_modules/onnxruntime-node/$(cat .gpu/ort/libonnxruntime.path)"
cp test/gpu/webgpu-check.mjs "$work/"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$work/node" "$work/webgpu-check.mjs" "$PWD/.gpu/models" "${1:-256}"
