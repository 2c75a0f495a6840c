/**
 * Reading LINSTOR snapshots the way the Go driver does: ready = definition flag SUCCESSFUL,
 * failed = FAILED_DEPLOYMENT/FAILED_DISCONNECT, creation time = the node snapshots'
 * create_timestamp, size = volume 0's size.
 */
import type { Snapshot as CsiSnapshot } from '../../csi/types.js';
import type { Snapshot } from '../../linstor/types.js';
import { formatSnapshotId } from './ids.js';
import { PROP_GROUP_SNAPSHOT, PROP_TEMPORARY } from './props.js';

export type SnapshotState = 'ready' | 'failed' | 'deleting' | 'pending';

export function snapshotState(s: Snapshot): SnapshotState {
  const flags = s.flags ?? [];
  if (flags.includes('DELETE')) return 'deleting';
  if (flags.includes('FAILED_DEPLOYMENT') || flags.includes('FAILED_DISCONNECT')) return 'failed';
  if (flags.includes('SUCCESSFUL')) return 'ready';
  return 'pending';
}

/** Size of volume 0 in KiB (0 when LINSTOR reports none). */
export function snapshotSizeKiB(s: Snapshot): bigint {
  const vds = s.volume_definitions ?? [];
  const vd = vds.find((v) => v.volume_number === 0) ?? vds[0];
  return BigInt(vd?.size_kib ?? 0);
}

/** Earliest node snapshot timestamp (ms), or undefined (LINSTOR omits it on failed snapshots). */
export function snapshotCreatedMs(s: Snapshot): number | undefined {
  const ts = (s.snapshots ?? []).map((n) => n.create_timestamp).filter((t): t is number => typeof t === 'number' && t > 0);
  return ts.length > 0 ? Math.min(...ts) : undefined;
}

export function snapshotProps(s: Snapshot): Record<string, string> {
  return s.snapshot_definition_props ?? s.props ?? {};
}

export function groupOf(s: Snapshot): string {
  return snapshotProps(s)[PROP_GROUP_SNAPSHOT] ?? '';
}

export function isTemporary(s: Snapshot): boolean {
  return snapshotProps(s)[PROP_TEMPORARY] !== undefined;
}

export function timestamp(ms: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function snapshotIdOf(s: Snapshot): string {
  return formatSnapshotId(s.resource_name, s.name);
}

/** The CSI view. `nowMs` stands in for a creation time LINSTOR has not reported yet. */
export function toCsiSnapshot(s: Snapshot, nowMs: number): CsiSnapshot {
  const created = snapshotCreatedMs(s);
  return {
    snapshot_id: snapshotIdOf(s),
    source_volume_id: s.resource_name,
    size_bytes: (snapshotSizeKiB(s) * 1024n).toString(),
    creation_time: timestamp(created ?? nowMs),
    ready_to_use: snapshotState(s) === 'ready',
    group_snapshot_id: groupOf(s),
  };
}

export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
