#!/usr/bin/env bash
# Builds the binaries the Kubernetes test harness runs (test/support/kube-apiserver.ts, test/support/cluster.ts)
# from their Go modules, once, into a cache outside the repository:
#   ${PIXELFORGE_CACHE:-$HOME/.cache/pixelforge}/kube/<k8s-version>-<etcd-version>/
#     {etcd,kube-apiserver,kube-controller-manager,kube-scheduler}
# Versions come from the wrapper modules' go.mod files (kubernetes/, etcd/); bump them there, then
# `go mod tidy` in that folder. Needs only Go and the module proxy. Idempotent: returns at once when built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

log() { printf '[kube] %s\n' "$*" >&2; }

# The version a wrapper module requires, read from go.mod without running go (keeps the warm path instant).
required_version() { # required_version <go.mod> <module path>
  awk -v mod="$2" '$1 == "require" && $2 == mod { print $3; exit } $1 == mod && $2 ~ /^v/ { print $2; exit }' "$1"
}

k8s_version=$(required_version "$here/kubernetes/go.mod" k8s.io/kubernetes)
etcd_version=$(required_version "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)
[ -n "$k8s_version" ] && [ -n "$etcd_version" ] || { log "cannot read versions from the wrapper go.mod files"; exit 1; }
out="${PIXELFORGE_CACHE:-$HOME/.cache/pixelforge}/kube/${k8s_version}-${etcd_version}"

binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler)
built() {
  local name
  for name in "${binaries[@]}"; do [ -x "$out/$name" ] || return 1; done
}
if built; then exit 0; fi

go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$go" ] || { log "Go is needed to build etcd and the Kubernetes control plane (not found on PATH or at /usr/local/go/bin/go)"; exit 1; }

mkdir -p "$out"
# Two concurrent runs (e.g. parallel ensure.sh) would each spend many CPU-minutes on the same build.
exec 9>"$out/.build.lock"
flock 9
if built; then exit 0; fi

build() { # build <package dir> <binary name> [ldflags…]
  local dir=$1 name=$2 start=$SECONDS
  shift 2
  log "building $name (cold builds take several minutes; module downloads are cached by Go)"
  # Build to a temporary name so an interrupted build never leaves a binary that looks complete.
  (cd "$here/$dir" && CGO_ENABLED=0 "$go" build -mod=readonly -trimpath -ldflags="-s -w $*" -o "$out/.$name.tmp" .)
  mv -f "$out/.$name.tmp" "$out/$name"
  log "built $name in $((SECONDS - start))s"
}

[ -x "$out/etcd" ] || build etcd etcd
# What upstream's hack/lib/version.sh stamps, so /version reports the real release instead of v0.0.0.
minor=${k8s_version#v*.}
minor=${minor%%.*}
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
for name in kube-apiserver kube-controller-manager kube-scheduler; do
  [ -x "$out/$name" ] || build "kubernetes/$name" "$name" "$stamp"
done
log "binaries ready in $out"
