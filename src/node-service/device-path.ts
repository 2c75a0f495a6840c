/** Where a CSI volume's device and its block-staging marker are on this node. */

/** The DRBD volume number of a CSI volume: LINSTOR's first volume definition. */
export const VOLUME_NUMBER = 0;

/** Marker file inside the staging directory onto which a block volume's device is bind-mounted, so "staged" is visible in the mount table. */
export const BLOCK_STAGE_FILE = 'block-device';

export function devicePath(template: string, resource: string, volume = VOLUME_NUMBER): string {
  return template.replaceAll('{resource}', resource).replaceAll('{volume}', String(volume));
}
