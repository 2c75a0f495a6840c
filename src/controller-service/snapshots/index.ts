/**
 * The snapshot module: CreateSnapshot/DeleteSnapshot/ListSnapshots/GetSnapshot, the
 * GroupController, and CreateVolume's restore/clone step. Wired in src/driver.ts:
 *
 *   const snaps = createSnapshotServices(deps);
 *   createControllerService({ ...deps, contentSource: snaps.contentSource, extraCapabilities: snaps.capabilities })
 *   + snaps.controllerHandlers; snaps.groupControllerHandlers as the GroupController service.
 */
import type { ControllerHandlers, GroupControllerHandlers } from '../../csi/types.js';
import type { ContentSourceStep } from '../create-volume.js';
import { type ControllerDeps, GroupReconciler } from '../index.js';
import { createContentSourceStep } from './content-source.js';
import { createSnapshot } from './create-snapshot.js';
import { deleteSnapshot } from './delete-snapshot.js';
import { DEFAULT_TUNING, type SnapshotDeps, type SnapshotTuning } from './deps.js';
import { createGroupSnapshot, deleteGroupSnapshot, getGroupSnapshot, GROUP_CAPABILITIES } from './group.js';
import { getSnapshot, listSnapshots } from './list-snapshots.js';

export { formatSnapshotId, parseSnapshotId, type SnapshotRef } from './ids.js';
export { parseSnapshotParameters, type SnapshotParameters } from './params.js';
export { snapshotNameFor } from './naming.js';
export { PROP_CONTENT_SOURCE, contentSourceKey } from './props.js';
export type { SnapshotTuning } from './deps.js';

/** Controller capabilities backed by the handlers below. */
export const SNAPSHOT_CAPABILITIES = ['CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME', 'GET_SNAPSHOT'] as const;

export interface SnapshotServices {
  contentSource: ContentSourceStep;
  capabilities: string[];
  controllerHandlers: Partial<ControllerHandlers>;
  groupControllerHandlers: Partial<GroupControllerHandlers>;
}

export interface SnapshotServiceOptions {
  tuning?: Partial<SnapshotTuning>;
  /** Share the controller's group reconciler (a private one is made otherwise). */
  groups?: GroupReconciler;
}

export function createSnapshotServices(deps: ControllerDeps, options: SnapshotServiceOptions = {}): SnapshotServices {
  const full: SnapshotDeps = {
    ...deps,
    groups: options.groups ?? new GroupReconciler(deps),
    tuning: { ...DEFAULT_TUNING, ...options.tuning },
  };
  return {
    contentSource: createContentSourceStep(full),
    capabilities: [...SNAPSHOT_CAPABILITIES],
    controllerHandlers: {
      CreateSnapshot: (req, ctx) => createSnapshot(full, req, ctx),
      DeleteSnapshot: (req, ctx) => deleteSnapshot(full, req, ctx),
      ListSnapshots: (req, ctx) => listSnapshots(full, req, ctx),
      GetSnapshot: (req, ctx) => getSnapshot(full, req, ctx),
    },
    groupControllerHandlers: {
      GroupControllerGetCapabilities: async () => ({ capabilities: GROUP_CAPABILITIES.map((type) => ({ rpc: { type } })) }),
      CreateVolumeGroupSnapshot: (req, ctx) => createGroupSnapshot(full, req, ctx),
      GetVolumeGroupSnapshot: (req, ctx) => getGroupSnapshot(full, req, ctx),
      DeleteVolumeGroupSnapshot: (req, ctx) => deleteGroupSnapshot(full, req, ctx),
    },
  };
}
