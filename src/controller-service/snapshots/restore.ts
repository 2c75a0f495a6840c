/**
 * Filling a new volume from a snapshot (the Go driver's recipe): create the RD in the new
 * StorageClass's group → restore the volume definitions → restore the resource on ONE node that
 * holds the snapshot (preferred topology first) → grow to the requested size → place the other
 * replicas like a new volume. The RD is marked provisioned only when all of that is done, so an
 * interrupted restore is never mistaken for a finished one.
 */
import { Code, CsiError, invalidArgument, outOfRange, unavailable } from '../../csi/errors.js';
import type { CallContext } from '../../csi/handler.js';
import { FAIL_EXISTS_RSC_DFN, FAIL_NOT_CONNECTED, FAIL_NOT_FOUND_SNAPSHOT } from '../../linstor/apicallrc.js';
import { LinstorApiError } from '../../linstor/errors.js';
import type { ResourceDefinition, Snapshot } from '../../linstor/types.js';
import type { CreatePlan } from '../create-volume.js';
import { linstorCall, mapLinstorError } from '../../linstor/csi-errors.js';
import { PROP_CSI_NAME, PROP_FS_TYPE, PROP_PROVISIONED_BY } from '../props.js';
import { parseBytes } from '../sizes.js';
import { type NodeInfo, allowedReplicaNodes, matches, nodeInfo } from '../topology.js';
import type { SnapshotDeps } from './deps.js';
import { sameName, snapshotSizeKiB, snapshotState } from './model.js';
import { PROP_CONTENT_SOURCE } from './props.js';

/** The new volume's size: at least the source's; a smaller explicit request is OUT_OF_RANGE. */
export function targetSizeKiB(plan: Pick<CreatePlan, 'request' | 'sizeKiB'>, sourceKiB: bigint, what: string): bigint {
  const range = plan.request.capacity_range;
  const required = parseBytes('capacity_range.required_bytes', range?.required_bytes);
  const limit = parseBytes('capacity_range.limit_bytes', range?.limit_bytes);
  const sourceBytes = sourceKiB * 1024n;
  if (required > 0n && required < sourceBytes) {
    throw outOfRange(`capacity_range.required_bytes (${required}) is smaller than the ${what} (${sourceBytes} bytes); a restore or clone cannot shrink, request at least ${sourceBytes} bytes`);
  }
  if (limit > 0n && limit < sourceBytes) {
    throw outOfRange(`capacity_range.limit_bytes (${limit}) is smaller than the ${what} (${sourceBytes} bytes)`);
  }
  return plan.sizeKiB > sourceKiB ? plan.sizeKiB : sourceKiB;
}

/** A filesystem source restored as another filesystem could never be mounted. */
export function checkFsType(plan: Pick<CreatePlan, 'fsType'>, sourceFs: string | undefined, what: string): void {
  if (plan.fsType && sourceFs && plan.fsType.toLowerCase() !== sourceFs.toLowerCase()) {
    throw invalidArgument(`the ${what} holds a ${sourceFs} filesystem but ${plan.fsType} was requested; use a StorageClass/fsType of ${sourceFs}`);
  }
}

/** Whether `rd` is an unfinished restore/clone of this very request (a retry may take it over). */
export function isOurUnfinished(rd: ResourceDefinition, plan: CreatePlan, key: string): boolean {
  const p = rd.props ?? {};
  return p[PROP_PROVISIONED_BY] === undefined && p[PROP_CONTENT_SOURCE] === key && p[PROP_CSI_NAME] === plan.request.name;
}

export function pendingProps(plan: CreatePlan, key: string): Record<string, string> {
  const props: Record<string, string> = { ...plan.rdProps, [PROP_CONTENT_SOURCE]: key };
  delete props[PROP_PROVISIONED_BY];
  return props;
}

/** Marks the volume provisioned: from now on CreateVolume retries return it. */
export async function markProvisioned(deps: SnapshotDeps, plan: CreatePlan, ctx: CallContext): Promise<void> {
  const by = plan.rdProps[PROP_PROVISIONED_BY] ?? 'linstor-csi';
  await linstorCall(`completing volume ${plan.rdName}`, () =>
    deps.linstor.resourceDefinitions.modify(plan.rdName, { override_props: { [PROP_PROVISIONED_BY]: by } }, { signal: ctx.signal }),
  );
}

export async function growTo(deps: SnapshotDeps, plan: CreatePlan, fromKiB: bigint, toKiB: bigint, ctx: CallContext): Promise<void> {
  if (toKiB <= fromKiB) return;
  await linstorCall(`growing volume ${plan.rdName} to ${toKiB} KiB`, () =>
    deps.linstor.volumeDefinitions.modify(plan.rdName, 0, { size_kib: Number(toKiB) }, { signal: ctx.signal }),
  );
}

/** Creates the empty target RD (in the plan's group, not yet marked provisioned). */
async function createTargetRd(deps: SnapshotDeps, plan: CreatePlan, key: string, ctx: CallContext): Promise<void> {
  const o = { signal: ctx.signal };
  const body = { resource_definition: { name: plan.rdName, resource_group_name: plan.group.name, props: pendingProps(plan, key) } };
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.linstor.resourceDefinitions.create(body, o);
      return;
    } catch (e) {
      if (attempt === 0 && (await deps.groups.recreateIfMissing(e, plan.group, ctx))) continue;
      if (e instanceof LinstorApiError && e.is(FAIL_EXISTS_RSC_DFN) && attempt === 0) {
        const rd = await linstorCall(`looking up volume ${plan.rdName}`, () => deps.linstor.resourceDefinitions.get(plan.rdName, o));
        if (!isOurUnfinished(rd, plan, key)) throw new CsiError(Code.ABORTED, `volume ${plan.rdName} is being created by another request; retry`);
        // An interrupted restore of this request (we hold its in-flight key): start over.
        ctx.log.warn({ volume: plan.rdName }, 'removing an interrupted restore to start it again');
        await linstorCall(`removing the interrupted restore of ${plan.rdName}`, () => deps.linstor.resourceDefinitions.delete(plan.rdName, o));
        continue;
      }
      throw mapLinstorError(e, `creating volume ${plan.rdName}`) ?? e;
    }
  }
}

