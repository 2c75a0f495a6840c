/**
 * GroupController: crash-consistent group snapshots with one multi-snapshot action. Every
 * member is a LINSTOR snapshot with the same name in its volume's resource definition,
 * tagged with the group id, which is that shared snapshot name.
 */
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '../../csi/errors.js';
import type {
  CreateVolumeGroupSnapshotRequest__Output,
  CreateVolumeGroupSnapshotResponse,
  DeleteVolumeGroupSnapshotRequest__Output,
  DeleteVolumeGroupSnapshotResponse,
  GetVolumeGroupSnapshotRequest__Output,
  GetVolumeGroupSnapshotResponse,
  VolumeGroupSnapshot,
} from '../../csi/types.js';
import type { CallContext } from '../../csi/handler.js';
import type { Snapshot } from '../../linstor/types.js';
import { isValidLinstorName, isValidVolumeId } from '../naming.js';
import { checkSameSnapshot } from './create-snapshot.js';
import { deleteSnapshots } from './delete-snapshot.js';
import type { SnapshotDeps } from './deps.js';
import { snapshotLockKey } from './ids.js';
import { resolveSnapshotId, snapshotsNamed } from './lookup.js';
import { groupOf, sameName, snapshotCreatedMs, snapshotIdOf, snapshotState, timestamp, toCsiSnapshot } from './model.js';
import { snapshotNameFor } from './naming.js';
import { parseSnapshotParameters } from './params.js';
import { PROP_GROUP_SNAPSHOT, PROP_SNAPSHOT_CSI_NAME } from './props.js';
import { discard, take } from './take.js';

export const GROUP_CAPABILITIES = ['CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT'] as const;

function groupView(groupId: string, members: readonly Snapshot[], nowMs: number): VolumeGroupSnapshot {
  const sorted = [...members].sort((a, b) => (a.resource_name.toLowerCase() < b.resource_name.toLowerCase() ? -1 : 1));
  const created = sorted.map(snapshotCreatedMs).filter((t): t is number => t !== undefined);
  return {
    group_snapshot_id: groupId,
    snapshots: sorted.map((s) => ({ ...toCsiSnapshot(s, nowMs), group_snapshot_id: groupId })),
    creation_time: timestamp(created.length > 0 ? Math.min(...created) : nowMs),
    ready_to_use: sorted.length > 0 && sorted.every((s) => snapshotState(s) === 'ready'),
  };
}

/** The members of a group (snapshots with the group's name that carry its tag). */
async function members(deps: SnapshotDeps, groupId: string, ctx: CallContext): Promise<Snapshot[]> {
  if (!isValidLinstorName(groupId)) return [];
  return (await snapshotsNamed(deps.linstor, groupId, ctx)).filter((s) => groupOf(s) === groupId);
}

export async function createGroupSnapshot(
  deps: SnapshotDeps,
  req: CreateVolumeGroupSnapshotRequest__Output,
  ctx: CallContext,
): Promise<CreateVolumeGroupSnapshotResponse> {
  if (!req.name) throw invalidArgument('name is required');
  const sources = req.source_volume_ids ?? [];
  if (sources.length === 0) throw invalidArgument('source_volume_ids must name at least one volume');
  const seen = new Set<string>();
  for (const s of sources) {
    if (!s) throw invalidArgument('source_volume_ids must not contain an empty id');
    if (seen.has(s.toLowerCase())) throw invalidArgument(`source_volume_ids lists volume ${s} twice`);
    seen.add(s.toLowerCase());
  }
  const params = parseSnapshotParameters(req.parameters ?? {});
  for (const w of params.warnings) ctx.log.warn({ groupSnapshot: req.name }, w);
  const groupId = snapshotNameFor(req.name);
  return deps.inflight.run(snapshotLockKey(groupId), async () => {
    const bad = sources.find((s) => !isValidVolumeId(s));
    if (bad !== undefined) throw notFound(`source volume ${bad} does not exist`);
    const named = await snapshotsNamed(deps.linstor, groupId, ctx);
    if (named.length > 0) {
      for (const s of named) {
        const src = sources.find((x) => sameName(x, s.resource_name));
        if (!src) throw alreadyExists(`group snapshot name "${req.name}" is already used with other volumes (${named.map((x) => x.resource_name).join(', ')}); use another name`);
        checkSameSnapshot(s, req.name, src, groupId);
      }
      const complete = named.length === sources.length && named.every((s) => snapshotState(s) !== 'failed');
      if (complete) return { group_snapshot: groupView(groupId, named, deps.clock.now()) };
      // A partial or failed earlier attempt: the group must be taken in one action again.
      ctx.log.warn({ groupSnapshot: groupId }, 'an earlier attempt left an incomplete or failed group snapshot; replacing it');
      await discard(deps, named, ctx);
    }
    const props = { ...params.props, [PROP_SNAPSHOT_CSI_NAME]: req.name, [PROP_GROUP_SNAPSHOT]: groupId };
    const made = await take(deps, { snapName: groupId, sources: [...sources], props }, ctx);
    return { group_snapshot: groupView(groupId, made, deps.clock.now()) };
  });
}

/** The snapshot ids the CO names must be members of the group. */
async function checkIds(deps: SnapshotDeps, groupId: string, ids: readonly string[], found: readonly Snapshot[], ctx: CallContext): Promise<void> {
  for (const id of ids) {
    if (found.some((s) => snapshotIdOf(s) === id)) continue;
    const { found: other } = await resolveSnapshotId(deps.linstor, id, ctx);
    const stranger = other.find((s) => groupOf(s) !== groupId);
    if (stranger) throw failedPrecondition(`snapshot ${id} is not a member of group snapshot ${groupId}`);
  }
}

export async function deleteGroupSnapshot(
  deps: SnapshotDeps,
  req: DeleteVolumeGroupSnapshotRequest__Output,
  ctx: CallContext,
): Promise<DeleteVolumeGroupSnapshotResponse> {
  if (!req.group_snapshot_id) throw invalidArgument('group_snapshot_id is required');
  const groupId = req.group_snapshot_id;
  if (!isValidLinstorName(groupId)) return {};
  return deps.inflight.run(snapshotLockKey(groupId), async () => {
    const found = await members(deps, groupId, ctx);
    await checkIds(deps, groupId, req.snapshot_ids ?? [], found, ctx);
    await deleteSnapshots(deps, found, ctx);
    return {};
  });
}

export async function getGroupSnapshot(deps: SnapshotDeps, req: GetVolumeGroupSnapshotRequest__Output, ctx: CallContext): Promise<GetVolumeGroupSnapshotResponse> {
  if (!req.group_snapshot_id) throw invalidArgument('group_snapshot_id is required');
  const groupId = req.group_snapshot_id;
  const found = await members(deps, groupId, ctx);
  if (found.length === 0) throw notFound(`group snapshot ${groupId} does not exist`);
  await checkIds(deps, groupId, req.snapshot_ids ?? [], found, ctx);
  return { group_snapshot: groupView(groupId, found, deps.clock.now()) };
}
