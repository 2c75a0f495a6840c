/**
 * CreateVolume: parameters → resource group → spawn (RD + VD + placement) → response.
 *
 * Round trips for a new volume whose group is known: list RD (absent) → spawn → [autoplace for
 * the replicas after the preferred one] → [view resources, when the remote-access policy gives
 * the PV a node affinity].
 *
 * Idempotent: an existing RD for the same name is compared (CSI name, size, group, volume mode,
 * filesystem) and returned, or ALREADY_EXISTS. A failure after the spawn deletes the RD (and a
 * group this call created).
 */
import { Code, CsiError, alreadyExists, failedPrecondition, invalidArgument } from '../csi/errors.js';
import type { CreateVolumeRequest__Output, CreateVolumeResponse, Volume, VolumeContentSource } from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import { FAIL_EXISTS_RSC_DFN } from '../linstor/apicallrc.js';
import { LinstorApiError } from '../linstor/errors.js';
import type { AutoSelectFilter } from '../linstor/types.js';
import { requireCapabilities, type CapabilitySummary } from './capabilities.js';
import type { ControllerDeps } from './deps.js';
import type { GroupReconciler } from './group-reconciler.js';
import type { NodeDirectory } from './node-directory.js';
import { linstorCall, mapLinstorError } from '../linstor/csi-errors.js';
import { resourceNameFor } from './naming.js';
import { type VolumeParameters, formatRemoteAccess, parseMutableParameters, parseParameters, replicaCount } from './parameters.js';
import { type PlacementPlan, type PlacementStep, type TopologyRequest, needsNodes, planPlacement } from './placement.js';
import { DRIVER_ID } from '../csi/driver-name.js';
import { CTX_FS_OPTS, CTX_FS_TYPE, CTX_MOUNT_OPTIONS, CTX_POST_MOUNT_XFS_OPTS, CTX_REMOTE_ACCESS_POLICY, CTX_USES_VOLUME_CONTEXT } from '../csi/volume-context.js';
import { driverVersion } from '../util/build-info.js';
import {
  PROP_CSI_NAME,
  PROP_FS_TYPE,
  PROP_PROVISIONED_BY,
  PROP_PVC_NAME,
  PROP_PVC_NAMESPACE,
  PROP_VOLUME_MODE,
} from './props.js';
import { PROP_BORN, bornFromContentSource } from '../csi/volume-history.js';
import { type DesiredGroup, desiredGroup } from './resource-group.js';
import { allocationKiB, kibToBytes, sizeSatisfies } from './sizes.js';
import { type NodeInfo, type Segments, accessibleTopology, matches } from './topology.js';
import { diskfulResources, findVolume, isHidden, probeVolume, viewResources } from './volumes.js';
import { PROP_CONTENT_SOURCE, contentSourceKey } from './snapshots/props.js';

export const PVC_NAME_KEY = 'csi.storage.k8s.io/pvc/name';
export const PVC_NAMESPACE_KEY = 'csi.storage.k8s.io/pvc/namespace';

/** Everything CreateVolume decided before touching LINSTOR. */
export interface CreatePlan {
  request: CreateVolumeRequest__Output;
  rdName: string;
  params: VolumeParameters;
  caps: CapabilitySummary;
  fsType: string;
  sizeKiB: bigint;
  group: DesiredGroup;
  topology: TopologyRequest;
  /** Props the new RD gets. */
  rdProps: Record<string, string>;
}

/**
 * The seam for `volume_content_source` (restore from snapshot, clone). It must create the RD
 * `plan.rdName` in `plan.group.name` with `plan.rdProps`, fill it, and may call `addReplicas`
 * to place the remaining replicas like a new volume. CreateVolume then builds the response.
 * Errors are CsiErrors (NOT_FOUND for a missing source).
 */
export type ContentSourceStep = (input: {
  plan: CreatePlan;
  deps: ControllerDeps;
  ctx: CallContext;
  addReplicas: () => Promise<void>;
}) => Promise<{ contentSource: VolumeContentSource }>;

export interface CreateVolumeDeps extends ControllerDeps {
  groups: GroupReconciler;
  nodes: NodeDirectory;
  contentSource?: ContentSourceStep;
}

