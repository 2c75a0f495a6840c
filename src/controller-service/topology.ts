/**
 * Topology: node segments, segment matching, the remote-access policy and the
 * accessible_topology of a volume.
 *
 * A node's segments are what the node service reports in NodeGetInfo: `linbit.com/hostname`
 * plus every LINSTOR node property under the topology namespace (Config.propertyNamespace),
 * with the namespace stripped.
 */
import type { Node } from '../linstor/types.js';
import type { RemoteAccessPolicy } from './parameters.js';

export const HOSTNAME_KEY = 'linbit.com/hostname';

export type Segments = Record<string, string>;

export interface NodeInfo {
  name: string;
  segments: Segments;
  online: boolean;
  /** Evicted, evacuating, being deleted, or `AutoplaceTarget=false`: no new replicas. */
  excluded: boolean;
}

export function nodeSegments(node: Pick<Node, 'name' | 'props'>, propertyNamespace: string): Segments {
  const prefix = `${propertyNamespace.replace(/\/+$/, '')}/`;
  const out: Segments = {};
  for (const [k, v] of Object.entries(node.props ?? {})) {
    if (k.startsWith(prefix) && k.length > prefix.length) out[k.slice(prefix.length)] = v;
  }
  out[HOSTNAME_KEY] = node.name;
  return out;
}

export function nodeInfo(node: Node, propertyNamespace: string): NodeInfo {
  const flags = node.flags ?? [];
  const excluded =
    flags.some((f) => f === 'EVICTED' || f === 'EVACUATE' || f === 'DELETE') ||
    (node.props?.['AutoplaceTarget'] ?? '').toLowerCase() === 'false';
  return { name: node.name, segments: nodeSegments(node, propertyNamespace), online: node.connection_status === 'ONLINE', excluded };
}

/** Every key/value of `segment` is present on the node (an empty segment matches every node). */
export function matches(nodeSegs: Segments, segment: Segments): boolean {
  return Object.entries(segment).every(([k, v]) => nodeSegs[k] === v);
}

export function nodesIn(nodes: readonly NodeInfo[], segment: Segments): NodeInfo[] {
  return nodes.filter((n) => matches(n.segments, segment));
}

/** Whether `client` may attach a volume whose diskful replica is on `replica`. */
export function canReach(policy: RemoteAccessPolicy, client: NodeInfo, replica: NodeInfo): boolean {
  if (client.name.toLowerCase() === replica.name.toLowerCase()) return true;
  switch (policy.kind) {
    case 'anywhere':
      return true;
    case 'local':
      return false;
    case 'fromSame':
      return policy.rules.some((keys) =>
        keys.every((k) => client.segments[k] !== undefined && client.segments[k] === replica.segments[k]),
      );
  }
}

/**
 * Nodes a diskful replica may go to so that some node of the requisite segments can use it:
 * the requisite widened by the remote-access policy. `undefined` = no constraint.
 */
export function allowedReplicaNodes(
  policy: RemoteAccessPolicy,
  requisite: readonly Segments[],
  nodes: readonly NodeInfo[],
): NodeInfo[] | undefined {
  if (requisite.length === 0 || policy.kind === 'anywhere') return undefined;
  const consumers = nodes.filter((n) => requisite.some((s) => matches(n.segments, s)));
  return nodes.filter((candidate) => consumers.some((c) => canReach(policy, c, candidate)));
}

function segmentKey(s: Segments): string {
  return JSON.stringify(Object.entries(s).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The volume's accessible_topology for the given diskful nodes: empty when any node may attach
 * (no PV node affinity), the replica hosts for `local`, and the shared label values for
 * `fromSame`.
 */
export function accessibleTopology(policy: RemoteAccessPolicy, diskful: readonly NodeInfo[]): Segments[] {
  if (policy.kind === 'anywhere') return [];
  const out = new Map<string, Segments>();
  for (const n of diskful) {
    if (policy.kind === 'local') {
      const s = { [HOSTNAME_KEY]: n.name };
      out.set(segmentKey(s), s);
      continue;
    }
    let any = false;
    for (const keys of policy.rules) {
      if (!keys.every((k) => n.segments[k] !== undefined)) continue;
      const s: Segments = Object.fromEntries(keys.map((k) => [k, n.segments[k] as string]));
      out.set(segmentKey(s), s);
      any = true;
    }
    // A replica node without the labels of any rule is reachable only from itself.
    if (!any) {
      const s = { [HOSTNAME_KEY]: n.name };
      out.set(segmentKey(s), s);
    }
  }
  return [...out.values()];
}

/** Whether `node` may attach a volume with the given diskful nodes under `policy`. */
export function mayAttach(policy: RemoteAccessPolicy, node: NodeInfo, diskful: readonly NodeInfo[]): boolean {
  return diskful.some((d) => canReach(policy, node, d));
}
