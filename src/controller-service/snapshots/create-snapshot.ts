/**
 * CreateSnapshot: idempotent by name. The same name and source returns the same snapshot;
 * the name taken for another source is ALREADY_EXISTS; a missing (or deleted) source is
 * NOT_FOUND; a concurrent call on the same name is ABORTED.
 *
 * Round trips for a new snapshot: view snapshots (name check across volumes) → create → get.
 */
import { alreadyExists, invalidArgument, notFound } from '../../csi/errors.js';
import type { CreateSnapshotRequest__Output, CreateSnapshotResponse } from '../../csi/types.js';
import type { CallContext } from '../../csi/handler.js';
import type { Snapshot } from '../../linstor/types.js';
import { isValidVolumeId } from '../naming.js';
import type { SnapshotDeps } from './deps.js';
import { snapshotLockKey } from './ids.js';
import { snapshotsNamed } from './lookup.js';
import { groupOf, sameName, snapshotProps, snapshotState, toCsiSnapshot } from './model.js';
import { snapshotNameFor } from './naming.js';
import { parseSnapshotParameters } from './params.js';
import { PROP_SNAPSHOT_CSI_NAME } from './props.js';
import { discard, take } from './take.js';

/** Same name again: the existing snapshot when it is this request's, else ALREADY_EXISTS. */
export function checkSameSnapshot(s: Snapshot, csiName: string, source: string, groupId: string): void {
  const owner = snapshotProps(s)[PROP_SNAPSHOT_CSI_NAME];
  if (owner !== undefined && owner !== csiName) {
    throw alreadyExists(`LINSTOR snapshot ${s.name} of volume ${s.resource_name} belongs to CSI snapshot "${owner}"; use another name`);
  }
  if (!sameName(s.resource_name, source)) {
    throw alreadyExists(`snapshot name "${csiName}" is already used for a snapshot of volume ${s.resource_name}, not ${source}; use another name`);
  }
  if (groupOf(s) !== groupId) {
    throw alreadyExists(
      groupId === ''
        ? `snapshot name "${csiName}" is already used by group snapshot ${groupOf(s)}; use another name`
        : `snapshot name "${csiName}" is already used by a snapshot outside this group; use another name`,
    );
  }
}

export async function createSnapshot(deps: SnapshotDeps, req: CreateSnapshotRequest__Output, ctx: CallContext): Promise<CreateSnapshotResponse> {
  if (!req.name) throw invalidArgument('name is required');
  if (!req.source_volume_id) throw invalidArgument('source_volume_id is required');
  const params = parseSnapshotParameters(req.parameters ?? {});
  for (const w of params.warnings) ctx.log.warn({ snapshot: req.name }, w);
  const snapName = snapshotNameFor(req.name);
  const source = req.source_volume_id;
  return deps.inflight.run(snapshotLockKey(snapName), async () => {
    if (!isValidVolumeId(source)) throw notFound(`source volume ${source} does not exist`);
    const named = await snapshotsNamed(deps.linstor, snapName, ctx);
    const mine = named.find((s) => sameName(s.resource_name, source)) ?? named[0];
    if (mine) {
      checkSameSnapshot(mine, req.name, source, '');
      if (snapshotState(mine) !== 'failed') return { snapshot: toCsiSnapshot(mine, deps.clock.now()) };
      ctx.log.warn({ snapshot: snapName, volume: source, flags: mine.flags }, 'an earlier attempt left a failed snapshot; replacing it');
      await discard(deps, [mine], ctx);
    }
    const props = { ...params.props, [PROP_SNAPSHOT_CSI_NAME]: req.name };
    const [made] = await take(deps, { snapName, sources: [source], props }, ctx);
    return { snapshot: toCsiSnapshot(made as Snapshot, deps.clock.now()) };
  });
}