/** Validates the request and computes names, sizes and the group. No LINSTOR calls. */
export function planCreate(req: CreateVolumeRequest__Output, propertyNamespace: string): CreatePlan {
  if (!req.name) throw invalidArgument('name is required');
  const params = parseParameters(req.parameters ?? {}, { propertyNamespace });
  const mutable = parseMutableParameters(req.mutable_parameters ?? {});
  const caps = requireCapabilities(req.volume_capabilities, 'volume_capabilities', params.layerList);
  const fsType = caps.accessType === 'mount' ? caps.fsType || 'ext4' : '';
  const sizeKiB = allocationKiB(req.capacity_range, fsType);
  const pvcName = req.parameters?.[PVC_NAME_KEY];
  const pvcNamespace = req.parameters?.[PVC_NAMESPACE_KEY];
  const rdName = resourceNameFor({ csiName: req.name, usePvcName: params.usePvcName, pvcName, pvcNamespace });
  const group = desiredGroup(params);
  // A VolumeAttributesClass given at creation applies to this volume only, not to the group.
  const effective: VolumeParameters = mutable.placementCount !== undefined ? { ...params, placementCount: mutable.placementCount } : params;
  if (mutable.placementCount !== undefined && params.placementPolicy === 'Manual') {
    throw invalidArgument('mutable parameter placementCount cannot be combined with nodeList/clientList (Manual placement)');
  }
  const rdProps: Record<string, string> = {
    ...mutable.properties,
    [PROP_PROVISIONED_BY]: `${DRIVER_ID}/${driverVersion()}`,
    [PROP_CSI_NAME]: req.name,
    [PROP_VOLUME_MODE]: caps.accessType === 'block' ? 'block' : 'filesystem',
    // The format decision trusts only this record: born empty, from a snapshot or from a clone.
    [PROP_BORN]: bornFromContentSource(contentSourceKey(req.volume_content_source)),
  };
  if (fsType) rdProps[PROP_FS_TYPE] = fsType;
  if (pvcName) rdProps[PROP_PVC_NAME] = pvcName;
  if (pvcNamespace) rdProps[PROP_PVC_NAMESPACE] = pvcNamespace;
  const topology: TopologyRequest = {
    requisite: (req.accessibility_requirements?.requisite ?? []).map((t) => ({ ...t.segments })),
    preferred: (req.accessibility_requirements?.preferred ?? []).map((t) => ({ ...t.segments })),
  };
  return { request: req, rdName, params: effective, caps, fsType, sizeKiB, group, topology, rdProps };
}

export function volumeContext(plan: Pick<CreatePlan, 'params' | 'fsType'>): Record<string, string> {
  const p = plan.params;
  const ctx: Record<string, string> = {
    [CTX_USES_VOLUME_CONTEXT]: 'true',
    [CTX_REMOTE_ACCESS_POLICY]: formatRemoteAccess(p.remoteAccess),
  };
  if (plan.fsType) ctx[CTX_FS_TYPE] = plan.fsType;
  if (p.mountOpts) ctx[CTX_MOUNT_OPTIONS] = p.mountOpts;
  if (p.postMountXfsOpts) ctx[CTX_POST_MOUNT_XFS_OPTS] = p.postMountXfsOpts;
  if (p.fsOpts) ctx[CTX_FS_OPTS] = p.fsOpts;
  return ctx;
}

function isPlacementShortage(e: unknown): boolean {
  return e instanceof LinstorApiError && (e.isNotEnoughNodes() || e.isNotEnoughFreeSpace());
}

export async function createVolume(deps: CreateVolumeDeps, req: CreateVolumeRequest__Output, ctx: CallContext): Promise<CreateVolumeResponse> {
  const plan = planCreate(req, deps.config.propertyNamespace);
  for (const w of plan.params.warnings) ctx.log.warn({ volume: plan.rdName }, w);
  if (req.volume_content_source && !deps.contentSource) {
    throw invalidArgument('volume_content_source (restore from a snapshot or clone) is not supported yet');
  }
  return deps.inflight.run(plan.rdName, async () => {
    const existing = await probeVolume(deps.linstor, plan.rdName, ctx);
    if (existing) return existingVolume(deps, plan, existing.rd, existing.vd?.size_kib, ctx);
    return newVolume(deps, plan, ctx);
  });
}

