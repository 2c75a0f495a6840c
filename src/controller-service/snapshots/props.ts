/** LINSTOR properties the snapshot module reads and writes. */
import type { VolumeContentSource } from '../../csi/types.js';

/** Snapshot-definition prop: the CSI name the snapshot was created under. */
export const PROP_SNAPSHOT_CSI_NAME = 'Aux/csi-snapshot-name';
/** Snapshot-definition prop: the group snapshot id a member belongs to. */
export const PROP_GROUP_SNAPSHOT = 'Aux/csi-group-snapshot-id';
/** Snapshot-definition props from the external-snapshotter's --extra-create-metadata. */
export const PROP_VS_NAME = 'Aux/csi.storage.k8s.io/volumesnapshot/name';
export const PROP_VS_NAMESPACE = 'Aux/csi.storage.k8s.io/volumesnapshot/namespace';
export const PROP_VSC_NAME = 'Aux/csi.storage.k8s.io/volumesnapshotcontent/name';
/** Snapshot-definition prop marking the temporary snapshot of a snapshot-and-restore clone. */
export const PROP_TEMPORARY = 'Aux/csi-temporary-snapshot-for';

/**
 * RD prop of a restored or cloned volume: what it was made from (`snapshot:<id>` or
 * `volume:<id>`). Written at creation; the volume counts as provisioned only once
 * `Aux/csi-provisioning-completed-by` is written after the data is in.
 */
export const PROP_CONTENT_SOURCE = 'Aux/csi-content-source';

/** The PROP_CONTENT_SOURCE value for a request's content source ('' for none). */
export function contentSourceKey(src: VolumeContentSource | null | undefined): string {
  if (!src) return '';
  if (src.type === 'snapshot' || (src.type === undefined && src.snapshot)) return `snapshot:${src.snapshot?.snapshot_id ?? ''}`;
  if (src.type === 'volume' || (src.type === undefined && src.volume)) return `volume:${src.volume?.volume_id ?? ''}`;
  return '';
}
