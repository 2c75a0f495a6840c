# Sourced by the install-*.sh scripts: builds pinned upstream tools from their Go modules
# (through the Go module proxy) into .tools/bin (gitignored). Idempotent: a binary whose
# embedded module version already matches the pin is kept.
# shellcheck shell=bash

GO_TOOLS_BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin"
mkdir -p "$GO_TOOLS_BIN"
command -v go >/dev/null || { echo "${GO_TOOLS_TAG:-go-tools}: go is not on PATH (needs go >= 1.26)" >&2; exit 1; }

# The module version recorded in a Go binary's build info ("" when absent or unreadable).
installed_version() {
  local file="$1" module="$2"
  [[ -x "$file" ]] || return 0
  go version -m "$file" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

# install_tool NAME MODULE PACKAGE VERSION
install_tool() {
  local name="$1" module="$2" pkg="$3" version="$4" tag="${GO_TOOLS_TAG:-go-tools}" have
  have="$(installed_version "$GO_TOOLS_BIN/$name" "$module")"
  if [[ "$have" == "$version" ]]; then
    echo "$tag: $name $version already installed in $GO_TOOLS_BIN"
    return 0
  fi
  echo "$tag: installing $name $version (${have:-none} present)"
  # GOTOOLCHAIN=local: never fetch another Go toolchain behind our back; the pins build with
  # the local Go. CGO off gives static binaries, as the upstream releases are.
  GOBIN="$GO_TOOLS_BIN" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go install -trimpath "$pkg@$version"
  have="$(installed_version "$GO_TOOLS_BIN/$name" "$module")"
  if [[ "$have" != "$version" ]]; then
    echo "$tag: $name reports module version '${have}', expected $version" >&2
    exit 1
  fi
}