/** Same name again: the same volume when compatible, else ALREADY_EXISTS. */
async function existingVolume(
  deps: CreateVolumeDeps,
  plan: CreatePlan,
  rd: NonNullable<Awaited<ReturnType<typeof findVolume>>>['rd'],
  sizeKib: number | undefined,
  ctx: CallContext,
): Promise<CreateVolumeResponse> {
  const name = plan.rdName;
  if (isHidden(rd)) {
    throw failedPrecondition(`volume ${name} was deleted but LINSTOR keeps its resource definition for its snapshots; delete the snapshots or use another name`);
  }
  const props = rd.props ?? {};
  const differs = (what: string): CsiError => alreadyExists(`volume ${name} already exists with a different ${what}; use another name or the original parameters`);
  if (props[PROP_CSI_NAME] !== undefined && props[PROP_CSI_NAME] !== plan.request.name) {
    throw alreadyExists(`LINSTOR resource definition ${name} already belongs to CSI volume "${props[PROP_CSI_NAME]}"`);
  }
  const sourceKey = contentSourceKey(plan.request.volume_content_source);
  if (props[PROP_PROVISIONED_BY] === undefined && sourceKey !== '' && props[PROP_CONTENT_SOURCE] === sourceKey && props[PROP_CSI_NAME] === plan.request.name && deps.contentSource) {
    // An interrupted restore/clone of this request (we hold its in-flight key): the step resumes or redoes it.
    return newVolume(deps, plan, ctx);
  }
  if (props[PROP_PROVISIONED_BY] === undefined) {
    throw alreadyExists(`LINSTOR resource definition ${name} exists but was not created by this driver; pick another name or import it as a static PV`);
  }
  if (sizeKib === undefined || !sizeSatisfies(BigInt(sizeKib), plan.request.capacity_range)) throw differs(`size (${sizeKib ?? 0} KiB)`);
  if ((rd.resource_group_name ?? '').toLowerCase() !== plan.group.name.toLowerCase()) throw differs(`resource group (${rd.resource_group_name ?? 'none'}), i.e. other StorageClass parameters`);
  if ((props[PROP_VOLUME_MODE] ?? 'filesystem') !== plan.rdProps[PROP_VOLUME_MODE]) throw differs(`volume mode (${props[PROP_VOLUME_MODE]})`);
  if ((props[PROP_FS_TYPE] ?? '') !== (plan.rdProps[PROP_FS_TYPE] ?? '')) throw differs(`filesystem (${props[PROP_FS_TYPE] ?? 'none'})`);
  if ((props[PROP_CONTENT_SOURCE] ?? '') !== sourceKey) {
    // A restore/clone is the same volume only when made from the same source.
    throw differs(`content source (${props[PROP_CONTENT_SOURCE] || 'none'})`);
  }
  const contentSource = plan.request.volume_content_source ?? null;
  // A previous attempt may have stopped before every replica was placed: complete it.
  const resources = await viewResources(deps.linstor, name, ctx);
  const want = replicaCount(plan.params);
  if (plan.params.placementPolicy !== 'Manual' && diskfulResources(resources).length < want) {
    await linstorCall(`completing the placement of volume ${name}`, () =>
      deps.linstor.resources.autoplace(name, { select_filter: { ...plan.group.selectFilter, place_count: want } }, { signal: ctx.signal }),
    );
    return respond(deps, plan, BigInt(sizeKib ?? 0), ctx, contentSource, undefined);
  }
  return respond(deps, plan, BigInt(sizeKib ?? 0), ctx, contentSource, resources);
}

