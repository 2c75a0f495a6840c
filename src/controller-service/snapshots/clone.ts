/**
 * Filling a new volume from another volume: LINSTOR's clone (POST …/clone answers at once; the
 * copy runs in the background and is polled until COMPLETE), or snapshot-and-restore where the
 * controller cannot clone (no clone API, or no room next to the source's replicas).
 *
 * Waiting is bounded: after `cloneWaitMs`, or when the caller gives up, the call answers
 * ABORTED and leaves the clone running; the CO's retry finds it (unfinished, tagged with this
 * request) and resumes waiting. A FAILED clone is reported and removed.
 */
import { Code, CsiError, invalidArgument, notFound } from '../../csi/errors.js';
import type { CallContext } from '../../csi/handler.js';
import { FAIL_EXISTS_RSC_DFN, FAIL_SNAPSHOTS_NOT_SUPPORTED } from '../../linstor/apicallrc.js';
import { LinstorApiError, LinstorUnavailableError } from '../../linstor/errors.js';
import type { CloneRequest } from '../../linstor/types.js';
import type { CreatePlan } from '../create-volume.js';
import { linstorCall, mapLinstorError } from '../../linstor/csi-errors.js';
import { isValidVolumeId } from '../naming.js';
import { PROP_FS_TYPE } from '../props.js';
import { layerKinds } from '../resource-group.js';
import { findVolume, viewResources } from '../volumes.js';
import type { SnapshotDeps } from './deps.js';
import { getSnapshot } from './lookup.js';
import { sameName, snapshotState } from './model.js';
import { cloneSnapshotName } from './naming.js';
import { PROP_TEMPORARY } from './props.js';
import { checkFsType, growTo, isOurUnfinished, markProvisioned, pendingProps, restoreInto, targetSizeKiB } from './restore.js';
import { discard, take } from './take.js';

export interface CloneInput {
  plan: CreatePlan;
  sourceId: string;
  key: string;
  ctx: CallContext;
  addReplicas: () => Promise<void>;
}

/**
 * Replies meaning "this controller cannot clone this volume": old LINSTOR without the endpoint,
 * no room beside the source, or a pool provider that cannot clone (FILE_THIN answers 500
 * "Clone source contains unsupported storage pools").
 */
export function cloneUnsupported(e: unknown): boolean {
  if (!(e instanceof LinstorApiError)) return false;
  if (e.status === 405 || e.status === 501) return true;
  if (e.status === 404 && e.retCode === undefined) return true;
  if (/unsupported storage pool/i.test(e.message) || e.is(FAIL_SNAPSHOTS_NOT_SUPPORTED)) return true;
  return e.isNotEnoughNodes() || e.isNotEnoughFreeSpace();
}

/** The pools (and their providers) holding the source's replicas, for the message when neither clone nor snapshot works. */
async function sourcePools(deps: SnapshotDeps, sourceId: string, ctx: CallContext): Promise<string> {
  const rs = await viewResources(deps.linstor, sourceId, ctx).catch(() => []);
  const pools = new Set(rs.flatMap((r) => (r.volumes ?? []).filter((v) => v.provider_kind !== 'DISKLESS').map((v) => `${v.storage_pool_name ?? '?'} (${v.provider_kind ?? 'unknown provider'}) on ${r.node_name}`)));
  return pools.size > 0 ? [...pools].join(', ') : 'unknown pools';
}

/** Snapshot and restore, turning "the provider cannot snapshot either" into one clear refusal. */
async function viaSnapshotOrRefuse(deps: SnapshotDeps, input: CloneInput): Promise<void> {
  try {
    await viaSnapshot(deps, input);
  } catch (e) {
    const cause = e instanceof CsiError ? e.cause : e;
    if (!(cause instanceof LinstorApiError && cause.is(FAIL_SNAPSHOTS_NOT_SUPPORTED))) throw e;
    const pools = await sourcePools(deps, input.sourceId, input.ctx);
    throw new CsiError(
      Code.FAILED_PRECONDITION,
      `volume ${input.sourceId} cannot be cloned: its storage pool ${pools} can neither clone nor snapshot (LINSTOR: ${cause.message.replace(/\.$/, '')}); ` +
        'use a StorageClass whose pool supports snapshots (e.g. LVM_THIN, ZFS, or FILE_THIN on a reflink filesystem), or copy the data yourself',
      { cause },
    );
  }
}

function cloneBody(plan: CreatePlan, key: string, sourceProps: Record<string, string>): CloneRequest {
  const override = pendingProps(plan, key);
  // The source's driver bookkeeping (CSI name, PVC, completion mark, …) must not carry over.
  const remove = Object.keys(sourceProps).filter((k) => k.startsWith('Aux/csi') && !(k in override));
  const body: CloneRequest = { name: plan.rdName, resource_group: plan.group.name, override_props: override };
  if (remove.length > 0) body.delete_props = remove;
  if (plan.params.layerList.length > 0) body.layer_list = layerKinds(plan.params.layerList);
  return body;
}

type Started = 'started' | 'resume' | 'fallback';

