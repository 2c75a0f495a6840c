/**
 * ControllerModifyVolume (VolumeAttributesClass): LINSTOR properties on the volume's resource
 * definition, and the replica count, changed online. Replicas are added by the autoplacer and
 * removed from nodes that do not use the volume, never below one UpToDate copy.
 */
import { failedPrecondition } from '../csi/errors.js';
import type { ControllerModifyVolumeRequest__Output, ControllerModifyVolumeResponse } from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import type { ResourceWithVolumes } from '../linstor/types.js';
import { hasDrbdLayer } from '../linstor/layers.js';
import type { ControllerDeps } from './deps.js';
import { linstorCall } from '../linstor/csi-errors.js';
import { parseMutableParameters } from './parameters.js';
import { VOLUME_NUMBER, diskfulResources, requireVolume, requireVolumeId, viewResources } from './volumes.js';

function upToDate(r: ResourceWithVolumes): boolean {
  // Without DRBD LINSTOR reports no disk state: a replica on an online node holds current data.
  if (!hasDrbdLayer(r)) return r.state !== undefined;
  const v = r.volumes?.find((x) => x.volume_number === VOLUME_NUMBER) ?? r.volumes?.[0];
  return v?.state?.disk_state === 'UpToDate';
}

/**
 * Which diskful replicas to remove to get down to `target`: not in use, unhealthy ones first,
 * and at least one UpToDate copy stays. Throws FAILED_PRECONDITION when that is impossible.
 */
export function replicasToRemove(id: string, resources: readonly ResourceWithVolumes[], target: number): string[] {
  const diskful = diskfulResources(resources);
  const excess = diskful.length - target;
  if (excess <= 0) return [];
  const removable = diskful
    .filter((r) => r.state?.in_use !== true)
    .sort((a, b) => Number(upToDate(a)) - Number(upToDate(b)) || (a.node_name < b.node_name ? 1 : -1));
  const chosen: string[] = [];
  for (const r of removable) {
    if (chosen.length === excess) break;
    const remaining = diskful.filter((x) => x !== r && !chosen.includes(x.node_name));
    if (!remaining.some(upToDate)) continue;
    chosen.push(r.node_name);
  }
  if (chosen.length < excess) {
    throw failedPrecondition(
      `volume ${id} cannot go from ${diskful.length} to ${target} replica(s) now: the others are in use or the last UpToDate copies; retry after the resync or when the volume is detached`,
    );
  }
  return chosen;
}

export async function modifyVolume(deps: ControllerDeps, req: ControllerModifyVolumeRequest__Output, ctx: CallContext): Promise<ControllerModifyVolumeResponse> {
  const id = requireVolumeId(req.volume_id);
  const change = parseMutableParameters(req.mutable_parameters ?? {});
  return deps.inflight.run(id, async () => {
    const o = { signal: ctx.signal };
    const v = await requireVolume(deps.linstor, id, ctx);
    if (Object.keys(change.properties).length > 0) {
      await linstorCall(`setting properties of volume ${id}`, () => deps.linstor.resourceDefinitions.modify(id, { override_props: change.properties }, o));
    }
    const target = change.placementCount;
    if (target === undefined) return {};
    const resources = await viewResources(deps.linstor, id, ctx);
    const current = diskfulResources(resources).length;
    if (target > current) {
      await linstorCall(`adding replicas to volume ${id}`, () => deps.linstor.resources.autoplace(id, { select_filter: { place_count: target } }, o));
      ctx.log.info({ volume: id, from: current, to: target, group: v.rd.resource_group_name }, 'added replicas');
    } else if (target < current) {
      for (const node of replicasToRemove(id, resources, target)) {
        await linstorCall(`removing the replica of volume ${id} on node ${node}`, () => deps.linstor.resources.delete(id, node, o));
      }
      ctx.log.info({ volume: id, from: current, to: target }, 'removed replicas');
    }
    return {};
  });
}
