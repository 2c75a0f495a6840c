/** NodeGetInfo and NodeGetCapabilities. */
import { failedPrecondition, unavailable } from '../csi/errors.js';
import type { CallContext } from '../csi/handler.js';
import type { NodeGetCapabilitiesResponse, NodeGetInfoResponse } from '../csi/types.js';
import type { NodeServiceDeps } from './deps.js';

export const TOPOLOGY_HOSTNAME_KEY = 'linbit.com/hostname';

/** What this node service advertises: each RPC it implements and has tests for. */
export type NodeCapabilityName = 'STAGE_UNSTAGE_VOLUME' | 'GET_VOLUME_STATS' | 'EXPAND_VOLUME' | 'VOLUME_CONDITION' | 'SINGLE_NODE_MULTI_WRITER';

export function nodeCapabilities(): NodeCapabilityName[] {
  return ['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME', 'VOLUME_CONDITION', 'SINGLE_NODE_MULTI_WRITER'];
}

// Kubernetes label key (optional DNS prefix + name) and value rules: kubelet refuses others at registration.
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)$/;

export function isLabelKey(k: string): boolean {
  const i = k.lastIndexOf('/');
  const prefix = i >= 0 ? k.slice(0, i) : undefined;
  const name = i >= 0 ? k.slice(i + 1) : k;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_PREFIX.test(prefix))) return false;
  return LABEL_NAME.test(name);
}

/**
 * `linbit.com/hostname` plus every node property under the namespace, prefix stripped (as
 * the Go driver does). Keys or values Kubernetes would reject are left out and reported.
 */
export function topologySegments(node: string, props: Record<string, string>, namespace: string): { segments: Record<string, string>; skipped: string[] } {
  const ns = namespace.replace(/\/+$/, '') + '/';
  const segments: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    if (!k.startsWith(ns)) continue;
    const key = k.slice(ns.length);
    if (isLabelKey(key) && LABEL_VALUE.test(v)) segments[key] = v;
    else skipped.push(k);
  }
  segments[TOPOLOGY_HOSTNAME_KEY] = node;
  return { segments, skipped };
}

export function infoHandler(deps: NodeServiceDeps) {
  return async (_req: unknown, ctx: CallContext): Promise<NodeGetInfoResponse> => {
    const node = deps.config.nodeName;
    if (!node) throw failedPrecondition('the node service has no node name; start it with --node=NAME');
    let props: Record<string, string>;
    try {
      props = await deps.topology.nodeProps(node, ctx.signal);
    } catch (e) {
      throw unavailable(`cannot read node ${node}'s properties from LINSTOR (${(e as Error).message}); retry once the LINSTOR controller answers`);
    }
    const { segments, skipped } = topologySegments(node, props, deps.config.propertyNamespace);
    if (skipped.length > 0) ctx.log.warn({ skipped }, 'node properties that are not valid Kubernetes topology labels were left out');
    return {
      node_id: node,
      max_volumes_per_node: String(deps.config.maxVolumesPerNode),
      accessible_topology: { segments },
    };
  };
}

export function capabilitiesHandler() {
  return async (): Promise<NodeGetCapabilitiesResponse> => ({
    capabilities: nodeCapabilities().map((type) => ({ rpc: { type } })),
  });
}
