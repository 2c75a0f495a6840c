/**
 * DeleteVolume: idempotent; refused while a node has the volume Primary; diskless resources go
 * first; a volume with snapshots is hidden (LINSTOR keeps an RD that has snapshots) until its
 * last snapshot is deleted.
 */
import { failedPrecondition } from '../csi/errors.js';
import type { DeleteVolumeRequest__Output, DeleteVolumeResponse } from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import { FAIL_EXISTS_SNAPSHOT_DFN } from '../linstor/apicallrc.js';
import { LinstorApiError } from '../linstor/errors.js';
import type { ResourceDefinition } from '../linstor/types.js';
import type { ControllerDeps } from './deps.js';
import type { GroupReconciler } from './group-reconciler.js';
import { linstorCall, mapLinstorError } from '../linstor/csi-errors.js';
import { isGeneratedResourceGroup, isValidVolumeId } from './naming.js';
import { isHiddenOrEmptied } from './hidden-volumes.js';
import { PROP_DELETED } from './props.js';
import { isDeleting, isDisklessResource } from '../linstor/resource-flags.js';
import { isHidden, requireVolumeId, viewResources } from './volumes.js';

export interface DeleteVolumeDeps extends ControllerDeps {
  groups: GroupReconciler;
}

export async function deleteVolume(deps: DeleteVolumeDeps, req: DeleteVolumeRequest__Output, ctx: CallContext): Promise<DeleteVolumeResponse> {
  const id = requireVolumeId(req.volume_id);
  if (!isValidVolumeId(id)) return {}; // cannot name a LINSTOR object: nothing to delete
  return deps.inflight.run(id, async () => {
    const o = { signal: ctx.signal };
    const [rds, resources] = await Promise.all([
      linstorCall(`looking up volume ${id}`, () => deps.linstor.resourceDefinitions.list({ resourceDefinitions: [id] }, o)),
      viewResources(deps.linstor, id, ctx),
    ]);
    const rd = rds.find((r) => r.name.toLowerCase() === id.toLowerCase());
    if (!rd) return {};
    if (isHidden(rd)) {
      // Deleted before: finish what an interrupted attempt left (resources, the RD once no snapshot is left).
      await hide(deps, rd, ctx);
      return {};
    }
    const inUse = resources.filter((r) => r.state?.in_use === true);
    if (inUse.length > 0) {
      throw failedPrecondition(
        `volume ${id} is in use (DRBD Primary) on node ${inUse.map((r) => r.node_name).join(', ')}; stop the pods using it and unpublish it first`,
      );
    }
    const diskless = resources.filter((r) => isDisklessResource(r) && !isDeleting(r));
    await Promise.all(
      diskless.map((r) =>
        linstorCall(`deleting the diskless resource of volume ${id} on node ${r.node_name}`, () => deps.linstor.resources.delete(id, r.node_name, o)),
      ),
    );
    try {
      await deps.linstor.resourceDefinitions.delete(id, o);
    } catch (e) {
      if (e instanceof LinstorApiError && e.is(FAIL_EXISTS_SNAPSHOT_DFN)) {
        await hide(deps, rd, ctx);
        return {};
      }
      throw mapLinstorError(e, `deleting volume ${id}`) ?? e;
    }
    const rg = rd.resource_group_name;
    if (rg && isGeneratedResourceGroup(rg)) await deps.groups.deleteIfUnused(rg, ctx);
    return {};
  });
}

/**
 * Keeps the RD for its snapshots, without resources or volume definitions, marked deleted.
 * Idempotent: a retry after an interruption completes it. Ends with the snapshot check of
 * DeleteSnapshot, so a last snapshot deleted meanwhile does not leave the RD behind.
 */
async function hide(deps: DeleteVolumeDeps, rd: ResourceDefinition, ctx: CallContext): Promise<void> {
  const id = rd.name;
  const o = { signal: ctx.signal };
  deps.hiddenVolumes?.hiding(id);
  if (!isHidden(rd)) {
    ctx.log.info({ volume: id }, 'volume has snapshots: keeping its resource definition hidden until they are deleted');
    await linstorCall(`hiding volume ${id}`, () => deps.linstor.resourceDefinitions.modify(id, { override_props: { [PROP_DELETED]: 'true' } }, o));
  }
  const resources = (await viewResources(deps.linstor, id, ctx)).filter((r) => !isDeleting(r));
  for (const r of resources) {
    await linstorCall(`deleting the resource of volume ${id} on node ${r.node_name}`, () => deps.linstor.resources.delete(id, r.node_name, o));
  }
  const vds = await linstorCall(`listing the volume definitions of ${id}`, () => deps.linstor.volumeDefinitions.list(id, o));
  for (const vd of vds) {
    await deps.linstor.volumeDefinitions.delete(id, vd.volume_number ?? 0, o).catch((e: unknown) => {
      ctx.log.warn({ err: e, volume: id }, 'could not delete a volume definition of a hidden volume');
    });
  }
  if (await removeIfNoSnapshots(deps, rd, ctx)) ctx.log.info({ volume: id }, 'no snapshot left: removed the volume');
}

/**
 * For DeleteSnapshot: removes a hidden volume's RD (and its generated group) once no snapshot
 * is left. Returns whether it was removed.
 */
export async function removeHiddenVolumeIfUnused(deps: DeleteVolumeDeps, rdName: string, ctx: CallContext): Promise<boolean> {
  if (!isValidVolumeId(rdName)) return false;
  const o = { signal: ctx.signal };
  const rds = await linstorCall(`looking up volume ${rdName}`, () =>
    deps.linstor.resourceDefinitions.list({ resourceDefinitions: [rdName], withVolumeDefinitions: true }, o),
  );
  const rd = rds.find((r) => r.name.toLowerCase() === rdName.toLowerCase());
  if (!rd || !isHiddenOrEmptied(rd)) return false;
  return removeIfNoSnapshots(deps, rd, ctx);
}

async function removeIfNoSnapshots(deps: DeleteVolumeDeps, rd: ResourceDefinition, ctx: CallContext): Promise<boolean> {
  const rdName = rd.name;
  const o = { signal: ctx.signal };
  const snaps = await linstorCall(`listing the snapshots of ${rdName}`, async () => {
    try {
      return await deps.linstor.snapshots.list(rdName, o);
    } catch (e) {
      if (e instanceof LinstorApiError && e.isNotFound()) return undefined; // removed meanwhile
      throw e;
    }
  });
  if (snaps === undefined || snaps.length > 0) return false;
  await linstorCall(`deleting hidden volume ${rdName}`, () => deps.linstor.resourceDefinitions.delete(rdName, o));
  deps.hiddenVolumes?.removed(rdName);
  const rg = rd.resource_group_name;
  if (rg && isGeneratedResourceGroup(rg)) await deps.groups.deleteIfUnused(rg, ctx);
  return true;
}
