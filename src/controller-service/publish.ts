/**
 * ControllerPublishVolume / ControllerUnpublishVolume.
 *
 * Publish makes the volume available on the node: the local replica when there is one, a
 * converted tie-breaker, or a new diskless DRBD client. The node's resource records the
 * publication (`Aux/csi-published`), which also feeds ListVolumes' published nodes and the
 * single-node check. Unpublish removes only diskless resources created for the attachment
 * (asking LINSTOR to keep them as tie-breakers when quorum needs one).
 */
import { Code, CsiError, alreadyExists, failedPrecondition, invalidArgument, notFound } from '../csi/errors.js';
import type {
  ControllerPublishVolumeRequest__Output,
  ControllerPublishVolumeResponse,
  ControllerUnpublishVolumeRequest__Output,
  ControllerUnpublishVolumeResponse,
} from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import { LinstorApiError } from '../linstor/errors.js';
import type { ResourceWithVolumes } from '../linstor/types.js';
import { requireCapabilities } from './capabilities.js';
import type { ControllerDeps } from './deps.js';
import type { NodeDirectory } from './node-directory.js';
import { linstorCall, mapLinstorError } from '../linstor/csi-errors.js';
import { isValidVolumeId } from './naming.js';
import { parseRemoteAccess } from './parameters.js';
import { CTX_REMOTE_ACCESS_POLICY, PUB_DEVICE_PATH, PUB_FS_TYPE, PUB_USES_PUBLISH_CONTEXT } from '../csi/volume-context.js';
import { CREATED_FOR_ATTACH, PROP_ALLOW_TWO_PRIMARIES, PROP_CREATED_FOR, PROP_PUBLISHED } from './props.js';
import { mayAttach } from './topology.js';
import { isDeleting, isDisklessResource, isTieBreakerResource } from '../linstor/resource-flags.js';
import { VOLUME_NUMBER, findVolume, isPublished, requireVolumeId, viewResources } from './volumes.js';

