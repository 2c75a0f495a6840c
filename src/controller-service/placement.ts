/**
 * Placement policies → a short plan of LINSTOR calls (spawn, then autoplace/create steps).
 *
 * - AutoPlaceTopology (default): one replica on the first preferred segment (locality for
 *   WaitForFirstConsumer), the rest by LINSTOR's autoplacer on nodes from which some requisite
 *   node can reach the volume (requisite widened by the remote-access policy); replicas that
 *   do not fit there go anywhere (they still add redundancy).
 * - AutoPlace: the resource group's filter only; topology is ignored.
 * - FollowTopology: diskful replicas on the nodes of the preferred, then requisite, segments.
 * - Manual: diskful on nodeList, diskless on clientList.
 *
 * The plan is pure; create-volume.ts runs it.
 */
import { resourceExhausted } from '../csi/errors.js';
import type { AutoSelectFilter, ResourceCreate } from '../linstor/types.js';
import type { VolumeParameters } from './parameters.js';
import { replicaCount } from './parameters.js';
import type { DesiredGroup } from './resource-group.js';
import { type NodeInfo, type Segments, allowedReplicaNodes, nodesIn } from './topology.js';

export interface TopologyRequest {
  requisite: Segments[];
  preferred: Segments[];
}

export type PlacementStep = { kind: 'autoplace'; filter: AutoSelectFilter } | { kind: 'create'; resources: ResourceCreate[] };

export interface PlacementPlan {
  /** Spawn's select filter; `undefined` = the group's own; `null` = definitions only. */
  spawn: AutoSelectFilter | undefined | null;
  /** When the spawn's placement fails for lack of nodes or space, place with this instead. */
  spawnFallback?: AutoSelectFilter;
  steps: PlacementStep[];
}

/** Whether the plan needs the node list (topology-driven policies with a topology request). */
export function needsNodes(p: VolumeParameters, topo: TopologyRequest): boolean {
  if (p.placementPolicy === 'Manual' || p.placementPolicy === 'AutoPlace') return false;
  return topo.requisite.length > 0 || topo.preferred.length > 0;
}

function names(nodes: readonly NodeInfo[]): string[] {
  return nodes.map((n) => n.name);
}

function uniq(nodes: NodeInfo[]): NodeInfo[] {
  const seen = new Set<string>();
  return nodes.filter((n) => (seen.has(n.name) ? false : (seen.add(n.name), true)));
}

function byName(a: NodeInfo, b: NodeInfo): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Filters that bring the replica count to `count`, preferring `allowed` nodes. */
function constrained(f: AutoSelectFilter, count: number, allowed: NodeInfo[] | undefined): AutoSelectFilter[] {
  if (!allowed) return [{ ...f, place_count: count }];
  if (allowed.length >= count) return [{ ...f, place_count: count, node_name_list: names(allowed) }];
  return [{ ...f, place_count: allowed.length, node_name_list: names(allowed) }, { ...f, place_count: count }];
}

export function planPlacement(
  p: VolumeParameters,
  group: DesiredGroup,
  topo: TopologyRequest,
  nodes: readonly NodeInfo[] | undefined,
): PlacementPlan {
  const count = replicaCount(p);
  if (p.placementPolicy === 'Manual') {
    // Diskful replicas exactly on nodeList, with the group's pool filter choosing the pool.
    const spawn: AutoSelectFilter = { ...group.selectFilter, place_count: p.nodeList.length, node_name_list: [...p.nodeList] };
    const clients: ResourceCreate[] = p.clientList.map((n) => ({ resource: { node_name: n, flags: ['DISKLESS'], props: { StorPoolName: p.disklessStoragePool } } }));
    return { spawn, steps: clients.length > 0 ? [{ kind: 'create', resources: clients }] : [] };
  }
  const f = group.selectFilter;
  if (!needsNodes(p, topo) || !nodes) {
    // The group's count applies unless this volume asks for another (VolumeAttributesClass).
    return { spawn: f.place_count === count ? undefined : { ...f, place_count: count }, steps: [] };
  }

  const usable = nodes.filter((n) => n.online && !n.excluded);
  const allowed = allowedReplicaNodes(p.remoteAccess, topo.requisite, usable);
  if (allowed && allowed.length === 0) {
    throw resourceExhausted(
      `no online node that can hold a replica matches the requested topology (requisite: ${JSON.stringify(topo.requisite)}, remote access: ${p.remoteAccess.kind})`,
    );
  }
  const isAllowed = (n: NodeInfo): boolean => !allowed || allowed.some((a) => a.name === n.name);

  if (p.placementPolicy === 'FollowTopology') {
    const ordered = uniq([...topo.preferred, ...topo.requisite].flatMap((s) => nodesIn(usable, s).sort(byName))).filter(isAllowed);
    const chosen = ordered.slice(0, count);
    if (chosen.length === 0) {
      const [first, ...rest] = constrained(f, count, allowed);
      return { spawn: first, steps: rest.map((filter) => ({ kind: 'autoplace', filter })) };
    }
    const steps: PlacementStep[] = chosen.length < count ? [{ kind: 'autoplace', filter: { ...f, place_count: count } }] : [];
    return { spawn: { ...f, place_count: chosen.length, node_name_list: names(chosen) }, steps };
  }

  // AutoPlaceTopology.
  const rest = constrained(f, count, allowed);
  const preferred = topo.preferred.map((s) => nodesIn(usable, s).filter(isAllowed)).find((g) => g.length > 0);
  if (!preferred) {
    const [first, ...more] = rest;
    return { spawn: first, steps: more.map((filter) => ({ kind: 'autoplace', filter })) };
  }
  const spawn: AutoSelectFilter = { ...f, place_count: 1, node_name_list: names(preferred) };
  const steps: PlacementStep[] = count > 1 ? rest.map((filter) => ({ kind: 'autoplace', filter })) : [];
  // If the preferred nodes cannot take the replica, place as without preference.
  return { spawn, spawnFallback: rest[0], steps };
}