/** Snapshot nodes to restore on, best first: allowed by the topology, then preferred, then by name. */
export function restoreCandidates(snapshotNodes: readonly string[], nodes: readonly NodeInfo[], plan: Pick<CreatePlan, 'params' | 'topology'>): NodeInfo[] {
  const usable = nodes.filter((n) => n.online && !n.excluded);
  const holders = usable.filter((n) => snapshotNodes.some((s) => sameName(s, n.name)));
  const allowed = allowedReplicaNodes(plan.params.remoteAccess, plan.topology.requisite, usable);
  const manual = plan.params.placementPolicy === 'Manual' ? plan.params.nodeList : [];
  const rank = (n: NodeInfo): number[] => {
    const pref = plan.topology.preferred.findIndex((s) => matches(n.segments, s));
    const req = plan.topology.requisite.length === 0 || plan.topology.requisite.some((s) => matches(n.segments, s)) ? 0 : 1;
    return [
      manual.length > 0 && !manual.some((m) => sameName(m, n.name)) ? 1 : 0,
      !allowed || allowed.some((a) => a.name === n.name) ? 0 : 1,
      pref < 0 ? Number.MAX_SAFE_INTEGER : pref,
      req,
    ];
  };
  return holders
    .map((n) => ({ n, r: rank(n) }))
    .sort((a, b) => {
      for (let i = 0; i < a.r.length; i++) if (a.r[i] !== b.r[i]) return (a.r[i] as number) - (b.r[i] as number);
      return a.n.name < b.n.name ? -1 : 1;
    })
    .map((x) => x.n);
}

function isNodeProblem(e: unknown): boolean {
  return e instanceof LinstorApiError && (e.is(FAIL_NOT_CONNECTED) || e.is(FAIL_NOT_FOUND_SNAPSHOT) || e.isNotEnoughFreeSpace() || e.isNotEnoughNodes());
}

export interface RestoreInput {
  plan: CreatePlan;
  snapshot: Snapshot;
  /** PROP_CONTENT_SOURCE value. */
  key: string;
  ctx: CallContext;
  addReplicas: () => Promise<void>;
  /** What the data comes from, for messages. */
  what: string;
}

/** Restores `snapshot` into the new volume `plan.rdName`; sets `plan.sizeKiB` to the final size. */
export async function restoreInto(deps: SnapshotDeps, input: RestoreInput): Promise<void> {
  const { plan, snapshot: snap, key, ctx } = input;
  const o = { signal: ctx.signal };
  const state = snapshotState(snap);
  if (state === 'failed') throw new CsiError(Code.FAILED_PRECONDITION, `${input.what} failed in LINSTOR (${(snap.flags ?? []).join(',')}) and cannot be restored; take a new snapshot`);
  if (state !== 'ready') throw unavailable(`${input.what} is not ready yet; retry when it is`);
  const snapKiB = snapshotSizeKiB(snap);
  const target = targetSizeKiB(plan, snapKiB, `${input.what} (${snapKiB} KiB)`);
  checkFsType(plan, (snap.resource_definition_props ?? snap.props ?? {})[PROP_FS_TYPE], input.what);

  const holders = snap.nodes ?? (snap.snapshots ?? []).map((s) => s.node_name);
  // The node list costs a round trip but keeps a restore off an offline holder (LINSTOR would
  // accept it and deploy later, leaving the new volume without reachable data).
  const nodes = (await linstorCall('listing LINSTOR nodes', () => deps.linstor.nodes.list({}, o))).map((n) => nodeInfo(n, deps.config.propertyNamespace));
  const candidates = restoreCandidates(holders, nodes, plan);
  if (candidates.length === 0) {
    throw unavailable(`${input.what} is stored on node(s) ${(snap.nodes ?? []).join(', ') || '(none)'}, none of which is online and usable; retry when one is`);
  }

  await createTargetRd(deps, plan, key, ctx);
  await linstorCall(`restoring the volume definitions of ${input.what} into ${plan.rdName}`, () =>
    deps.linstor.snapshots.restoreVolumeDefinitions(snap.resource_name, snap.name, { to_resource: plan.rdName }, o),
  );
  let lastError: unknown;
  let restored = false;
  for (const node of candidates) {
    try {
      await deps.linstor.snapshots.restoreResource(snap.resource_name, snap.name, { to_resource: plan.rdName, nodes: [node.name] }, o);
      restored = true;
      ctx.log.info({ volume: plan.rdName, snapshot: snap.name, source: snap.resource_name, node: node.name }, 'restored snapshot');
      break;
    } catch (e) {
      if (!isNodeProblem(e)) throw mapLinstorError(e, `restoring ${input.what} into ${plan.rdName} on node ${node.name}`) ?? e;
      ctx.log.info({ volume: plan.rdName, node: node.name, reason: (e as Error).message }, 'cannot restore on this node; trying the next');
      lastError = e;
    }
  }
  if (!restored) throw mapLinstorError(lastError, `restoring ${input.what} into ${plan.rdName}`) ?? lastError;
  await growTo(deps, plan, snapKiB, target, ctx);
  await input.addReplicas();
  await markProvisioned(deps, plan, ctx);
  plan.sizeKiB = target;
}
