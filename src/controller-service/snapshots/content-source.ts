/** CreateVolume's `volume_content_source` step: restore from a snapshot, or clone a volume. */
import { invalidArgument, notFound } from '../../csi/errors.js';
import type { VolumeContentSource } from '../../csi/types.js';
import type { ContentSourceStep } from '../create-volume.js';
import { cloneInto } from './clone.js';
import type { SnapshotDeps } from './deps.js';
import { parseSnapshotId } from './ids.js';
import { refuseRemote, requireOne } from './lookup.js';
import { contentSourceKey } from './props.js';
import { restoreInto } from './restore.js';

export function createContentSourceStep(deps: SnapshotDeps): ContentSourceStep {
  return async ({ plan, ctx, addReplicas }) => {
    const src = plan.request.volume_content_source;
    const key = contentSourceKey(src);
    if (src?.snapshot && (src.type === 'snapshot' || src.type === undefined)) {
      const id = src.snapshot.snapshot_id;
      if (!id) throw invalidArgument('volume_content_source.snapshot.snapshot_id is required');
      const ref = parseSnapshotId(id);
      if (!ref) throw notFound(`snapshot ${id} does not exist`);
      refuseRemote(ref, id);
      if (ref.kind !== 'legacy' && ref.volumeNumber !== undefined && ref.volumeNumber !== 0) {
        throw invalidArgument(`snapshot ${id} names volume number ${ref.volumeNumber}; restoring one volume of a consistency-group snapshot is not supported`);
      }
      const snap = await requireOne(deps.linstor, id, ctx);
      if (!snap) throw notFound(`snapshot ${id} does not exist`);
      await restoreInto(deps, { plan, snapshot: snap, key, ctx, addReplicas, what: `snapshot ${id}` });
      const contentSource: VolumeContentSource = { type: 'snapshot', snapshot: { snapshot_id: id } };
      return { contentSource };
    }
    if (src?.volume && (src.type === 'volume' || src.type === undefined)) {
      const id = src.volume.volume_id;
      if (!id) throw invalidArgument('volume_content_source.volume.volume_id is required');
      await cloneInto(deps, { plan, sourceId: id, key, ctx, addReplicas });
      const contentSource: VolumeContentSource = { type: 'volume', volume: { volume_id: id } };
      return { contentSource };
    }
    throw invalidArgument('volume_content_source must name a snapshot or a volume');
  };
}
