/**
 * LINSTOR properties this driver reads and writes (free-form `Aux/` keys unless noted), and the
 * CSI volume/publish context keys.
 */

// ---- resource definition -------------------------------------------------------------------

/** Marks a volume as fully provisioned by this driver (same key as the Go driver). */
export const PROP_PROVISIONED_BY = 'Aux/csi-provisioning-completed-by';
export const PROP_PVC_NAME = 'Aux/csi.storage.k8s.io/pvc/name';
export const PROP_PVC_NAMESPACE = 'Aux/csi.storage.k8s.io/pvc/namespace';
/** The CSI name the volume was created under (idempotency when the RD name is derived). */
export const PROP_CSI_NAME = 'Aux/csi-volume-name';
/** "block" or "filesystem". */
export const PROP_VOLUME_MODE = 'Aux/csi-volume-mode';
/** Filesystem type for filesystem volumes. */
export const PROP_FS_TYPE = 'Aux/csi-fs-type';
/**
 * Set when the PVC is deleted while snapshots of it exist: LINSTOR refuses to delete such an
 * RD, so it stays, without resources or volume definitions, hidden from every volume RPC until
 * its last snapshot is deleted (see delete-volume.ts `removeHiddenVolumeIfUnused`).
 */
export const PROP_DELETED = 'Aux/csi-volume-deleted';
/** LINSTOR's own: set to false while deleting so the balancer does not add replicas back. */
export const PROP_BALANCE = 'BalanceResourcesEnabled';
export const PROP_ALLOW_TWO_PRIMARIES = 'DrbdOptions/Net/allow-two-primaries';

// ---- resource (one node) -------------------------------------------------------------------

/** ControllerPublish record on the node's resource: "rw" or "ro". */
export const PROP_PUBLISHED = 'Aux/csi-published';
/** Marks a diskless resource this driver created for an attachment (removed on unpublish). */
export const PROP_CREATED_FOR = 'Aux/csi-created-for';
export const CREATED_FOR_ATTACH = 'temporary-diskless-attach';

export const DRIVER_NAME = 'linstor.csi.linbit.com';
export const DRIVER_ID = 'linstor-csi';

// ---- volume context (read by the node service; its module owns the keys) ---------------------

export {
  CTX_FS_OPTS,
  CTX_FS_TYPE,
  CTX_MOUNT_OPTIONS,
  CTX_POST_MOUNT_XFS_OPTS,
  CTX_REMOTE_ACCESS_POLICY,
} from '../node-service/volume-context.js';

// ---- the volume's history (written at CreateVolume; the node service owns the keys) -----------

export { PROP_BORN, bornFromContentSource } from '../node-service/history.js';

// ---- publish context -----------------------------------------------------------------------

export const PUB_USES_PUBLISH_CONTEXT = 'linstor.csi.linbit.com/uses-publish-context';
export const PUB_DEVICE_PATH = 'linstor.csi.linbit.com/device-path';
export const PUB_FS_TYPE = 'linstor.csi.linbit.com/fs-type';
