#!/usr/bin/env bash
# Builds what test/k8s runs, pinned, from Go modules, into the project's tool cache, and links
# it into .tools/bin (see scripts/go-tools.sh):
#   - kube-apiserver, kube-controller-manager, kubectl (k8s.io/kubernetes),
#   - etcd (go.etcd.io/etcd/server/v3),
#   - the CSI sidecars at exactly the versions deploy/helm pins (csi-provisioner, csi-attacher,
#     csi-resizer, csi-snapshotter, snapshot-controller), and the VolumeSnapshot and
#     VolumeGroupSnapshot CRDs from external-snapshotter's client module (.tools/crds/snapshot)
#     and the snapshot-controller's RBAC from its main module (.tools/crds/snapshot-controller-rbac.yaml).
# From a cold Go cache this takes about 25 minutes on 2 cores; later runs reuse the cache.
# Usage: scripts/install-k8s-tools.sh        (needs go >= 1.26 on PATH)
set -euo pipefail
GO_TOOLS_TAG=install-k8s-tools
# shellcheck source=scripts/go-tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh"

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.6.16

# The sidecar pins are read from the chart, so the suite runs exactly what the chart deploys.
values="$GO_TOOLS_ROOT/deploy/helm/linstor-csi/values.yaml"
pin() {
  # The tag under sidecars.<key>.image in values.yaml.
  awk -v key="$1" '
    /^sidecars:/ { s = 1; next }
    s && /^[^ ]/ { s = 0 }
    s && $0 ~ "^  " key ":" { k = 1; next }
    k && /^  [^ ]/ { k = 0 }
    k && /tag:/ { gsub(/["'\'' ]/, "", $2); print $2; exit }
  ' "$values"
}

k8s_minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
staging="v0.${K8S_VERSION#v1.}"
k8s_ldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$k8s_minor -X $p.gitTreeState=clean"
done
build_wrapped "kube-apiserver kube-controller-manager kubectl" k8s.io/kubernetes "$K8S_VERSION" "$staging" \
  "$k8s_ldflags" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kubectl

build_wrapped etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" "" go.etcd.io/etcd/server/v3

sidecar() {
  # sidecar NAMES MODULE(without /vN) MAJOR VERSION PACKAGES(relative to the module)...
  local names="$1" repo="$2" major="$3" version="$4" module pkgs=()
  shift 4
  module="$repo/$major"
  for p in "$@"; do pkgs+=("$module/$p"); done
  build_wrapped "$names" "$module" "$version" "$version" "-X main.version=$version" "${pkgs[@]}"
}
for key in provisioner attacher resizer snapshotter; do
  [[ -n "$(pin "$key")" ]] || { echo "$GO_TOOLS_TAG: no sidecars.$key.image.tag in $values" >&2; exit 1; }
done
provisioner="$(pin provisioner)"; attacher="$(pin attacher)"; resizer="$(pin resizer)"
# snapshot-controller is the cluster's (the chart does not deploy it): the same release as the
# chart's csi-snapshotter, as the external-snapshotter project requires.
snapshotter="$(pin snapshotter)"
sidecar csi-provisioner github.com/kubernetes-csi/external-provisioner "${provisioner%%.*}" "$provisioner" cmd/csi-provisioner
sidecar csi-attacher github.com/kubernetes-csi/external-attacher "${attacher%%.*}" "$attacher" cmd/csi-attacher
sidecar csi-resizer github.com/kubernetes-csi/external-resizer "${resizer%%.*}" "$resizer" cmd/csi-resizer
sidecar "csi-snapshotter snapshot-controller" github.com/kubernetes-csi/external-snapshotter "${snapshotter%%.*}" \
  "$snapshotter" cmd/csi-snapshotter cmd/snapshot-controller

# The snapshot CRDs, from the client module of the same release.
crds="$GO_TOOLS_ROOT/.tools/crds/snapshot"
client_dir="$(module_dir "github.com/kubernetes-csi/external-snapshotter/client/${snapshotter%%.*}" "$snapshotter")"
rm -rf "$crds" && mkdir -p "$crds"
cp "$client_dir"/config/crd/groupsnapshot.storage.k8s.io_*.yaml "$client_dir"/config/crd/snapshot.storage.k8s.io_*.yaml "$crds/"
chmod -R u+w "$crds"
# The snapshot-controller's RBAC, from the same release (the suite runs it under that account).
main_dir="$(module_dir "github.com/kubernetes-csi/external-snapshotter/${snapshotter%%.*}" "$snapshotter")"
install -m 0644 "$main_dir/deploy/kubernetes/snapshot-controller/rbac-snapshot-controller.yaml" \
  "$GO_TOOLS_ROOT/.tools/crds/snapshot-controller-rbac.yaml"

for t in kube-apiserver kube-controller-manager etcd csi-provisioner csi-attacher csi-resizer csi-snapshotter snapshot-controller; do
  printf '%s: %s\n' "$t" "$(readlink "$GO_TOOLS_BIN/$t")"
done
"$GO_TOOLS_BIN/kubectl" version --client
