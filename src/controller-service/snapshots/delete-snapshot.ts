/**
 * DeleteSnapshot: idempotent (an unknown id is OK). Deleting the last snapshot of a volume
 * whose PVC is gone also removes the hidden resource definition and its generated group; a
 * retry of an in-cluster id whose snapshot is already gone finishes that removal.
 *
 * An in-cluster id names its volume and snapshot, so the snapshot is deleted without looking it
 * up first (LINSTOR answers a missing one with a not-found warning), and the volume is looked at
 * only when it may be hidden (hidden-volumes.ts): one LINSTOR request in the common case.
 */
import { invalidArgument } from '../../csi/errors.js';
import type { DeleteSnapshotRequest__Output, DeleteSnapshotResponse } from '../../csi/types.js';
import type { CallContext } from '../../csi/handler.js';
import { LinstorApiError } from '../../linstor/errors.js';
import type { Snapshot } from '../../linstor/types.js';
import { removeHiddenVolumeIfUnused } from '../delete-volume.js';
import { linstorCall } from '../../linstor/csi-errors.js';
import type { SnapshotDeps } from './deps.js';
import { parseSnapshotId, snapshotLockKey } from './ids.js';
import { requireOne } from './lookup.js';

async function deleteOne(deps: SnapshotDeps, rd: string, name: string, ctx: CallContext): Promise<void> {
  await linstorCall(`deleting snapshot ${name} of volume ${rd}`, async () => {
    try {
      await deps.linstor.snapshots.delete(rd, name, { signal: ctx.signal });
    } catch (e) {
      if (e instanceof LinstorApiError && e.isNotFound()) return; // the volume is gone: so is the snapshot
      throw e;
    }
  });
  ctx.log.info({ snapshot: name, volume: rd }, 'deleted snapshot');
}

/** Removes `rd` if it is a hidden volume left without snapshots. */
async function removeIfHiddenAndUnused(deps: SnapshotDeps, rd: string, mayBeHidden: boolean, ctx: CallContext): Promise<void> {
  if (mayBeHidden && (await removeHiddenVolumeIfUnused(deps, rd, ctx))) ctx.log.info({ volume: rd }, 'removed the deleted volume kept for its snapshots');
}

function mayBeHidden(deps: SnapshotDeps, rd: string, ctx: CallContext): Promise<boolean> {
  return deps.hiddenVolumes ? deps.hiddenVolumes.mayBeHidden(rd, ctx) : Promise.resolve(true);
}

/** Deletes snapshots, then the hidden volumes left without any. */
export async function deleteSnapshots(deps: SnapshotDeps, snaps: readonly Snapshot[], ctx: CallContext): Promise<void> {
  for (const s of snaps) await deleteOne(deps, s.resource_name, s.name, ctx);
  const rds = [...new Map(snaps.map((s) => [s.resource_name.toLowerCase(), s.resource_name])).values()];
  for (const rd of rds) await removeIfHiddenAndUnused(deps, rd, await mayBeHidden(deps, rd, ctx), ctx);
}

export async function deleteSnapshot(deps: SnapshotDeps, req: DeleteSnapshotRequest__Output, ctx: CallContext): Promise<DeleteSnapshotResponse> {
  if (!req.snapshot_id) throw invalidArgument('snapshot_id is required');
  const ref = parseSnapshotId(req.snapshot_id);
  if (!ref) return {};
  return deps.inflight.run(snapshotLockKey(ref.snapshot), async () => {
    if (ref.kind === 'InCluster') {
      // Both at once; a retry after a failure between the two (snapshot gone, volume kept) finishes the removal.
      const [hidden] = await Promise.all([mayBeHidden(deps, ref.rd, ctx), deleteOne(deps, ref.rd, ref.snapshot, ctx)]);
      await removeIfHiddenAndUnused(deps, ref.rd, hidden, ctx);
      return {};
    }
    const snap = await requireOne(deps.linstor, req.snapshot_id, ctx);
    if (snap) await deleteSnapshots(deps, [snap], ctx);
    return {};
  });
}
