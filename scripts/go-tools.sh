# Sourced by the install-*.sh scripts: builds pinned upstream tools from their Go modules
# (through the Go module proxy) into the project's tool cache, outside any clone:
#   ${LINSTOR_CSI_CACHE:-/var/cache/linstor-csi}/go-tools/<name>/<version>/<name>
# and links them into .tools/bin (gitignored), where the tests look. A second run, or a fresh
# clone on the same machine, only re-links. Builds of the same tool by concurrent runs are
# serialised with a lock; a binary appears in the cache only once fully built.
# shellcheck shell=bash

GO_TOOLS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GO_TOOLS_BIN="$GO_TOOLS_ROOT/.tools/bin"
GO_TOOLS_CACHE="${LINSTOR_CSI_CACHE:-/var/cache/linstor-csi}/go-tools"
mkdir -p "$GO_TOOLS_BIN" "$GO_TOOLS_CACHE"
command -v go >/dev/null || { echo "${GO_TOOLS_TAG:-go-tools}: go is not on PATH (needs go >= 1.26)" >&2; exit 1; }

# GOTOOLCHAIN=local: never fetch another Go toolchain behind our back; the pins build with the
# local Go. CGO off gives static binaries, as the upstream releases are.
export GOTOOLCHAIN=local CGO_ENABLED=0

# The module version recorded in a Go binary's build info ("" when absent or unreadable).
installed_version() {
  local file="$1" module="$2"
  [[ -x "$file" ]] || return 0
  go version -m "$file" 2>/dev/null | awk -v m="$module" '($1 == "mod" || $1 == "dep") && $2 == m { print $3; exit }'
}

# cached_path NAME VERSION: where the cache keeps that build.
cached_path() { echo "$GO_TOOLS_CACHE/$1/$2/$1"; }

# link_tool NAME VERSION: points .tools/bin/NAME at the cached build.
link_tool() {
  ln -sfn "$(cached_path "$1" "$2")" "$GO_TOOLS_BIN/$1"
}

# with_lock KEY CMD...: runs CMD holding an exclusive lock on the cache entry KEY.
with_lock() {
  local key="$1"; shift
  mkdir -p "$GO_TOOLS_CACHE/.locks"
  (
    flock 9
    "$@"
  ) 9>"$GO_TOOLS_CACHE/.locks/$key.lock"
}

# install_tool NAME MODULE PACKAGE VERSION: a tool `go install` can build directly.
install_tool() {
  local name="$1" module="$2" pkg="$3" version="$4" tag="${GO_TOOLS_TAG:-go-tools}" dest have
  dest="$(cached_path "$name" "$version")"
  if [[ "$(installed_version "$dest" "$module")" != "$version" ]]; then
    with_lock "$name" _install_tool "$@"
  else
    echo "$tag: $name $version cached in $(dirname "$dest")"
  fi
  have="$(installed_version "$dest" "$module")"
  if [[ "$have" != "$version" ]]; then
    echo "$tag: $name reports module version '${have}', expected $version" >&2
    exit 1
  fi
  link_tool "$name" "$version"
}

_install_tool() {
  local name="$1" module="$2" pkg="$3" version="$4" tag="${GO_TOOLS_TAG:-go-tools}" dest tmp start
  dest="$(cached_path "$name" "$version")"
  # Another run may have built it while we waited for the lock.
  [[ "$(installed_version "$dest" "$module")" == "$version" ]] && return 0
  echo "$tag: building $name $version into the cache (first time on this machine)"
  start=$SECONDS
  tmp="$(mktemp -d "$GO_TOOLS_CACHE/.build-XXXXXX")"
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install -trimpath "$pkg@$version"
  mkdir -p "$(dirname "$dest")"
  mv -f "$tmp/$name" "$dest"
  rm -rf "$tmp"
  echo "$tag: built $name $version in $((SECONDS - start)) s"
}

# The replace directives of a go.mod (stdin), one "old => new" per line, block or single form.
replace_lines() {
  awk '
    /^replace[ \t]*\(/ { inblock = 1; next }
    inblock && /^\)/   { inblock = 0; next }
    inblock            { sub(/\/\/.*/, ""); if ($0 ~ /=>/) print; next }
    /^replace[ \t]/    { sub(/^replace[ \t]+/, ""); sub(/\/\/.*/, ""); print }
  '
}