async function startClone(deps: SnapshotDeps, input: CloneInput, sourceProps: Record<string, string>): Promise<Started> {
  const { plan, sourceId, key, ctx } = input;
  const o = { signal: ctx.signal };
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.linstor.resourceDefinitions.clone(sourceId, cloneBody(plan, key, sourceProps), o);
      return 'started';
    } catch (e) {
      if (cloneUnsupported(e)) {
        ctx.log.info({ volume: plan.rdName, source: sourceId, reason: (e as Error).message }, 'LINSTOR cannot clone here; using snapshot and restore');
        return 'fallback';
      }
      if (e instanceof LinstorApiError && e.is(FAIL_EXISTS_RSC_DFN) && attempt === 0) {
        const rd = await linstorCall(`looking up volume ${plan.rdName}`, () => deps.linstor.resourceDefinitions.get(plan.rdName, o));
        if (!isOurUnfinished(rd, plan, key)) throw new CsiError(Code.ABORTED, `volume ${plan.rdName} is being created by another request; retry`);
        const status = await cloneStatus(deps, sourceId, plan.rdName, ctx);
        if (status === 'CLONING' || status === 'COMPLETE') return 'resume';
        // A failed clone, or an interrupted snapshot-and-restore: start over.
        ctx.log.warn({ volume: plan.rdName, status: status ?? 'none' }, 'removing an interrupted clone to start it again');
        await linstorCall(`removing the interrupted clone ${plan.rdName}`, () => deps.linstor.resourceDefinitions.delete(plan.rdName, o));
        continue;
      }
      if (e instanceof LinstorApiError && e.isNotFound()) throw notFound(`source volume ${sourceId} does not exist`);
      throw mapLinstorError(e, `cloning volume ${sourceId} into ${plan.rdName}`) ?? e;
    }
  }
}

/** The clone's status; undefined while LINSTOR does not know the clone (404). */
async function cloneStatus(deps: SnapshotDeps, source: string, target: string, ctx: CallContext): Promise<string | undefined> {
  try {
    return (await deps.linstor.resourceDefinitions.cloneStatus(source, target, { signal: ctx.signal })).status;
  } catch (e) {
    if (e instanceof LinstorApiError && e.isNotFound()) return undefined;
    throw e;
  }
}

/** Polls until COMPLETE. FAILED → INTERNAL (the caller removes the clone); out of time or cancelled → ABORTED (the clone goes on). */
async function waitForClone(deps: SnapshotDeps, input: CloneInput): Promise<void> {
  const { plan, sourceId, ctx } = input;
  const deadline = deps.clock.now() + deps.tuning.cloneWaitMs;
  const later = (why: string): CsiError =>
    new CsiError(Code.ABORTED, `cloning volume ${sourceId} into ${plan.rdName} is still running (${why}); retry, the next call resumes waiting`);
  for (;;) {
    let status: string | undefined;
    try {
      status = await cloneStatus(deps, sourceId, plan.rdName, ctx);
    } catch (e) {
      if (ctx.signal.aborted) throw later('the request was cancelled');
      if (e instanceof LinstorUnavailableError || (e instanceof LinstorApiError && e.status >= 500 && e.retCode === undefined)) {
        ctx.log.warn({ err: e, volume: plan.rdName }, 'cannot read the clone status; polling on');
        status = 'CLONING';
      } else {
        throw mapLinstorError(e, `reading the clone status of ${plan.rdName}`) ?? e;
      }
    }
    if (status === 'COMPLETE') return;
    if (status === 'FAILED') {
      throw new CsiError(
        Code.INTERNAL,
        `LINSTOR failed to clone volume ${sourceId} into ${plan.rdName} (status FAILED: the copy failed or a node holding the clone is offline); the partial clone is removed, retry`,
      );
    }
    if (deps.clock.now() >= deadline) throw later(`waited ${Math.round(deps.tuning.cloneWaitMs / 1000)} s`);
    try {
      await deps.clock.sleep(deps.tuning.clonePollMs, ctx.signal);
    } catch {
      throw later('the request was cancelled');
    }
  }
}

/** Snapshot of the source under a temporary name, restored into the target, then removed. */
async function viaSnapshot(deps: SnapshotDeps, input: CloneInput): Promise<void> {
  const { plan, sourceId, ctx } = input;
  const tmp = cloneSnapshotName(plan.rdName);
  let snap = await getSnapshot(deps.linstor, sourceId, tmp, ctx);
  if (snap && snapshotState(snap) !== 'ready') {
    await discard(deps, [snap], ctx);
    snap = undefined;
  }
  if (!snap) [snap] = await take(deps, { snapName: tmp, sources: [sourceId], props: { [PROP_TEMPORARY]: plan.rdName } }, ctx);
  try {
    await restoreInto(deps, { plan, snapshot: snap as NonNullable<typeof snap>, key: input.key, ctx, addReplicas: input.addReplicas, what: `volume ${sourceId}` });
  } finally {
    await discard(deps, [{ name: tmp, resource_name: sourceId }], ctx);
  }
}

export async function cloneInto(deps: SnapshotDeps, input: CloneInput): Promise<void> {
  const { plan, sourceId, ctx } = input;
  if (sameName(sourceId, plan.rdName)) throw invalidArgument(`volume ${plan.rdName} cannot be cloned from itself`);
  const source = isValidVolumeId(sourceId) ? await findVolume(deps.linstor, sourceId, ctx) : undefined;
  if (!source?.vd) throw notFound(`source volume ${sourceId} does not exist`);
  const sourceKiB = BigInt(source.vd.size_kib ?? 0);
  const target = targetSizeKiB(plan, sourceKiB, `source volume ${sourceId} (${sourceKiB} KiB)`);
  checkFsType(plan, source.rd.props?.[PROP_FS_TYPE], `source volume ${sourceId}`);
  const started = await startClone(deps, input, source.rd.props ?? {});
  if (started === 'fallback') {
    await viaSnapshotOrRefuse(deps, input);
    return;
  }
  ctx.log.info({ volume: plan.rdName, source: sourceId, resumed: started === 'resume' }, 'waiting for the LINSTOR clone');
  await waitForClone(deps, input);
  await growTo(deps, plan, sourceKiB, target, ctx);
  await input.addReplicas();
  await markProvisioned(deps, plan, ctx);
  plan.sizeKiB = target;
}
