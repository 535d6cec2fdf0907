#!/usr/bin/env bash
# Builds the real `helm` CLI from its Go module (no helm package exists for this machine), once, into
#   ${PIXELFORGE_CACHE:-$HOME/.cache/pixelforge}/helm/<version>/helm
# for the chart test (test/controller-chart.test.ts). About two minutes cold; instant when built.
set -euo pipefail
version=${HELM_VERSION:-v3.19.2}
out="${PIXELFORGE_CACHE:-$HOME/.cache/pixelforge}/helm/$version"
[ -x "$out/helm" ] && exit 0
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$go" ] || { echo "[helm] Go is needed to build helm (not found)" >&2; exit 1; }
mkdir -p "$out"
exec 9>"$out/.build.lock"
flock 9
[ -x "$out/helm" ] && exit 0
echo "[helm] building helm $version from helm.sh/helm/v3 (cold builds take a couple of minutes)" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOBIN="$tmp" "$go" install -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version" \
  "helm.sh/helm/v3/cmd/helm@$version"
mv -f "$tmp/helm" "$out/helm"
