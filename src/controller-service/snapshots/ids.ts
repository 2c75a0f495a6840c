/**
 * Snapshot ids, compatible with the Go driver (linstor-csi ≥ 1.10):
 *   `<Type>://<remote>/<sourceRD>[/<volumeNumber>]/<snapshotName>`, e.g. `InCluster:///pvc-x/snapshot-y`.
 * An id without a scheme is a legacy id: the bare LINSTOR snapshot name, searched in every
 * resource definition. Group snapshot ids are the members' shared LINSTOR snapshot name.
 */
import { isValidLinstorName } from '../naming.js';

export type SnapshotKind = 'InCluster' | 'S3' | 'Linstor';

export type SnapshotRef =
  | { kind: SnapshotKind; remote: string; rd: string; volumeNumber: number | undefined; snapshot: string }
  | { kind: 'legacy'; snapshot: string };

const KINDS: Record<string, SnapshotKind> = { incluster: 'InCluster', s3: 'S3', linstor: 'Linstor' };
const ID_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)\/(.+)$/;

/** The id of an in-cluster snapshot. */
export function formatSnapshotId(rd: string, snapshot: string): string {
  return `InCluster:///${rd}/${snapshot}`;
}

/**
 * Parses an id; `undefined` when it cannot name a snapshot this driver could have made or
 * imported (callers answer "not found" or an empty list, as the CSI spec asks for unknown ids).
 */
export function parseSnapshotId(id: string): SnapshotRef | undefined {
  const m = ID_RE.exec(id);
  if (!m) return isValidLinstorName(id) ? { kind: 'legacy', snapshot: id } : undefined;
  const kind = KINDS[(m[1] as string).toLowerCase()];
  if (!kind) return undefined;
  const remote = decodeURIComponent(m[2] as string);
  const parts = (m[3] as string).split('/');
  let rd: string;
  let snapshot: string;
  let volumeNumber: number | undefined;
  if (parts.length === 2) {
    [rd, snapshot] = parts as [string, string];
  } else if (parts.length === 3 && /^\d{1,5}$/.test(parts[1] as string)) {
    rd = parts[0] as string;
    volumeNumber = Number(parts[1]);
    snapshot = parts[2] as string;
  } else {
    return undefined;
  }
  if (!isValidLinstorName(rd) || !isValidLinstorName(snapshot)) return undefined;
  if (kind === 'InCluster' && remote !== '') return undefined;
  return { kind, remote, rd, volumeNumber, snapshot };
}

/** The in-flight key shared by every operation on one LINSTOR snapshot name. */
export function snapshotLockKey(snapshotName: string): string {
  return `snapshot:${snapshotName.toLowerCase()}`;
}
