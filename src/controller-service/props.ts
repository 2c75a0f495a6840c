/**
 * LINSTOR properties this driver reads and writes (free-form `Aux/` keys unless noted). The
 * volume- and publish-context keys the node plugin reads are in src/csi/volume-context.ts.
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