# Whether a module path can carry a version (v2+ needs the /vN suffix).
path_fits_version() {
  local major="${2#v}"
  major="${major%%.*}"
  [[ "$major" -lt 2 || "$1" == */v"$major" ]]
}

# build_wrapped NAMES MODULE VERSION LOCAL_VERSION LDFLAGS PACKAGE...
# For modules whose own go.mod carries replace directives (so `go install mod@v` refuses
# them): builds PACKAGEs inside a throwaway wrapper module that requires MODULE@VERSION, keeps
# its remote replace lines and points each local one (`=> ./staging/...`, `=> ../api`) at the
# published module of the same path at LOCAL_VERSION. NAMES is a space-separated list of the
# binaries the packages produce (the last element of each package path).
build_wrapped() {
  local names="$1" module="$2" version="$3" tag="${GO_TOOLS_TAG:-go-tools}" n missing=()
  for n in $names; do
    [[ -x "$(cached_path "$n" "$version")" ]] || missing+=("$n")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    with_lock "$(echo "$module" | tr '/' '_')@$version" _build_wrapped "$@"
  else
    echo "$tag: $names $version cached in $GO_TOOLS_CACHE"
  fi
  for n in $names; do
    [[ -x "$(cached_path "$n" "$version")" ]] || { echo "$tag: $n $version missing after build" >&2; exit 1; }
    link_tool "$n" "$version"
  done
}

_build_wrapped() {
  local names="$1" module="$2" version="$3" localver="$4" ldflags="$5"
  shift 5
  local tag="${GO_TOOLS_TAG:-go-tools}" n all=1 work gomod goversion start
  for n in $names; do [[ -x "$(cached_path "$n" "$version")" ]] || all=0; done
  [[ $all = 1 ]] && return 0
  echo "$tag: building $names $version into the cache (first time on this machine)"
  start=$SECONDS
  work="$(mktemp -d "$GO_TOOLS_CACHE/.build-XXXXXX")"
  # Runs in with_lock's subshell: a failed build leaves no work dir behind.
  trap "rm -rf '$work'" EXIT
  goversion="$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')"
  gomod="$(cd "$work" && GOFLAGS= go mod download -json "$module@$version" | awk -F'"' '$2 == "GoMod" { print $4 }')"
  [[ -f "$gomod" ]] || { echo "$tag: could not download $module@$version" >&2; exit 1; }
  {
    echo "module linstor-csi.invalid/wrap"
    echo
    echo "go $goversion"
    echo
    echo "require $module $version"
    echo
    replace_lines <"$gomod" | while read -r old arrow new rest; do
      [[ "$arrow" == "=>" ]] || continue
      case "$new" in
        # Guards against imports that must never happen (etcd's FORBIDDEN_DEPENDENCY): not ours.
        *FORBIDDEN*) ;;
        ./*|../*) path_fits_version "$old" "$localver" && echo "replace ${old} => ${old} $localver" ;;
        *) echo "replace ${old} => ${new}${rest:+ $rest}" ;;
      esac
    done
  } >"$work/go.mod"
  # One package: named as asked (a module root such as etcd's .../server/v3 would build "server").
  local out="$work/out/"
  [[ $# -eq 1 ]] && out="$work/out/$names"
  mkdir -p "$work/out"
  (cd "$work" && GOFLAGS=-buildvcs=false go build -mod=mod -trimpath -ldflags "$ldflags" -o "$out" "$@")
  for n in $names; do
    mkdir -p "$(dirname "$(cached_path "$n" "$version")")"
    mv -f "$work/out/$n" "$(cached_path "$n" "$version")"
  done
  rm -rf "$work"
  echo "$tag: built $names $version in $((SECONDS - start)) s"
}

# module_dir MODULE VERSION: the module's extracted source in the Go module cache.
module_dir() {
  (cd "$GO_TOOLS_CACHE" && GOFLAGS= go mod download -json "$1@$2" | awk -F'"' '$2 == "Dir" { print $4 }')
}
