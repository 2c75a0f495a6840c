/** LINSTOR snapshot names for CSI snapshot and group-snapshot names. */
import { isValidLinstorName, uuidv5, VOLUME_NAMESPACE } from '../naming.js';
import { DRIVER_NAME } from '../../csi/driver-name.js';

const SNAPSHOT_NAMESPACE = uuidv5(`snapshot.${DRIVER_NAME}`, VOLUME_NAMESPACE);

/**
 * The CSI name when it is a valid LINSTOR name (the external-snapshotter's `snapshot-<uuid>`
 * is), else `snapshot-<uuidv5(name)>`: the Go driver's rule, so retries map to the same object.
 */
export function snapshotNameFor(csiName: string): string {
  return isValidLinstorName(csiName) ? csiName : `snapshot-${uuidv5(csiName, SNAPSHOT_NAMESPACE)}`;
}

/** The temporary snapshot a clone falls back to (snapshot, then restore). */
export function cloneSnapshotName(targetRd: string): string {
  return `clone-${uuidv5(targetRd, SNAPSHOT_NAMESPACE)}`;
}
