#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) for linstor-csi: Node.js 24 (into .tools/node when the
# machine's own node is older), the node's Linux tools, the npm packages and a build. With --test-tools it also installs what the test suites need:
# python-linstor, and the pinned upstream tools built with Go (csi-sanity, golinstor-check, helm,
# kustomize, and for test/k8s etcd, kube-apiserver, kube-controller-manager, kubectl and the CSI
# sidecars), kept in ${LINSTOR_CSI_CACHE:-/var/cache/linstor-csi} so later runs and fresh clones
# on the machine reuse them.
# Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

test_tools=0
for a in "$@"; do
  case "$a" in
    --test-tools) test_tools=1 ;;
    *) echo "setup.sh: unknown option $a (use --test-tools)" >&2; exit 2 ;;
  esac
done

say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root: the node plugin and its tests use loop devices, mkfs and mount" >&2
  exit 1
fi

# Node.js 24 LTS. The registry package node-linux-<arch> ships the official binary; npm fetches
# and checks it like any package. Kept in .tools/node (gitignored) and in the project cache, so
# a fresh clone on this machine copies it instead of downloading it again.
NODE_VERSION=24.21.0
CACHE="${LINSTOR_CSI_CACHE:-/var/cache/linstor-csi}"
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
install_node() {
  local arch cached tmp
  case "$(uname -m)" in
    x86_64) arch=x64 ;; aarch64) arch=arm64 ;;
    *) echo "setup.sh: no Node.js $NODE_VERSION package for $(uname -m); install Node.js 24 yourself" >&2; exit 1 ;;
  esac
  cached="$CACHE/node-linux-$arch-$NODE_VERSION/node"
  if [ "$(node_major "$cached")" != 24 ]; then
    command -v npm >/dev/null || { echo "setup.sh: npm is needed to fetch Node.js $NODE_VERSION (install any Node.js with npm first)" >&2; exit 1; }
    tmp="$(mktemp -d)"
    npm pack --silent --pack-destination "$tmp" "node-linux-$arch@$NODE_VERSION" >/dev/null
    tar -xzf "$tmp/node-linux-$arch-$NODE_VERSION.tgz" -C "$tmp" package/bin/node
    mkdir -p "$(dirname "$cached")"
    mv "$tmp/package/bin/node" "$cached"
    rm -rf "$tmp"
  fi
  mkdir -p .tools/node/bin
  cp "$cached" .tools/node/bin/node.tmp && mv .tools/node/bin/node.tmp .tools/node/bin/node
}

if [ "$(node_major node)" -lt 24 ]; then
  if [ "$(.tools/node/bin/node --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    say "Node.js $NODE_VERSION into .tools/node (this machine's node: $(node --version 2>/dev/null || echo none))"
    install_node
  fi
  # npm (whichever is installed) runs on the first node on PATH: Node 24 from here on.
  export PATH="$PWD/.tools/node/bin:$PATH"
  node_note="Node.js $NODE_VERSION is in .tools/node/bin (the README commands use it by themselves); for other commands in this shell: export PATH=\"$PWD/.tools/node/bin:\$PATH\""
fi

pkgs=(util-linux e2fsprogs xfsprogs drbd-utils openssl python3)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

say "npm ci"
npm ci --no-audit --no-fund --loglevel=error

say "npm run build"
npm run build --silent

if [ "$test_tools" = 1 ]; then
  say "python-linstor (the LINSTOR python API the emulator is checked against)"
  python3 -c 'import linstor' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'python-linstor==1.29.1'
  say "csi-sanity (kubernetes-csi/csi-test)"
  bash scripts/install-csi-sanity.sh
  say "golinstor-check (the Go LINSTOR client golinstor, driving the emulator in the tests)"
  bash scripts/install-golinstor-check.sh
  say "helm and kustomize"
  bash scripts/install-deploy-tools.sh
  say "etcd, kube-apiserver, kube-controller-manager, kubectl and the CSI sidecars (first time: ~25 min)"
  bash scripts/install-k8s-tools.sh
fi
say "setup done (node $(node --version))"
[ -z "${node_note:-}" ] || echo "$node_note"
