/**
 * The CSI Node service: thin handlers over src/node-ops. State lives in the mount table and
 * in DRBD, never in memory, so a restarted plugin carries on where the last one stopped.
 */
import type { NodeHandlers } from '../csi/types.js';
import { DEFAULT_TUNING, type NodeServiceDeps } from './deps.js';
import { capabilitiesHandler, infoHandler } from './info.js';
import { publishHandler, unpublishHandler } from './publish.js';
import { stageHandler, unstageHandler } from './stage.js';
import { expandHandler, statsHandler } from './stats.js';

export type { NodeServiceDeps, NodeTopologySource, NodeServiceConfig, NodeTuning } from './deps.js';
export { nodeCapabilities, topologySegments, TOPOLOGY_HOSTNAME_KEY } from './info.js';
export { decideFormat, type BlankDecision, type BlankInput } from './blank.js';
export * from './history.js';

export function createNodeService(deps: NodeServiceDeps): Partial<NodeHandlers> {
  const tuning = { ...DEFAULT_TUNING, ...(deps.tuning ?? {}) };
  return {
    NodeGetInfo: infoHandler(deps),
    NodeGetCapabilities: capabilitiesHandler(),
    NodeStageVolume: stageHandler(deps, tuning),
    NodeUnstageVolume: unstageHandler(deps, tuning),
    NodePublishVolume: publishHandler(deps, tuning),
    NodeUnpublishVolume: unpublishHandler(deps, tuning),
    NodeGetVolumeStats: statsHandler(deps, tuning),
    NodeExpandVolume: expandHandler(deps, tuning),
  };
}
