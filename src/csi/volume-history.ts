/**
 * The keys of a volume's history record (LINSTOR resource-definition properties): a contract
 * between the controller, which writes how a volume was born, and the node service, which reads
 * it before any format and extends it (node-service/history.ts).
 */
export const PROP_BORN = 'Aux/csi-volume-born';
export const PROP_FORMATTED_FS = 'Aux/csi-formatted-fs';
export const PROP_FORMATTED_UUID = 'Aux/csi-formatted-uuid';
export const PROP_BLOCK_USED = 'Aux/csi-block-used';

export const BORN_VALUES = ['empty', 'snapshot', 'clone'] as const;
export type Born = (typeof BORN_VALUES)[number];

/** The record's value for a CreateVolume content source key ("snapshot:…", "volume:…" or ""). */
export function bornFromContentSource(key: string): Born {
  if (key.startsWith('snapshot:')) return 'snapshot';
  if (key.startsWith('volume:')) return 'clone';
  return 'empty';
}
