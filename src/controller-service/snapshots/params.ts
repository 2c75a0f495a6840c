/**
 * VolumeSnapshotClass parameters (`snap.linstor.csi.linbit.com/…`, as in the Go driver's
 * snapshot_params.go). Only `type: InCluster` is built; S3 and Linstor (backup shipping) are
 * refused with INVALID_ARGUMENT until they are.
 */
import { DRIVER_NAME } from '../../csi/driver-name.js';
import { invalidArgument } from '../../csi/errors.js';
import { PROP_VS_NAME, PROP_VS_NAMESPACE, PROP_VSC_NAME } from './props.js';

export const SNAP_PREFIX = `snap.${DRIVER_NAME}/`;

export interface SnapshotParameters {
  type: 'InCluster';
  /** Snapshot-definition props (the snapshotter's metadata, when it passes them). */
  props: Record<string, string>;
  /** Ignored or unknown keys, worth a log line. */
  warnings: string[];
}

const TYPES: Record<string, 'InCluster' | 'S3' | 'Linstor'> = { incluster: 'InCluster', s3: 'S3', linstor: 'Linstor' };

/** Keys that only mean something for remote (S3/Linstor) snapshots. */
const REMOTE_KEYS = new Set(
  [
    'remote-name',
    'allow-incremental',
    'max-increments',
    'full-snapshot-after',
    's3-endpoint',
    's3-bucket',
    's3-signing-region',
    's3-use-path-style',
    'linstor-target-url',
    'linstor-target-cluster-id',
    'linstor-target-storage-pool',
  ].map((k) => k.toLowerCase()),
);

const METADATA: Record<string, string> = {
  'csi.storage.k8s.io/volumesnapshot/name': PROP_VS_NAME,
  'csi.storage.k8s.io/volumesnapshot/namespace': PROP_VS_NAMESPACE,
  'csi.storage.k8s.io/volumesnapshotcontent/name': PROP_VSC_NAME,
};

export function parseSnapshotParameters(params: Readonly<Record<string, string>>): SnapshotParameters {
  const props: Record<string, string> = {};
  const warnings: string[] = [];
  let type: 'InCluster' | 'S3' | 'Linstor' = 'InCluster';
  let deleteLocal: string | undefined;
  const remoteKeys: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const meta = METADATA[key];
    if (meta) {
      props[meta] = value;
      continue;
    }
    if (!key.toLowerCase().startsWith(SNAP_PREFIX)) {
      warnings.push(`unknown VolumeSnapshotClass parameter "${key}" ignored`);
      continue;
    }
    const k = key.slice(SNAP_PREFIX.length).toLowerCase();
    if (k === 'type') {
      const t = TYPES[value.trim().toLowerCase()];
      if (!t) throw invalidArgument(`parameter ${key}: unknown snapshot type "${value}"; use InCluster (S3 and Linstor are not supported yet)`);
      type = t;
    } else if (k === 'delete-local') {
      deleteLocal = value;
    } else if (REMOTE_KEYS.has(k)) {
      remoteKeys.push(key);
    } else {
      warnings.push(`unknown VolumeSnapshotClass parameter "${key}" ignored`);
    }
  }
  if (type !== 'InCluster') {
    throw invalidArgument(
      `parameter ${SNAP_PREFIX}type: ${type} snapshots (backup shipping to a remote) are not supported yet by this driver; use type InCluster`,
    );
  }
  if (deleteLocal !== undefined && deleteLocal.trim().toLowerCase() !== 'false') {
    throw invalidArgument(`parameter ${SNAP_PREFIX}delete-local is not allowed for InCluster snapshots (it would delete the only copy)`);
  }
  for (const k of remoteKeys) warnings.push(`VolumeSnapshotClass parameter "${k}" only applies to S3/Linstor snapshots; ignored for InCluster`);
  return { type, props, warnings };
}