async function newVolume(deps: CreateVolumeDeps, plan: CreatePlan, ctx: CallContext): Promise<CreateVolumeResponse> {
  const wantNodes = needsNodes(plan.params, plan.topology) && !plan.request.volume_content_source;
  // Both run at once; the listing's failure is handled below, after the group's outcome is known.
  const listing = wantNodes ? deps.nodes.list(ctx) : Promise.resolve(undefined);
  listing.catch(() => undefined);
  const ensured = await deps.groups.ensure(plan.group, ctx);
  let rdMayExist = false;
  try {
    const nodes = await listing;
    if (plan.request.volume_content_source && deps.contentSource) {
      rdMayExist = true;
      const { contentSource } = await deps.contentSource({ plan, deps, ctx, addReplicas: () => addReplicas(deps, plan, ctx) });
      return await respond(deps, plan, plan.sizeKiB, ctx, contentSource, undefined);
    }
    const placement = planPlacement(plan.params, plan.group, plan.topology, nodes);
    rdMayExist = true;
    await spawn(deps, plan, placement, ctx);
    for (const step of placement.steps) await runStep(deps, plan.rdName, step, ctx);
    return await respond(deps, plan, plan.sizeKiB, ctx, null, undefined);
  } catch (e) {
    const doing = `creating volume ${plan.rdName}`;
    const err = mapLinstorError(e, doing) ?? new CsiError(Code.INTERNAL, `${doing}: unexpected error`, { cause: e });
    // ABORTED = someone else owns the RD; never delete theirs.
    if (rdMayExist && err.code !== Code.ABORTED) await cleanup(deps, plan, ensured.created, ctx);
    // Failed before any RD existed (e.g. no node matches the topology): the group this call made goes too.
    else if (!rdMayExist) await removeCreatedGroup(deps, plan, ensured.created, ctx);
    throw err;
  }
}

async function spawn(deps: CreateVolumeDeps, plan: CreatePlan, placement: PlacementPlan, ctx: CallContext): Promise<void> {
  const o = { signal: ctx.signal };
  const body = (filter: AutoSelectFilter | undefined | null): Parameters<typeof deps.linstor.resourceGroups.spawn>[1] => ({
    resource_definition_name: plan.rdName,
    volume_sizes: [Number(plan.sizeKiB)],
    resource_definition_props: plan.rdProps,
    ...(filter === null ? { definitions_only: true } : filter ? { select_filter: filter } : {}),
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.linstor.resourceGroups.spawn(plan.group.name, body(placement.spawn), o);
      return;
    } catch (e) {
      if (attempt === 0 && (await deps.groups.recreateIfMissing(e, plan.group, ctx))) continue;
      if (e instanceof LinstorApiError && e.is(FAIL_EXISTS_RSC_DFN)) {
        throw new CsiError(Code.ABORTED, `volume ${plan.rdName} is being created by another request; retry`);
      }
      if (isPlacementShortage(e) && placement.spawnFallback) {
        ctx.log.info({ volume: plan.rdName, reason: (e as Error).message }, 'preferred nodes cannot take a replica; placing without preference');
        const rd = await findVolume(deps.linstor, plan.rdName, ctx, true);
        if (rd) await runStep(deps, plan.rdName, { kind: 'autoplace', filter: placement.spawnFallback }, ctx);
        else await deps.linstor.resourceGroups.spawn(plan.group.name, body(placement.spawnFallback), o);
        return;
      }
      throw e;
    }
  }
}

async function runStep(deps: ControllerDeps, rdName: string, step: PlacementStep, ctx: CallContext): Promise<void> {
  const o = { signal: ctx.signal };
  if (step.kind === 'autoplace') await deps.linstor.resources.autoplace(rdName, { select_filter: step.filter }, o);
  else await deps.linstor.resources.createMany(rdName, step.resources, o);
}

/**
 * Brings the diskful replicas of a restored or cloned RD to the plan's count, placed like a new
 * volume's. The first filter is the spawn's own (e.g. one replica on the preferred node: a
 * no-op when the restored replica is already there); the rest fill up to the count on the
 * nodes the topology allows, else anywhere. A clone comes with its source's replicas, so the
 * extras beyond this class's count go, the least preferred nodes first.
 */
async function addReplicas(deps: CreateVolumeDeps, plan: CreatePlan, ctx: CallContext): Promise<void> {
  const nodes = needsNodes(plan.params, plan.topology) ? await deps.nodes.list(ctx) : undefined;
  const placement = planPlacement(plan.params, plan.group, plan.topology, nodes);
  if (placement.spawn !== null) {
    const filter: AutoSelectFilter = { ...plan.group.selectFilter, ...(placement.spawn ?? { place_count: replicaCount(plan.params) }) };
    try {
      await runStep(deps, plan.rdName, { kind: 'autoplace', filter }, ctx);
    } catch (e) {
      if (!(isPlacementShortage(e) && placement.spawnFallback)) throw e;
      ctx.log.info({ volume: plan.rdName, reason: (e as Error).message }, 'preferred nodes cannot take a replica; placing without preference');
      await runStep(deps, plan.rdName, { kind: 'autoplace', filter: placement.spawnFallback }, ctx);
    }
  }
  for (const step of placement.steps) await runStep(deps, plan.rdName, step, ctx);
  await removeExtraReplicas(deps, plan, nodes, ctx);
}

