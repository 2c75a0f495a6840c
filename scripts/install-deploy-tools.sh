#!/usr/bin/env bash
# Installs the pinned helm and kustomize that test/deploy renders with, into .tools/bin
# (gitignored), built from their Go modules through the Go module proxy.
# Idempotent: a binary whose embedded module version already matches the pin is kept.
# Usage: scripts/install-deploy-tools.sh        (needs go >= 1.26 on PATH)
set -euo pipefail

HELM_MODULE=helm.sh/helm/v3
HELM_VERSION=v3.22.0
KUSTOMIZE_MODULE=sigs.k8s.io/kustomize/kustomize/v5
KUSTOMIZE_VERSION=v5.8.2

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"

command -v go >/dev/null || { echo "install-deploy-tools: go is not on PATH" >&2; exit 1; }

# The module version recorded in a Go binary's build info ("" when absent or unreadable).
installed_version() {
  local file="$1" module="$2"
  [[ -x "$file" ]] || return 0
  go version -m "$file" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

install_tool() {
  local name="$1" module="$2" pkg="$3" version="$4"
  local have
  have="$(installed_version "$bin/$name" "$module")"
  if [[ "$have" == "$version" ]]; then
    echo "install-deploy-tools: $name $version already installed"
    return 0
  fi
  echo "install-deploy-tools: installing $name $version (${have:-none} present)"
  # GOTOOLCHAIN=local: never fetch another Go toolchain behind our back; the pins build with
  # the local Go. CGO off gives static binaries, as the upstream releases are.
  GOBIN="$bin" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go install -trimpath "$pkg@$version"
  have="$(installed_version "$bin/$name" "$module")"
  if [[ "$have" != "$version" ]]; then
    echo "install-deploy-tools: $name reports module version '${have}', expected $version" >&2
    exit 1
  fi
}

install_tool helm "$HELM_MODULE" "$HELM_MODULE/cmd/helm" "$HELM_VERSION"
install_tool kustomize "$KUSTOMIZE_MODULE" "$KUSTOMIZE_MODULE" "$KUSTOMIZE_VERSION"

"$bin/helm" version --short
"$bin/kustomize" version
