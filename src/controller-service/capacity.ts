/**
 * GetCapacity (storage capacity tracking): free space of the StorageClass's pools on the nodes
 * that could serve the topology segment, widened by the remote-access policy. Offline, evicted,
 * evacuating and `AutoplaceTarget=false` nodes are excluded; `overProvision` reports
 * `total × factor − reserved` instead of the pool's free space.
 *
 * available_capacity is the sum over those pools (as the Go driver reports it);
 * maximum_volume_size is the largest volume that fits with the replica count (the N-th largest
 * pool on distinct nodes).
 */
import type { GetCapacityRequest__Output, GetCapacityResponse } from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import type { StoragePool } from '../linstor/types.js';
import type { ControllerDeps } from './deps.js';
import type { NodeDirectory } from './node-directory.js';
import { linstorCall } from '../linstor/csi-errors.js';
import { type VolumeParameters, parseParameters, replicaCount } from './parameters.js';
import { KiB } from './sizes.js';
import { type NodeInfo, allowedReplicaNodes } from './topology.js';

export interface CapacityDeps extends ControllerDeps {
  nodes: NodeDirectory;
}

const LONG_MAX = 9223372036854775807;

/** KiB a pool can still take for this parameter set. */
export function poolFreeKib(pool: StoragePool, overProvision: number | undefined, reservedKib: number): number {
  if (overProvision === undefined) return Math.max(0, pool.free_capacity ?? 0);
  return Math.max(0, Math.floor((pool.total_capacity ?? 0) * overProvision) - reservedKib);
}

export interface CapacityFigures {
  totalKib: number;
  maxVolumeKib: number;
}

/** Pure part: which pools count and how much they hold. */
export function computeCapacity(
  params: VolumeParameters,
  segment: Record<string, string> | undefined,
  nodes: readonly NodeInfo[],
  pools: readonly StoragePool[],
  reservedKib: (node: string, pool: string) => number,
): CapacityFigures {
  const usable = nodes.filter((n) => n.online && !n.excluded);
  const candidates = segment && Object.keys(segment).length > 0 ? (allowedReplicaNodes(params.remoteAccess, [segment], usable) ?? usable) : usable;
  const names = new Set(candidates.map((n) => n.name.toLowerCase()));
  const wanted = params.storagePools.map((p) => p.toLowerCase());
  const perNode = new Map<string, number>();
  let totalKib = 0;
  for (const p of pools) {
    const node = (p.node_name ?? '').toLowerCase();
    if (!names.has(node) || p.provider_kind === 'DISKLESS' || (p.free_capacity ?? 0) >= LONG_MAX) continue;
    if (wanted.length > 0 && !wanted.includes(p.storage_pool_name.toLowerCase())) continue;
    const free = poolFreeKib(p, params.overProvision, reservedKib(node, p.storage_pool_name.toLowerCase()));
    totalKib += free;
    perNode.set(node, Math.max(perNode.get(node) ?? 0, free));
  }
  const sorted = [...perNode.values()].sort((a, b) => b - a);
  const count = params.placementPolicy === 'Manual' ? 1 : replicaCount(params);
  return { totalKib, maxVolumeKib: sorted[count - 1] ?? 0 };
}

export async function getCapacity(deps: CapacityDeps, req: GetCapacityRequest__Output, ctx: CallContext): Promise<GetCapacityResponse> {
  const params = parseParameters(req.parameters ?? {}, { propertyNamespace: deps.config.propertyNamespace });
  const o = { signal: ctx.signal };
  const [nodes, pools, resources] = await Promise.all([
    deps.nodes.list(ctx, true),
    linstorCall('reading storage pools', () => deps.linstor.storagePools.view({ cached: true }, o)),
    params.overProvision !== undefined ? linstorCall('reading resources', () => deps.linstor.resources.view({}, o)) : Promise.resolve([]),
  ]);
  const reserved = new Map<string, number>();
  for (const r of resources) {
    for (const v of r.volumes ?? []) {
      if (!v.storage_pool_name || v.provider_kind === 'DISKLESS') continue;
      const usable = v.layer_data_list?.find((l) => l.type === 'STORAGE')?.data?.usable_size_kib ?? v.allocated_size_kib ?? 0;
      const k = `${r.node_name.toLowerCase()}/${v.storage_pool_name.toLowerCase()}`;
      reserved.set(k, (reserved.get(k) ?? 0) + usable);
    }
  }
  const figures = computeCapacity(params, req.accessible_topology?.segments, nodes, pools, (n, p) => reserved.get(`${n}/${p}`) ?? 0);
  return {
    available_capacity: (BigInt(figures.totalKib) * KiB).toString(),
    maximum_volume_size: { value: (BigInt(figures.maxVolumeKib) * KiB).toString() },
  };
}
