/**
 * The contract between this driver's controller and node plugins: the volume-context keys the
 * controller sets in CreateVolume and the publish-context keys of ControllerPublishVolume, both
 * read by the node plugin. The Go driver's spellings where it has one; `fs-type` and `fs-opts`
 * are ours (the Go driver let LINSTOR run mkfs).
 */
import { DRIVER_NAME } from './driver-name.js';

/** Marks a volume context as set by this driver's CreateVolume. */
export const CTX_USES_VOLUME_CONTEXT = `${DRIVER_NAME}/uses-volume-context`;
/** Comma-separated mount options (StorageClass `mountOpts`). */
export const CTX_MOUNT_OPTIONS = `${DRIVER_NAME}/mount-options`;
/** After mounting XFS: `xfs_io -c "<value>" <mountpoint>` (StorageClass `postMountXfsOpts`). */
export const CTX_POST_MOUNT_XFS_OPTS = `${DRIVER_NAME}/post-mount-xfs-opts`;
/** The allowRemoteVolumeAccess policy (informational on the node). */
export const CTX_REMOTE_ACCESS_POLICY = `${DRIVER_NAME}/remote-access-policy`;
/** Filesystem type used when the capability names none (StorageClass `csi.storage.k8s.io/fstype` usually does). */
export const CTX_FS_TYPE = `${DRIVER_NAME}/fs-type`;
/** mkfs options (StorageClass `fsOpts`), validated by an allow-list before mkfs sees them. */
export const CTX_FS_OPTS = `${DRIVER_NAME}/fs-opts`;

export const DEFAULT_FS_TYPE = 'ext4';

// ---- publish context (ControllerPublishVolume) ----------------------------------------------

export const PUB_USES_PUBLISH_CONTEXT = `${DRIVER_NAME}/uses-publish-context`;
export const PUB_DEVICE_PATH = `${DRIVER_NAME}/device-path`;
export const PUB_FS_TYPE = `${DRIVER_NAME}/fs-type`;
