/**
 * Reading volumes back from LINSTOR: one resource definition (with its volume definitions) per
 * CSI volume, the volume id being the RD name.
 */
import { invalidArgument, notFound } from '../csi/errors.js';
import type { CallContext } from '../csi/handler.js';
import type { LinstorClient } from '../linstor/client.js';
import { LinstorApiError } from '../linstor/errors.js';
import type { ResourceDefinition, ResourceWithVolumes, VolumeDefinition } from '../linstor/types.js';
import { linstorCall } from '../linstor/csi-errors.js';
import { isValidVolumeId } from './naming.js';
import { PROP_DELETED, PROP_PUBLISHED } from './props.js';
import { isDeleting, isDisklessResource, isTieBreakerResource } from '../linstor/resource-flags.js';

export const VOLUME_NUMBER = 0;

export interface VolumeRecord {
  rd: ResourceDefinition;
  vd: VolumeDefinition | undefined;
}

/** Hidden = deleted by CSI but kept by LINSTOR for its snapshots. */
export function isHidden(rd: ResourceDefinition): boolean {
  return rd.props?.[PROP_DELETED] === 'true';
}

export function requireVolumeId(id: string, field = 'volume_id'): string {
  if (id === '') throw invalidArgument(`${field} is required`);
  return id;
}

/** The RD and its volume 0, or undefined when missing (or hidden, unless `includeHidden`). */
export async function findVolume(
  linstor: LinstorClient,
  id: string,
  ctx: Pick<CallContext, 'signal'>,
  includeHidden = false,
): Promise<VolumeRecord | undefined> {
  if (!isValidVolumeId(id)) return undefined;
  const list = await linstorCall(`looking up volume ${id}`, () =>
    linstor.resourceDefinitions.list({ resourceDefinitions: [id], withVolumeDefinitions: true }, { signal: ctx.signal }),
  );
  const rd = list.find((r) => r.name.toLowerCase() === id.toLowerCase());
  if (!rd || (!includeHidden && isHidden(rd))) return undefined;
  return { rd, vd: rd.volume_definitions?.find((v) => (v.volume_number ?? 0) === VOLUME_NUMBER) };
}

/**
 * Like findVolume (hidden included) but with a single-object GET, which answers 404 cheaply for
 * the common "new volume" case; the volume definitions are read only when the RD exists.
 */
export async function probeVolume(linstor: LinstorClient, id: string, ctx: Pick<CallContext, 'signal'>): Promise<VolumeRecord | undefined> {
  if (!isValidVolumeId(id)) return undefined;
  const rd = await linstorCall(`looking up volume ${id}`, async () => {
    try {
      return await linstor.resourceDefinitions.get(id, { signal: ctx.signal });
    } catch (e) {
      if (e instanceof LinstorApiError && e.isNotFound()) return undefined;
      throw e;
    }
  });
  if (!rd) return undefined;
  const vds = await linstorCall(`reading the volume definitions of ${id}`, () => linstor.volumeDefinitions.list(id, { signal: ctx.signal }));
  return { rd, vd: vds.find((v) => (v.volume_number ?? 0) === VOLUME_NUMBER) };
}

export async function requireVolume(linstor: LinstorClient, id: string, ctx: Pick<CallContext, 'signal'>): Promise<VolumeRecord> {
  const v = await findVolume(linstor, id, ctx);
  if (!v) throw notFound(`volume ${id} does not exist in LINSTOR`);
  return v;
}

export async function viewResources(linstor: LinstorClient, id: string, ctx: Pick<CallContext, 'signal'>, nodes?: string[]): Promise<ResourceWithVolumes[]> {
  if (!isValidVolumeId(id)) return [];
  const list = await linstorCall(`reading the resources of volume ${id}`, () =>
    linstor.resources.view({ resources: [id], ...(nodes ? { nodes } : {}) }, { signal: ctx.signal }),
  );
  return list.filter((r) => r.name.toLowerCase() === id.toLowerCase());
}

/** Whether the resource records a current publication (a tie-breaker LINSTOR kept after unpublish does not). */
export function isPublished(r: ResourceWithVolumes): boolean {
  return !isDeleting(r) && !isTieBreakerResource(r) && r.props?.[PROP_PUBLISHED] !== undefined;
}

export function publishedNodes(resources: readonly ResourceWithVolumes[]): string[] {
  return resources.filter(isPublished).map((r) => r.node_name);
}

export function diskfulResources(resources: readonly ResourceWithVolumes[]): ResourceWithVolumes[] {
  return resources.filter((r) => !isDeleting(r) && !isDisklessResource(r));
}
