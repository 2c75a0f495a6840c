/** Volume condition from what the node sees (pure, unit-tested). */
import { HANDBOOK } from '../split-brain/detect.js';
import { deviceOf, hasUpToDateData, type DrbdResourceStatus } from '../node-ops/drbd-status.js';

export interface HealthInput {
  volumePath: string;
  /** Nothing mounted at the path (any more). */
  mounted: boolean;
  /** The filesystem itself went read-only (superblock `ro`) while the volume was staged read-write. */
  fsReadOnlyUnexpectedly: boolean;
  device: { readable: boolean; error?: string } | undefined;
  /** undefined: DRBD does not know the resource here; null: DRBD could not be asked. */
  drbd: DrbdResourceStatus | undefined | null;
  drbdError?: string;
  volume: number;
  /** This node's name, to say between which nodes a split brain is. */
  node?: string;
}

export interface Condition {
  abnormal: boolean;
  message: string;
}

export function volumeCondition(h: HealthInput): Condition {
  const problems: string[] = [];
  if (!h.mounted) problems.push(`nothing is mounted at ${h.volumePath} any more; restart the pod so kubelet publishes the volume again`);
  if (h.fsReadOnlyUnexpectedly) {
    problems.push('the filesystem went read-only although the volume is read-write (usually after I/O errors); check the kernel log, then restart the pod (a repair may need fsck)');
  }
  if (h.device && !h.device.readable) problems.push(`the device reports I/O errors (${h.device.error ?? 'read failed'}); check the backing disk and DRBD`);
  if (h.drbd === null) {
    problems.push(`DRBD state unknown (${h.drbdError ?? 'drbdsetup failed'}); check the DRBD kernel module and the LINSTOR satellite`);
  } else if (h.drbd === undefined) {
    problems.push('DRBD does not know this resource on this node; check the LINSTOR satellite (linstor resource list)');
  } else {
    const st = h.drbd;
    const dev = deviceOf(st, h.volume);
    if (!dev) problems.push(`DRBD has no volume ${h.volume} for ${st.name}`);
    else {
      if (!hasUpToDateData(st, h.volume)) {
        problems.push(
          dev.diskState === 'Diskless'
            ? 'this diskless node reaches no UpToDate peer; check the connections to the diskful nodes'
            : `the local DRBD disk is ${dev.diskState}, not UpToDate; wait for the resync or check the backing disk`,
        );
      }
      if (!dev.quorum) problems.push('DRBD lost quorum (I/O is suspended or fails); bring the peers back online');
    }
    const standalone = st.connections.filter((c) => c.connectionState === 'StandAlone').map((c) => c.name);
    if (standalone.length > 0) {
      problems.push(
        `DRBD connection to ${standalone.join(', ')} is StandAlone (split brain or refused connection): the replicas on ${h.node ?? 'this node'} and ${standalone.join(', ')} may hold different data; ` +
          `see ${HANDBOOK} ("linstor-csi split-brain show ${st.name}", then "linstor-csi split-brain resolve ${st.name} --keep NODE")`,
      );
    }
    if (st.suspended) problems.push('DRBD I/O is suspended; check quorum and fencing');
  }
  if (problems.length === 0) return { abnormal: false, message: 'volume is healthy: mounted, readable, DRBD UpToDate with quorum' };
  return { abnormal: true, message: problems.join('; ') };
}
