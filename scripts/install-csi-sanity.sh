#!/usr/bin/env bash
# Installs the pinned official CSI conformance suite, csi-sanity (kubernetes-csi/csi-test v5),
# into .tools/bin (gitignored), built with the local Go toolchain from its Go module.
# Idempotent: a binary whose embedded module version already matches the pin is kept.
# Usage: scripts/install-csi-sanity.sh        (needs go >= 1.25 on PATH)
set -euo pipefail

MODULE=github.com/kubernetes-csi/csi-test/v5
VERSION=v5.6.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"

command -v go >/dev/null || { echo "install-csi-sanity: go is not on PATH (needs go >= 1.25)" >&2; exit 1; }

installed_version() {
  local file="$1"
  [[ -x "$file" ]] || return 0
  go version -m "$file" 2>/dev/null | awk -v m="$MODULE" '$1 == "mod" && $2 == m { print $3 }'
}

have="$(installed_version "$bin/csi-sanity")"
if [[ "$have" == "$VERSION" ]]; then
  echo "install-csi-sanity: csi-sanity $VERSION already installed in $bin"
  exit 0
fi
echo "install-csi-sanity: installing csi-sanity $VERSION (${have:-none} present)"
# GOTOOLCHAIN=local: never download another Go toolchain behind our back.
GOBIN="$bin" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
  go install -trimpath "$MODULE/cmd/csi-sanity@$VERSION"
have="$(installed_version "$bin/csi-sanity")"
if [[ "$have" != "$VERSION" ]]; then
  echo "install-csi-sanity: csi-sanity reports module version '${have}', expected $VERSION" >&2
  exit 1
fi
"$bin/csi-sanity" -version
