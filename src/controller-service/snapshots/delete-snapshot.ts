/**
 * DeleteSnapshot: idempotent (an unknown id is OK). Deleting the last snapshot of a volume
 * whose PVC is gone also removes the hidden resource definition and its generated group; a
 * retry of an in-cluster id whose snapshot is already gone finishes that removal.
 */
import { invalidArgument } from '../../csi/errors.js';
import type { DeleteSnapshotRequest__Output, DeleteSnapshotResponse } from '../../csi/types.js';
import type { CallContext } from '../../csi/handler.js';
import type { Snapshot } from '../../linstor/types.js';
import { removeHiddenVolumeIfUnused } from '../delete-volume.js';
import { linstorCall } from '../../linstor/csi-errors.js';
import type { SnapshotDeps } from './deps.js';
import { parseSnapshotId, snapshotLockKey } from './ids.js';
import { requireOne } from './lookup.js';

/** Deletes snapshots, then the hidden volumes left without any. */
export async function deleteSnapshots(deps: SnapshotDeps, snaps: readonly Snapshot[], ctx: CallContext): Promise<void> {
  const o = { signal: ctx.signal };
  for (const s of snaps) {
    await linstorCall(`deleting snapshot ${s.name} of volume ${s.resource_name}`, () => deps.linstor.snapshots.delete(s.resource_name, s.name, o));
    ctx.log.info({ snapshot: s.name, volume: s.resource_name }, 'deleted snapshot');
  }
  const rds = [...new Map(snaps.map((s) => [s.resource_name.toLowerCase(), s.resource_name])).values()];
  for (const rd of rds) {
    if (await removeHiddenVolumeIfUnused(deps, rd, ctx)) ctx.log.info({ volume: rd }, 'removed the deleted volume kept for its snapshots');
  }
}

export async function deleteSnapshot(deps: SnapshotDeps, req: DeleteSnapshotRequest__Output, ctx: CallContext): Promise<DeleteSnapshotResponse> {
  if (!req.snapshot_id) throw invalidArgument('snapshot_id is required');
  const ref = parseSnapshotId(req.snapshot_id);
  if (!ref) return {};
  return deps.inflight.run(snapshotLockKey(ref.snapshot), async () => {
    const snap = await requireOne(deps.linstor, req.snapshot_id, ctx);
    if (!snap) {
      // Already deleted; an earlier attempt may have failed right after, before removing the
      // hidden volume it was the last snapshot of.
      if (ref.kind === 'InCluster' && (await removeHiddenVolumeIfUnused(deps, ref.rd, ctx))) {
        ctx.log.info({ volume: ref.rd }, 'removed the deleted volume kept for its snapshots');
      }
      return {};
    }
    await deleteSnapshots(deps, [snap], ctx);
    return {};
  });
}
