/**
 * Taking snapshots: one snapshot (POST …/snapshots) or a crash-consistent set
 * (POST /v1/actions/snapshot/multi), read back, and removed again when LINSTOR marks them
 * failed — a failed snapshot is never handed out.
 */
import { Code, CsiError, notFound } from '../../csi/errors.js';
import type { CallContext } from '../../csi/handler.js';
import { FAIL_EXISTS_SNAPSHOT_DFN } from '../../linstor/apicallrc.js';
import { LinstorApiError } from '../../linstor/errors.js';
import type { Snapshot } from '../../linstor/types.js';
import { linstorCall, linstorText, mapLinstorError } from '../../linstor/csi-errors.js';
import { isHidden } from '../volumes.js';
import type { SnapshotDeps } from './deps.js';
import { getSnapshot } from './lookup.js';
import { sameName, snapshotState } from './model.js';

export interface TakeRequest {
  snapName: string;
  sources: string[];
  props: Record<string, string>;
}

/** Source volumes that are missing or deleted (hidden), by name. */
async function missingSources(deps: SnapshotDeps, sources: readonly string[], ctx: CallContext): Promise<string[]> {
  const rds = await linstorCall('looking up the source volumes', () =>
    deps.linstor.resourceDefinitions.list({ resourceDefinitions: [...sources] }, { signal: ctx.signal }),
  );
  return sources.filter((src) => {
    const rd = rds.find((r) => sameName(r.name, src));
    return !rd || isHidden(rd);
  });
}

/** Creates the snapshot(s); maps LINSTOR's refusals to CSI codes. */
async function create(deps: SnapshotDeps, req: TakeRequest, ctx: CallContext): Promise<void> {
  const o = { signal: ctx.signal };
  const what = `taking snapshot ${req.snapName} of ${req.sources.join(', ')}`;
  try {
    if (req.sources.length === 1) {
      await deps.linstor.snapshots.create(req.sources[0] as string, { name: req.snapName, snapshot_definition_props: req.props }, o);
    } else {
      await deps.linstor.snapshots.createMulti(
        { snapshots: req.sources.map((rd) => ({ name: req.snapName, resource_name: rd, snapshot_definition_props: req.props })) },
        o,
      );
    }
  } catch (e) {
    if (e instanceof LinstorApiError && e.is(FAIL_EXISTS_SNAPSHOT_DFN)) {
      throw new CsiError(Code.ABORTED, `snapshot ${req.snapName} is being created or deleted by another request; retry`, { cause: e });
    }
    if (e instanceof LinstorApiError) {
      const missing = await missingSources(deps, req.sources, ctx).catch(() => []);
      if (missing.length > 0) throw notFound(`source volume ${missing.join(', ')} does not exist`);
      if (e.isNotEnoughNodes()) {
        throw new CsiError(Code.FAILED_PRECONDITION, `${what}: LINSTOR: ${linstorText(e)} (the volume needs an UpToDate diskful replica on an online node)`, { cause: e });
      }
    }
    throw mapLinstorError(e, what) ?? e;
  }
}

/** Deletes snapshots (best effort, not bound to the call's signal: it runs on the failure path). */
export async function discard(deps: SnapshotDeps, snaps: readonly Pick<Snapshot, 'name' | 'resource_name'>[], ctx: CallContext): Promise<void> {
  for (const s of snaps) {
    try {
      await deps.linstor.snapshots.delete(s.resource_name, s.name);
    } catch (e) {
      ctx.log.warn({ err: e, snapshot: s.name, volume: s.resource_name }, 'could not delete a failed snapshot; the next attempt will');
    }
  }
}

/**
 * Takes the snapshot(s) and reads them back. Failed ones (FAILED_* flags) are deleted and the
 * call answers UNAVAILABLE, so the CO retries into a fresh attempt.
 */
export async function take(deps: SnapshotDeps, req: TakeRequest, ctx: CallContext): Promise<Snapshot[]> {
  await create(deps, req, ctx);
  const made =
    req.sources.length === 1
      ? [await getSnapshot(deps.linstor, req.sources[0] as string, req.snapName, ctx)].filter((s): s is Snapshot => s !== undefined)
      : (
          await linstorCall('reading back the group snapshot', () => deps.linstor.snapshots.view({ resources: req.sources }, { signal: ctx.signal }))
        ).filter((s) => sameName(s.name, req.snapName) && req.sources.some((r) => sameName(r, s.resource_name)));
  const failed = made.filter((s) => snapshotState(s) === 'failed');
  if (failed.length > 0 || made.length < req.sources.length) {
    await discard(deps, made, ctx);
    const which = failed.length > 0 ? failed.map((s) => `${s.resource_name} (${(s.flags ?? []).join(',')})`).join(', ') : 'some members vanished';
    throw new CsiError(Code.UNAVAILABLE, `LINSTOR could not take snapshot ${req.snapName}: ${which}; it was removed, retry`);
  }
  ctx.log.info({ snapshot: req.snapName, sources: req.sources }, 'took snapshot');
  return made;
}
