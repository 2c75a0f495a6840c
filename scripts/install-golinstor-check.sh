#!/usr/bin/env bash
# Builds test/golinstor (golinstor-check: the suite's real Go LINSTOR client, golinstor pinned in
# test/golinstor/go.mod, fetched through the Go module proxy) into the project-owned cache
# ${LINSTOR_CSI_CACHE:-/var/cache/linstor-csi}/golinstor-check/. Idempotent: the build is kept
# while the stamp beside it matches the hash of the program's sources (go.mod, go.sum, *.go).
# Usage: scripts/install-golinstor-check.sh [--print-path]      (needs go >= 1.25 on PATH)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/test/golinstor"
out="${LINSTOR_CSI_CACHE:-/var/cache/linstor-csi}/golinstor-check"
bin="$out/golinstor-check"

if [[ "${1:-}" == "--print-path" ]]; then echo "$bin"; exit 0; fi
[[ $# -eq 0 ]] || { echo "install-golinstor-check: unknown argument $1 (use --print-path)" >&2; exit 2; }
command -v go >/dev/null || { echo "install-golinstor-check: go is not on PATH" >&2; exit 1; }

# The same hash test/helpers/golinstor.ts computes: each file's name, a newline, its bytes.
source_hash() {
  (cd "$src" && for f in $(ls go.mod go.sum ./*.go | sed 's#^\./##' | LC_ALL=C sort); do printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -d' ' -f1
}

want="$(source_hash)"
if [[ -x "$bin" && -f "$out/stamp" && "$(cat "$out/stamp")" == "$want" ]]; then
  echo "install-golinstor-check: $bin is up to date"
  exit 0
fi
echo "install-golinstor-check: building $bin"
mkdir -p "$out"
# GOTOOLCHAIN=local: never fetch another Go toolchain; CGO off: a static binary; -mod=readonly:
# go.sum must already pin every module.
(cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS='-buildvcs=false -mod=readonly' \
  nice -n 10 go build -trimpath -o "$bin.tmp" .)
mv -f "$bin.tmp" "$bin"
printf '%s' "$want" > "$out/stamp"
"$bin" -h 2>&1 | head -1 || true
echo "install-golinstor-check: built $bin"
