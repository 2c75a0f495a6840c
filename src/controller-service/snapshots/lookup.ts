/** Finding LINSTOR snapshots by CSI snapshot id, by name across resource definitions, by source. */
import { failedPrecondition, invalidArgument } from '../../csi/errors.js';
import type { CallContext } from '../../csi/handler.js';
import type { LinstorClient } from '../../linstor/client.js';
import { LinstorApiError } from '../../linstor/errors.js';
import type { Snapshot } from '../../linstor/types.js';
import { linstorCall } from '../../linstor/csi-errors.js';
import { isValidVolumeId } from '../naming.js';
import { parseSnapshotId, type SnapshotRef } from './ids.js';
import { sameName, snapshotState } from './model.js';

type Ctx = Pick<CallContext, 'signal'>;

/** Every snapshot definition (one GET /v1/view/snapshots). */
export function allSnapshots(linstor: LinstorClient, ctx: Ctx): Promise<Snapshot[]> {
  return linstorCall('listing LINSTOR snapshots', () => linstor.snapshots.view({}, { signal: ctx.signal }));
}

/** Every snapshot definition called `name`, in any resource definition (ignoring ones being deleted). */
export async function snapshotsNamed(linstor: LinstorClient, name: string, ctx: Ctx): Promise<Snapshot[]> {
  return (await allSnapshots(linstor, ctx)).filter((s) => sameName(s.name, name) && snapshotState(s) !== 'deleting');
}

/** The snapshots of one volume; [] when the volume does not exist. */
export async function snapshotsOf(linstor: LinstorClient, rd: string, ctx: Ctx): Promise<Snapshot[]> {
  if (!isValidVolumeId(rd)) return [];
  return linstorCall(`listing the snapshots of volume ${rd}`, async () => {
    try {
      return await linstor.snapshots.list(rd, { signal: ctx.signal });
    } catch (e) {
      if (e instanceof LinstorApiError && e.isNotFound()) return [];
      throw e;
    }
  });
}

/** One snapshot of one RD, or undefined (RD or snapshot missing). */
export async function getSnapshot(linstor: LinstorClient, rd: string, name: string, ctx: Ctx): Promise<Snapshot | undefined> {
  return linstorCall(`looking up snapshot ${name} of volume ${rd}`, async () => {
    try {
      return await linstor.snapshots.get(rd, name, { signal: ctx.signal });
    } catch (e) {
      if (e instanceof LinstorApiError && e.isNotFound()) return undefined;
      throw e;
    }
  });
}

export function refuseRemote(ref: SnapshotRef, id: string): void {
  if (ref.kind === 'S3' || ref.kind === 'Linstor') {
    throw invalidArgument(`snapshot ${id} is a ${ref.kind} (remote backup) snapshot; those are not supported yet by this driver`);
  }
}

/**
 * The snapshots an id names: one for an in-cluster id; for a legacy id (bare snapshot name)
 * every snapshot of that name. Unknown or unparsable ids give []. Remote ids are refused.
 */
export async function resolveSnapshotId(linstor: LinstorClient, id: string, ctx: Ctx): Promise<{ ref: SnapshotRef | undefined; found: Snapshot[] }> {
  const ref = parseSnapshotId(id);
  if (!ref) return { ref, found: [] };
  refuseRemote(ref, id);
  if (ref.kind === 'legacy') return { ref, found: await snapshotsNamed(linstor, ref.snapshot, ctx) };
  const s = await getSnapshot(linstor, ref.rd, ref.snapshot, ctx);
  return { ref, found: s && snapshotState(s) !== 'deleting' ? [s] : [] };
}

/** Exactly one snapshot for an id, or undefined; an ambiguous legacy id is FAILED_PRECONDITION. */
export async function requireOne(linstor: LinstorClient, id: string, ctx: Ctx): Promise<Snapshot | undefined> {
  const { found } = await resolveSnapshotId(linstor, id, ctx);
  if (found.length > 1) {
    throw failedPrecondition(
      `legacy snapshot id ${id} matches snapshots of several volumes (${found.map((s) => s.resource_name).join(', ')}); use the id InCluster:///<volume>/${id}`,
    );
  }
  return found[0];
}
