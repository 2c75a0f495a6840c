#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) for linstor-csi: the node's Linux tools, the npm
# packages and a build. With --test-tools it also installs what the test suites need:
# python-linstor, and the pinned upstream tools built with Go (csi-sanity, helm, kustomize, and
# for test/k8s etcd, kube-apiserver, kube-controller-manager, kubectl and the CSI sidecars),
# kept in ${LINSTOR_CSI_CACHE:-/var/cache/linstor-csi} so later runs and fresh clones reuse them.
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
  say "helm and kustomize"
  bash scripts/install-deploy-tools.sh
  say "etcd, kube-apiserver, kube-controller-manager, kubectl and the CSI sidecars (first time: ~25 min)"
  bash scripts/install-k8s-tools.sh
fi
say "setup done"
