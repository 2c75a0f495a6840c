/** The CSI driver name: the provisioner StorageClasses name, and the prefix of our parameter, context and label keys. */
export const DRIVER_NAME = 'linstor.csi.linbit.com';

/** How the driver names itself in LINSTOR properties (`Aux/csi-provisioning-completed-by` is "linstor-csi/<version>"). */
export const DRIVER_ID = 'linstor-csi';
