#!/usr/bin/env bash
# Packs what test/gpu/run.sh needs on a machine with nothing installed into .gpu/ (ignored by git): Node 24,
# onnxruntime-node (its library xz-compressed), the Vulkan loader and the models the check runs. The device
# tool carries at most 64 MiB with the tree; this comes to about 52 MB. Run after setup (the models exist).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
rm -rf "$out" && mkdir -p "$out/ort" "$out/models" "$out/debs"
xz -T0 -6 -c "$(bash deploy/local/node.sh --path)" >"$out/node.xz"
# onnxruntime-node's JavaScript and its Linux x64 binding only (the package holds every platform's: 288 MB).
mkdir -p "$out/ort/onnxruntime-node" "$out/ort/onnxruntime-common"
cp -r node_modules/onnxruntime-common/package.json node_modules/onnxruntime-common/dist "$out/ort/onnxruntime-common/"
cp -r node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist "$out/ort/onnxruntime-node/"
binding_dir=$(cd node_modules/onnxruntime-node && ls -d bin/napi-v*/linux/x64)
mkdir -p "$out/ort/onnxruntime-node/$binding_dir"
cp "node_modules/onnxruntime-node/$binding_dir/onnxruntime_binding.node" "$out/ort/onnxruntime-node/$binding_dir/"
xz -T0 -6 -c "node_modules/onnxruntime-node/$binding_dir/libonnxruntime.so.1" >"$out/ort/libonnxruntime.so.1.xz"
echo "$binding_dir/libonnxruntime.so.1" >"$out/ort/libonnxruntime.path"
for model in realesr-general-x4v3 realesr-animevideov3 esrgan-slim; do
  mkdir -p "$out/models/$model" && cp "models/$model/x4.onnx" "$out/models/$model/"
done
(cd "$out/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "[gpu] no libvulkan1 .deb (apt-get update first?)" >&2
du -sh "$out"
