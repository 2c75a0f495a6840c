#!/usr/bin/env bash
# Installs the pinned helm and kustomize that test/deploy renders with, into .tools/bin,
# built from their Go modules through the Go module proxy.
# Usage: scripts/install-deploy-tools.sh        (needs go >= 1.26 on PATH)
set -euo pipefail
GO_TOOLS_TAG=install-deploy-tools
# shellcheck source=scripts/go-tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh"

HELM_MODULE=helm.sh/helm/v3
HELM_VERSION=v3.22.0
KUSTOMIZE_MODULE=sigs.k8s.io/kustomize/kustomize/v5
KUSTOMIZE_VERSION=v5.8.2

install_tool helm "$HELM_MODULE" "$HELM_MODULE/cmd/helm" "$HELM_VERSION"
install_tool kustomize "$KUSTOMIZE_MODULE" "$KUSTOMIZE_MODULE" "$KUSTOMIZE_VERSION"

"$GO_TOOLS_BIN/helm" version --short
"$GO_TOOLS_BIN/kustomize" version
