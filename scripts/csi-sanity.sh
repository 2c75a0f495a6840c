#!/usr/bin/env bash
# Runs the official CSI conformance suite (csi-sanity, kubernetes-csi/csi-test v5, installed by
# scripts/install-csi-sanity.sh) against `linstor-csi dev`: once for the mount access type and
# once for the block access type, with volume parameters that go through real placement on the
# emulated cluster. JUnit reports land in reports/csi-sanity-<mode>.xml, the driver's log in
# reports/csi-sanity-dev.log. Exits non-zero when any spec fails or a run cannot start.
#
# Usage: scripts/csi-sanity.sh [mount|block ...]     (root: loop devices and mounts)
# Env:   CSI_SANITY_FOCUS=regex  run only matching specs (passed as -ginkgo.focus)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sanity="$root/.tools/bin/csi-sanity"
modes=("$@")
[[ ${#modes[@]} -gt 0 ]] || modes=(mount block)
for m in "${modes[@]}"; do
  [[ "$m" == mount || "$m" == block ]] || { echo "csi-sanity.sh: unknown access type '$m' (mount or block)" >&2; exit 2; }
done

if [[ ! -x "$sanity" ]]; then
  echo "csi-sanity.sh: FAILED: $sanity is not installed." >&2
  echo "csi-sanity.sh: install it with:  bash scripts/install-csi-sanity.sh   (needs go >= 1.26)" >&2
  exit 1
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "csi-sanity.sh: FAILED: must run as root (the emulator attaches loop devices, the node service mounts)" >&2
  exit 1
fi

# Sizes: small, so dozens of replicated volumes fit, and mkfs stays quick.
VOLUME_SIZE=$((64 * 1024 * 1024))
EXPAND_SIZE=$((128 * 1024 * 1024))
# Low enough that the attach-limit spec creates only a few volumes.
MAX_VOLUMES_PER_NODE=3

mkdir -p "$root/reports"
work="$(mktemp -d /tmp/lcsi-sanity.XXXXXX)"
sock="$work/csi.sock"
# The driver acts only beneath its --kubelet-dir: csi-sanity's staging and target dirs live there.
kubelet="$work/kubelet"
devlog="$root/reports/csi-sanity-dev.log"
dev_pid=""

stop_dev() {
  [[ -n "$dev_pid" ]] || return 0
  if kill -0 "$dev_pid" 2>/dev/null; then
    kill -TERM "$dev_pid"
    for _ in $(seq 1 300); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$dev_pid" 2>/dev/null; then
      echo "csi-sanity.sh: linstor-csi dev did not stop within 30s; killing it" >&2
      kill -KILL "$dev_pid" 2>/dev/null
    fi
  fi
  wait "$dev_pid" 2>/dev/null
  dev_pid=""
}
cleanup() {
  stop_dev
  # Anything a failed spec left mounted under the work dir, then the dir itself.
  if findmnt -rn -o TARGET | grep -q "^$work/"; then
    findmnt -rn -o TARGET | grep "^$work/" | sort -r | while read -r t; do umount -l "$t" 2>/dev/null; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "csi-sanity.sh: $("$sanity" -version) ($sanity)"
echo "csi-sanity.sh: starting linstor-csi dev in $work (log: ${devlog#"$root"/})"
# The TypeScript sources by default (a dist/ left from an older build must not be what is tested);
# LINSTOR_CSI_FROM_SOURCE=0 tests the compiled build instead.
LINSTOR_CSI_FROM_SOURCE="${LINSTOR_CSI_FROM_SOURCE:-1}" node "$root/bin/linstor-csi.js" dev \
  --state-dir "$work/state" \
  --csi-endpoint "unix://$sock" \
  --kubelet-dir "$kubelet" \
  --node node-a \
  --pool-size 200GiB \
  --max-volumes-per-node "$MAX_VOLUMES_PER_NODE" \
  --log-format json --log-level "${CSI_SANITY_LOG_LEVEL:-info}" \
  >"$work/dev.out" 2>"$devlog" &
dev_pid=$!

for _ in $(seq 1 300); do
  [[ -S "$sock" ]] && grep -q 'ready' "$work/dev.out" 2>/dev/null && break
  if ! kill -0 "$dev_pid" 2>/dev/null; then
    echo "csi-sanity.sh: FAILED: linstor-csi dev exited before serving:" >&2
    cat "$work/dev.out" >&2; tail -n 30 "$devlog" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ ! -S "$sock" ]]; then
  echo "csi-sanity.sh: FAILED: no socket at $sock after 30s" >&2
  tail -n 30 "$devlog" >&2
  exit 1
fi
sed 's/^/  /' "$work/dev.out"

status=0
for mode in "${modes[@]}"; do
  mkdir -p "$kubelet/$mode"
  report="$root/reports/csi-sanity-$mode.xml"
  args=(
    -csi.endpoint "unix://$sock"
    -csi.stagingdir "$kubelet/$mode/staging"
    -csi.mountdir "$kubelet/$mode/target"
    -csi.testvolumeaccesstype "$mode"
    -csi.testvolumeparameters "$root/test/sanity/params-volume.yaml"
    -csi.testvolumemutableparameters "$root/test/sanity/params-mutable.yaml"
    -csi.testvolumesize "$VOLUME_SIZE"
    -csi.testvolumeexpandsize "$EXPAND_SIZE"
    -csi.testnodevolumeattachlimit
    -ginkgo.junit-report "$report"
    -ginkgo.no-color
  )
  [[ -n "${CSI_SANITY_FOCUS:-}" ]] && args+=(-ginkgo.focus "$CSI_SANITY_FOCUS")
  [[ -n "${CSI_SANITY_VERBOSE:-}" ]] && args+=(-ginkgo.v)
  echo
  echo "== csi-sanity: access type $mode (report: ${report#"$root"/})"
  "$sanity" "${args[@]}"
  rc=$?
  echo "== csi-sanity: access type $mode: exit $rc"
  [[ $rc -eq 0 ]] || status=1
  if ! kill -0 "$dev_pid" 2>/dev/null; then
    echo "csi-sanity.sh: FAILED: linstor-csi dev died during the $mode run" >&2
    tail -n 30 "$devlog" >&2
    exit 1
  fi
done

stop_dev
if grep -q 'stopped (sockets removed, loop devices detached)' "$work/dev.out"; then
  echo "csi-sanity.sh: linstor-csi dev stopped cleanly"
else
  echo "csi-sanity.sh: FAILED: linstor-csi dev did not report a clean stop" >&2
  status=1
fi
[[ -S "$sock" ]] && { echo "csi-sanity.sh: FAILED: socket $sock left behind" >&2; status=1; }
exit "$status"
