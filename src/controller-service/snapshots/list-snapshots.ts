/**
 * ListSnapshots (by snapshot id, by source volume, or all; paged with the controller's
 * "last id" tokens) and GetSnapshot.
 */
import { invalidArgument, notFound } from '../../csi/errors.js';
import type { GetSnapshotRequest__Output, GetSnapshotResponse, ListSnapshotsRequest__Output, ListSnapshotsResponse } from '../../csi/types.js';
import type { CallContext } from '../../csi/handler.js';
import type { Snapshot } from '../../linstor/types.js';
import { decodeToken, paginate } from '../pagination.js';
import type { SnapshotDeps } from './deps.js';
import { parseSnapshotId } from './ids.js';
import { allSnapshots, requireOne, resolveSnapshotId, snapshotsOf } from './lookup.js';
import { isTemporary, sameName, snapshotIdOf, snapshotState, toCsiSnapshot } from './model.js';

/** Snapshots a CO should see: not being deleted, not LINSTOR's safety snapshots, not our temporary ones. */
function visible(s: Snapshot): boolean {
  return snapshotState(s) !== 'deleting' && !(s.flags ?? []).includes('SAFETY_SNAPSHOT') && !isTemporary(s);
}

export async function listSnapshots(deps: SnapshotDeps, req: ListSnapshotsRequest__Output, ctx: CallContext): Promise<ListSnapshotsResponse> {
  // Check the token before any LINSTOR call: a bad token is ABORTED whatever the filter.
  decodeToken(req.starting_token ?? '');
  const max = req.max_entries ?? 0;
  if (max < 0) throw invalidArgument(`max_entries must be ≥ 0, got ${max}`);
  let found: Snapshot[];
  if (req.snapshot_id) {
    const ref = parseSnapshotId(req.snapshot_id);
    found = ref && (ref.kind === 'InCluster' || ref.kind === 'legacy') ? (await resolveSnapshotId(deps.linstor, req.snapshot_id, ctx)).found : [];
    if (req.source_volume_id) found = found.filter((s) => sameName(s.resource_name, req.source_volume_id));
  } else if (req.source_volume_id) {
    found = await snapshotsOf(deps.linstor, req.source_volume_id, ctx);
  } else {
    found = await allSnapshots(deps.linstor, ctx);
  }
  const now = deps.clock.now();
  const page = paginate(found.filter(visible), snapshotIdOf, req.starting_token ?? '', max);
  return { entries: page.items.map((s) => ({ snapshot: toCsiSnapshot(s, now) })), next_token: page.nextToken };
}

export async function getSnapshot(deps: SnapshotDeps, req: GetSnapshotRequest__Output, ctx: CallContext): Promise<GetSnapshotResponse> {
  if (!req.snapshot_id) throw invalidArgument('snapshot_id is required');
  const snap = parseSnapshotId(req.snapshot_id) ? await requireOne(deps.linstor, req.snapshot_id, ctx) : undefined;
  if (!snap || !visible(snap)) throw notFound(`snapshot ${req.snapshot_id} does not exist`);
  return { snapshot: toCsiSnapshot(snap, deps.clock.now()) };
}
