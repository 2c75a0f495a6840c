/**
 * ControllerExpandVolume: grows the volume definition (LINSTOR resizes every replica and DRBD).
 * Shrinking is OUT_OF_RANGE; filesystem volumes then need NodeExpandVolume.
 */
import { invalidArgument, outOfRange } from '../csi/errors.js';
import type { ControllerExpandVolumeRequest__Output, ControllerExpandVolumeResponse } from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import { checkCapabilities } from './capabilities.js';
import type { ControllerDeps } from './deps.js';
import { linstorCall } from '../linstor/csi-errors.js';
import { PROP_FS_TYPE, PROP_VOLUME_MODE } from './props.js';
import { KiB, allocationKiB, kibToBytes, parseBytes } from './sizes.js';
import { VOLUME_NUMBER, requireVolume, requireVolumeId } from './volumes.js';

export async function expandVolume(deps: ControllerDeps, req: ControllerExpandVolumeRequest__Output, ctx: CallContext): Promise<ControllerExpandVolumeResponse> {
  const id = requireVolumeId(req.volume_id);
  const range = req.capacity_range;
  if (!range) throw invalidArgument('capacity_range is required');
  return deps.inflight.run(id, async () => {
    const v = await requireVolume(deps.linstor, id, ctx);
    const cap = req.volume_capability ? checkCapabilities([req.volume_capability], 'volume_capability') : undefined;
    if (cap && !cap.ok) throw invalidArgument(cap.reason);
    const block = cap?.ok ? cap.summary.accessType === 'block' : v.rd.props?.[PROP_VOLUME_MODE] === 'block';
    const fsType = block ? '' : (cap?.ok && cap.summary.fsType) || v.rd.props?.[PROP_FS_TYPE] || 'ext4';
    const current = BigInt(v.vd?.size_kib ?? 0);
    const limit = parseBytes('capacity_range.limit_bytes', range.limit_bytes);
    if (limit > 0n && current * KiB > limit) {
      throw outOfRange(`volume ${id} already has ${current * KiB} bytes, more than limit_bytes ${limit}; volumes cannot shrink`);
    }
    const wanted = allocationKiB(range, fsType);
    let size = current;
    if (wanted > current) {
      await linstorCall(`growing volume ${id} to ${wanted} KiB`, () =>
        deps.linstor.volumeDefinitions.modify(id, VOLUME_NUMBER, { size_kib: Number(wanted) }, { signal: ctx.signal }),
      );
      size = wanted;
    }
    return { capacity_bytes: kibToBytes(size), node_expansion_required: !block };
  });
}