/**
 * Deletes diskful replicas beyond the plan's count, least preferred first. Not for Manual
 * placement: nodeList names the nodes, and autoplace counts the clone's replicas as placed.
 */
async function removeExtraReplicas(deps: CreateVolumeDeps, plan: CreatePlan, nodes: readonly NodeInfo[] | undefined, ctx: CallContext): Promise<void> {
  if (plan.params.placementPolicy === 'Manual') return;
  const diskful = diskfulResources(await viewResources(deps.linstor, plan.rdName, ctx)).map((r) => r.node_name);
  for (const node of rankByTopology(diskful, plan.topology, nodes).slice(replicaCount(plan.params))) {
    ctx.log.info({ volume: plan.rdName, node }, 'removing a replica beyond the StorageClass replica count');
    await linstorCall(`removing the extra replica of ${plan.rdName} on ${node}`, () => deps.linstor.resources.delete(plan.rdName, node, { signal: ctx.signal }));
  }
}

/** Node names, best kept first: in the earliest preferred segment, then requisite, then the rest (by name). */
function rankByTopology(names: readonly string[], topo: TopologyRequest, nodes: readonly NodeInfo[] | undefined): string[] {
  const segmentsOf = (n: string): Segments => nodes?.find((i) => i.name.toLowerCase() === n.toLowerCase())?.segments ?? {};
  const rank = (n: string): number => {
    const pref = topo.preferred.findIndex((s) => matches(segmentsOf(n), s));
    if (pref >= 0) return pref;
    return topo.requisite.some((s) => matches(segmentsOf(n), s)) ? topo.preferred.length : topo.preferred.length + 1;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Removes what this call created: the RD (with its resources) and a group it created. */
async function cleanup(deps: CreateVolumeDeps, plan: CreatePlan, groupCreated: boolean, ctx: CallContext): Promise<void> {
  // Not bound to the call's signal: the call may have been cancelled, the cleanup must still run.
  try {
    await deps.linstor.resourceDefinitions.delete(plan.rdName);
  } catch (e) {
    ctx.log.warn({ err: e, volume: plan.rdName }, 'could not remove the partly created volume; DeleteVolume or a retry will');
  }
  await removeCreatedGroup(deps, plan, groupCreated, ctx);
}

/** A generated group this call created, if no volume uses it (best effort, not bound to the call's signal). */
async function removeCreatedGroup(deps: CreateVolumeDeps, plan: CreatePlan, groupCreated: boolean, ctx: CallContext): Promise<void> {
  if (groupCreated && plan.group.generated) await deps.groups.deleteIfUnused(plan.group.name, { signal: new AbortController().signal, log: ctx.log });
}

async function respond(
  deps: CreateVolumeDeps,
  plan: CreatePlan,
  sizeKiB: bigint,
  ctx: CallContext,
  contentSource: VolumeContentSource | null,
  knownResources: Awaited<ReturnType<typeof viewResources>> | undefined,
): Promise<CreateVolumeResponse> {
  const volume: Volume = {
    volume_id: plan.rdName,
    capacity_bytes: kibToBytes(sizeKiB),
    volume_context: volumeContext(plan),
    content_source: contentSource,
    accessible_topology: [],
  };
  if (plan.params.remoteAccess.kind !== 'anywhere') {
    const [resources, nodes] = await Promise.all([
      knownResources ? Promise.resolve(knownResources) : viewResources(deps.linstor, plan.rdName, ctx),
      deps.nodes.list(ctx),
    ]);
    const diskful = diskfulResources(resources).map((r) => r.node_name.toLowerCase());
    const infos = nodes.filter((n) => diskful.includes(n.name.toLowerCase()));
    volume.accessible_topology = accessibleTopology(plan.params.remoteAccess, infos).map((segments) => ({ segments }));
  }
  return { volume };
}