export interface PublishDeps extends ControllerDeps {
  nodes: NodeDirectory;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function devicePathFor(template: string, rd: string): string {
  return template.replaceAll('{resource}', rd).replaceAll('{volume}', String(VOLUME_NUMBER));
}

async function requireNode(deps: ControllerDeps, node: string, ctx: CallContext): Promise<void> {
  try {
    const n = await deps.linstor.nodes.get(node, { signal: ctx.signal });
    if (n.connection_status !== 'ONLINE') {
      throw failedPrecondition(
        `LINSTOR node ${node} is ${n.connection_status ?? 'not connected'} (its satellite is not online); the volume cannot be attached there until it is back`,
      );
    }
  } catch (e) {
    if (e instanceof LinstorApiError && e.isNotFound()) throw notFound(`node ${node} is not a LINSTOR node`);
    throw mapLinstorError(e, `looking up node ${node}`) ?? e;
  }
}

export async function publishVolume(deps: PublishDeps, req: ControllerPublishVolumeRequest__Output, ctx: CallContext): Promise<ControllerPublishVolumeResponse> {
  const id = requireVolumeId(req.volume_id);
  if (!req.node_id) throw invalidArgument('node_id is required');
  if (!req.volume_capability) throw invalidArgument('volume_capability is required');
  const caps = requireCapabilities([req.volume_capability], 'volume_capability');
  const node = req.node_id;
  if (!isValidVolumeId(id)) throw notFound(`volume ${id} does not exist`);
  return deps.inflight.run(id, async () => {
    const o = { signal: ctx.signal };
    // The attach-limit read runs alongside, so it adds a round trip but no latency.
    const limitCheck = checkAttachLimit(deps, node, ctx);
    limitCheck.catch(() => undefined);
    const [, resources] = await Promise.all([requireNode(deps, node, ctx), viewResources(deps.linstor, id, ctx)]);
    const live = resources.filter((r) => !isDeleting(r));
    if (live.length === 0 && !(await findVolume(deps.linstor, id, ctx))) throw notFound(`volume ${id} does not exist`);
    if (live.length === 0) throw failedPrecondition(`volume ${id} has no replica in LINSTOR; it cannot be attached`);
    const mine = live.find((r) => same(r.node_name, node));
    const want = req.readonly ? 'ro' : 'rw';

    // Access-mode checks against the other publications.
    const others = live.filter((r) => !same(r.node_name, node) && isPublished(r));
    if (caps.singleNode && others.length > 0) {
      throw failedPrecondition(
        `volume ${id} is already published on node ${others.map((r) => r.node_name).join(', ')} and its access mode (${caps.modes.join(', ')}) allows one node; detach it there first`,
      );
    }
    const writersElsewhere = others.filter((r) => r.props?.[PROP_PUBLISHED] === 'rw');
    if (want === 'rw' && writersElsewhere.length > 0 && !caps.multiNodeWriter) {
      throw failedPrecondition(`volume ${id} is published read-write on node ${writersElsewhere[0]?.node_name}; the requested access mode allows one writer`);
    }
    const recorded = mine && isPublished(mine) ? mine.props?.[PROP_PUBLISHED] : undefined;
    if (recorded !== undefined && recorded !== want) {
      throw alreadyExists(`volume ${id} is already published on node ${node} as ${recorded === 'rw' ? 'read-write' : 'read-only'}; unpublish it first`);
    }
    if (recorded === undefined) await limitCheck;

    // Remote access policy: a node without a replica must be allowed to reach one.
    const diskful = live.filter((r) => !isDisklessResource(r));
    const hasReplica = diskful.some((r) => same(r.node_name, node));
    if (!hasReplica) await checkRemoteAccess(deps, id, node, diskful, req.volume_context?.[CTX_REMOTE_ACCESS_POLICY], ctx);

    if (caps.multiNodeWriter && want === 'rw' && writersElsewhere.length > 0) {
      await linstorCall(`allowing two primaries for volume ${id}`, () =>
        deps.linstor.resourceDefinitions.modify(id, { override_props: { [PROP_ALLOW_TWO_PRIMARIES]: 'yes' } }, o),
      );
    }

    const doing = `attaching volume ${id} to node ${node}`;
    if (!mine) {
      const top = live[0]?.layer_object?.type;
      if (top !== undefined && top !== 'DRBD' && top !== 'NVME') {
        throw failedPrecondition(`volume ${id} has no replica on node ${node} and its top layer (${top}) cannot be reached remotely`);
      }
      await linstorCall(doing, () =>
        deps.linstor.resources.create(
          id,
          node,
          { resource: { node_name: node, flags: ['DISKLESS'], props: { [PROP_PUBLISHED]: want, [PROP_CREATED_FOR]: CREATED_FOR_ATTACH } }, ...(top === 'NVME' ? {} : { layer_list: ['DRBD', 'STORAGE'] }) },
          o,
        ),
      );
    } else if (isTieBreakerResource(mine)) {
      // Reuse the tie-breaker as the client; unpublish hands it back to LINSTOR.
      await linstorCall(doing, () => deps.linstor.resources.makeAvailable(id, node, { diskful: false }, o));
      await linstorCall(doing, () =>
        deps.linstor.resources.modify(id, node, { override_props: { [PROP_PUBLISHED]: want, [PROP_CREATED_FOR]: CREATED_FOR_ATTACH } }, o),
      );
    } else if (recorded === undefined) {
      await linstorCall(doing, () => deps.linstor.resources.modify(id, node, { override_props: { [PROP_PUBLISHED]: want } }, o));
    }

    const local = mine?.volumes?.find((v) => v.volume_number === VOLUME_NUMBER)?.device_path;
    const top = live[0]?.layer_object?.type;
    const path = top === 'DRBD' || !local ? devicePathFor(deps.config.devicePathTemplate, id) : local;
    const pub: Record<string, string> = { [PUB_USES_PUBLISH_CONTEXT]: 'true', [PUB_DEVICE_PATH]: path };
    if (caps.accessType === 'mount' && caps.fsType) pub[PUB_FS_TYPE] = caps.fsType;
    return { publish_context: pub };
  });
}

/**
 * The node plugin reports --max-volumes-per-node to kubelet, and the scheduler respects it;
 * this is the same limit enforced here for callers that bypass the scheduler.
 */
async function checkAttachLimit(deps: PublishDeps, node: string, ctx: CallContext): Promise<void> {
  const limit = deps.config.maxVolumesPerNode;
  const onNode = await linstorCall(`reading the volumes attached to node ${node}`, () =>
    deps.linstor.resources.view({ nodes: [node] }, { signal: ctx.signal }),
  );
  const attached = new Set(onNode.filter((r) => same(r.node_name, node) && isPublished(r)).map((r) => r.name.toLowerCase())).size;
  if (attached >= limit) {
    throw new CsiError(
      Code.RESOURCE_EXHAUSTED,
      `node ${node} already has ${attached} volumes attached, its limit (--max-volumes-per-node=${limit}); detach one or schedule the pod elsewhere`,
    );
  }
}

async function checkRemoteAccess(
  deps: PublishDeps,
  id: string,
  node: string,
  diskful: ResourceWithVolumes[],
  policyText: string | undefined,
  ctx: CallContext,
): Promise<void> {
  if (policyText === undefined) return; // static PV without our context: LINSTOR decides
  let policy;
  try {
    policy = parseRemoteAccess(CTX_REMOTE_ACCESS_POLICY, policyText);
  } catch {
    throw invalidArgument(`volume_context ${CTX_REMOTE_ACCESS_POLICY} "${policyText}" is not a remote-access policy`);
  }
  if (policy.kind === 'anywhere') return;
  const nodes = await deps.nodes.list(ctx);
  const client = nodes.find((n) => same(n.name, node));
  const replicas = nodes.filter((n) => diskful.some((r) => same(r.node_name, n.name)));
  if (!client || !mayAttach(policy, client, replicas)) {
    throw failedPrecondition(
      `volume ${id} may only be used where it has a replica${policy.kind === 'fromSame' ? ' or a node sharing its topology labels' : ''} (allowRemoteVolumeAccess: ${policyText}); node ${node} has none — replicas are on ${diskful.map((r) => r.node_name).join(', ')}`,
    );
  }
}

export async function unpublishVolume(deps: PublishDeps, req: ControllerUnpublishVolumeRequest__Output, ctx: CallContext): Promise<ControllerUnpublishVolumeResponse> {
  const id = requireVolumeId(req.volume_id);
  if (!req.node_id) throw invalidArgument('node_id is required');
  const node = req.node_id;
  if (!isValidVolumeId(id)) return {};
  return deps.inflight.run(id, async () => {
    const o = { signal: ctx.signal };
    const resources = (await viewResources(deps.linstor, id, ctx)).filter((r) => !isDeleting(r));
    const mine = resources.find((r) => same(r.node_name, node));
    if (!mine) return {};
    const doing = `detaching volume ${id} from node ${node}`;
    if (isDisklessResource(mine) && mine.props?.[PROP_CREATED_FOR] === CREATED_FOR_ATTACH) {
      try {
        await deps.linstor.resources.delete(id, node, { ...o, keepTiebreaker: true });
      } catch (e) {
        if (e instanceof LinstorApiError && e.isInUse()) {
          throw new CsiError(Code.FAILED_PRECONDITION, `volume ${id} is still in use on node ${node}; unmount it there first (NodeUnpublish/NodeUnstage)`);
        }
        throw mapLinstorError(e, doing) ?? e;
      }
    } else if (isPublished(mine)) {
      await linstorCall(doing, () => deps.linstor.resources.modify(id, node, { delete_props: [PROP_PUBLISHED] }, o));
    }
    // Dual-primary is only needed while two nodes write.
    const writers = resources.filter((r) => !same(r.node_name, node) && isPublished(r) && r.props?.[PROP_PUBLISHED] === 'rw');
    if (writers.length >= 1 && mine.props?.[PROP_PUBLISHED] === 'rw') {
      const v = await findVolume(deps.linstor, id, ctx);
      if (writers.length === 1 && v?.rd.props?.[PROP_ALLOW_TWO_PRIMARIES] !== undefined) {
        await linstorCall(doing, () => deps.linstor.resourceDefinitions.modify(id, { delete_props: [PROP_ALLOW_TWO_PRIMARIES] }, o));
      }
    }
    return {};
  });
}
