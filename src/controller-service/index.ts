/**
 * The CSI Controller service: thin handlers over the domain modules of this directory.
 * RPCs not returned here answer UNIMPLEMENTED (snapshots come with the snapshot module, which
 * plugs into CreateVolume through `contentSource`).
 */
import type { ControllerHandlers, ControllerServiceCapability } from '../csi/types.js';
import { type ContentSourceStep, createVolume } from './create-volume.js';
import { getCapacity } from './capacity.js';
import type { ControllerDeps } from './deps.js';
import { GroupReconciler } from './group-reconciler.js';
import { NodeDirectory } from './node-directory.js';
import { deleteVolume } from './delete-volume.js';
import { expandVolume } from './expand.js';
import { getVolume, listVolumes, validateVolumeCapabilities } from './list-volumes.js';
import { modifyVolume } from './modify.js';
import { VolumeListings } from './volume-listing.js';
import { publishVolume, unpublishVolume } from './publish.js';

export type { ControllerDeps } from './deps.js';
export type { ContentSourceStep, CreatePlan } from './create-volume.js';
export { GroupReconciler } from './group-reconciler.js';
export { NodeDirectory } from './node-directory.js';
export { removeHiddenVolumeIfUnused } from './delete-volume.js';
export { HiddenVolumes } from './hidden-volumes.js';

/** Controller capabilities backed by a handler below. */
export const BASE_CAPABILITIES = [
  'CREATE_DELETE_VOLUME',
  'PUBLISH_UNPUBLISH_VOLUME',
  'PUBLISH_READONLY',
  'LIST_VOLUMES',
  'GET_CAPACITY',
  'EXPAND_VOLUME',
  'LIST_VOLUMES_PUBLISHED_NODES',
  'VOLUME_CONDITION',
  'GET_VOLUME',
  'SINGLE_NODE_MULTI_WRITER',
  'MODIFY_VOLUME',
] as const;

/**
 * Exactly what works. The snapshot module adds its own (CREATE_DELETE_SNAPSHOT, LIST_SNAPSHOTS,
 * CLONE_VOLUME, GET_SNAPSHOT) through `extra` once it is wired in.
 */
export function controllerCapabilities(extra: readonly string[] = []): string[] {
  return [...new Set([...BASE_CAPABILITIES, ...extra])];
}

type RpcType = NonNullable<NonNullable<ControllerServiceCapability['rpc']>['type']>;

export interface ControllerServiceDeps extends ControllerDeps {
  /** Restore/clone step for CreateVolume's volume_content_source (snapshot module). */
  contentSource?: ContentSourceStep;
  /** Capabilities the extra handlers bring. */
  extraCapabilities?: readonly string[];
}

export interface ControllerServiceInternals {
  groups: GroupReconciler;
  nodes: NodeDirectory;
  listings: VolumeListings;
}

export function createControllerService(deps: ControllerServiceDeps, internals?: Partial<ControllerServiceInternals>): Partial<ControllerHandlers> {
  const groups = internals?.groups ?? new GroupReconciler(deps);
  const nodes = internals?.nodes ?? new NodeDirectory(deps);
  const listings = internals?.listings ?? new VolumeListings(deps, deps.config.listingCacheMaxAgeMs ?? 0);
  const full = { ...deps, groups, nodes, listings };
  const caps = controllerCapabilities(deps.extraCapabilities ?? []);
  return {
    CreateVolume: (req, ctx) => createVolume(full, req, ctx),
    DeleteVolume: (req, ctx) => deleteVolume(full, req, ctx),
    ControllerPublishVolume: (req, ctx) => publishVolume(full, req, ctx),
    ControllerUnpublishVolume: (req, ctx) => unpublishVolume(full, req, ctx),
    ValidateVolumeCapabilities: (req, ctx) => validateVolumeCapabilities(full, req, ctx),
    ListVolumes: (req, ctx) => listVolumes(full, req, ctx),
    ControllerGetVolume: (req, ctx) => getVolume(full, req, ctx),
    GetCapacity: (req, ctx) => getCapacity(full, req, ctx),
    ControllerExpandVolume: (req, ctx) => expandVolume(full, req, ctx),
    ControllerModifyVolume: (req, ctx) => modifyVolume(full, req, ctx),
    ControllerGetCapabilities: async () => ({ capabilities: caps.map((type) => ({ rpc: { type: type as RpcType } })) }),
  };
}
