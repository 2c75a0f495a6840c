/**
 * A volume's history as the driver records it in LINSTOR (resource-definition properties): how it
 * was born (CreateVolume writes it), the filesystem the first mkfs made, and whether it was ever
 * handed out read-write as a raw block device. The format decision reads it: only a volume born
 * empty and never used is ever formatted. Volumes the driver did not create have no record.
 */
import type { ResourceDefinitionsApi } from '../linstor/client.js';
import { BORN_VALUES, PROP_BLOCK_USED, PROP_BORN, PROP_FORMATTED_FS, PROP_FORMATTED_UUID, type Born } from '../csi/volume-history.js';

export interface VolumeHistory {
  /** Undefined: no record (a static volume, or one made before records were kept). */
  born?: Born;
  formatted?: { fsType: string; uuid: string };
  blockUsed: boolean;
}

export function historyFromProps(props: Readonly<Record<string, string>>): VolumeHistory {
  const b = props[PROP_BORN];
  const h: VolumeHistory = { blockUsed: props[PROP_BLOCK_USED] === 'true' };
  if ((BORN_VALUES as readonly string[]).includes(b ?? '')) h.born = b as Born;
  const fs = props[PROP_FORMATTED_FS];
  if (fs) h.formatted = { fsType: fs, uuid: props[PROP_FORMATTED_UUID] ?? '' };
  return h;
}

/** Where the node service reads and extends the record (the LINSTOR resource definition). */
export interface VolumeHistoryStore {
  read(resource: string, signal?: AbortSignal): Promise<VolumeHistory>;
  recordFormatted(resource: string, fsType: string, uuid: string, signal?: AbortSignal): Promise<void>;
  recordBlockUse(resource: string, signal?: AbortSignal): Promise<void>;
}

export function linstorHistoryStore(rds: Pick<ResourceDefinitionsApi, 'get' | 'modify'>): VolumeHistoryStore {
  const set = async (resource: string, props: Record<string, string>, signal?: AbortSignal): Promise<void> => {
    await rds.modify(resource, { override_props: props }, signal ? { signal } : {});
  };
  return {
    async read(resource, signal) {
      return historyFromProps((await rds.get(resource, signal ? { signal } : {})).props ?? {});
    },
    recordFormatted: (resource, fsType, uuid, signal) => set(resource, { [PROP_FORMATTED_FS]: fsType, [PROP_FORMATTED_UUID]: uuid }, signal),
    recordBlockUse: (resource, signal) => set(resource, { [PROP_BLOCK_USED]: 'true' }, signal),
  };
}
