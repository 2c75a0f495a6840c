/**
 * Volume-context keys the controller sets and the node plugin reads. The Go driver's
 * spellings where it has one; `fs-type` and `fs-opts` are ours (the Go driver let LINSTOR run mkfs).
 */
export const VOLUME_CONTEXT_PREFIX = 'linstor.csi.linbit.com/';

/** Comma-separated mount options (StorageClass `mountOpts`). */
export const CTX_MOUNT_OPTIONS = 'linstor.csi.linbit.com/mount-options';
/** After mounting XFS: `xfs_io -c "<value>" <mountpoint>` (StorageClass `postMountXfsOpts`). */
export const CTX_POST_MOUNT_XFS_OPTS = 'linstor.csi.linbit.com/post-mount-xfs-opts';
/** The allowRemoteVolumeAccess policy (informational on the node). */
export const CTX_REMOTE_ACCESS_POLICY = 'linstor.csi.linbit.com/remote-access-policy';
/** Filesystem type used when the capability names none (StorageClass `csi.storage.k8s.io/fstype` usually does). */
export const CTX_FS_TYPE = 'linstor.csi.linbit.com/fs-type';
/** mkfs options (StorageClass `fsOpts`), validated by an allow-list before mkfs sees them. */
export const CTX_FS_OPTS = 'linstor.csi.linbit.com/fs-opts';

export const DEFAULT_FS_TYPE = 'ext4';
