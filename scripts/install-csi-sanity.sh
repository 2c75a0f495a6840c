#!/usr/bin/env bash
# Installs the pinned official CSI conformance suite, csi-sanity (kubernetes-csi/csi-test v5),
# into .tools/bin, built with the local Go toolchain from its Go module.
# Usage: scripts/install-csi-sanity.sh        (needs go >= 1.26 on PATH)
set -euo pipefail
GO_TOOLS_TAG=install-csi-sanity
# shellcheck source=scripts/go-tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh"

MODULE=github.com/kubernetes-csi/csi-test/v5
VERSION=v5.6.0

install_tool csi-sanity "$MODULE" "$MODULE/cmd/csi-sanity" "$VERSION"
"$GO_TOOLS_BIN/csi-sanity" -version
