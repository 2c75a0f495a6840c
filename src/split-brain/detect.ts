/**
 * Split-brain detection (pure): from LINSTOR's view of a volume's resources (any LINSTOR, real or
 * emulated) or from one node's `drbdsetup status --json`. Used by the volume conditions, the
 * `linstor-csi split-brain` CLI and the HA agent (which must never fail over into or out of a
 * split-brained volume).
 *
 * DRBD shows a split brain as StandAlone connections between diskful replicas: after detecting it
 * both ends drop the connection and wait for an operator. A StandAlone connection can also be an
 * admin's `drbdadm disconnect`; between diskful replicas either way the data may have diverged,
 * so it is reported (and the handbook tells how to tell the two apart).
 */
import { isDeleting, isDisklessResource } from '../linstor/resource-flags.js';
import type { ResourceWithVolumes } from '../linstor/types.js';
import type { DrbdResourceStatus } from '../node-ops/drbd-status.js';

/** Where the handbook lives in the repository (messages point at it). */
export const HANDBOOK = 'docs/split-brain.md';

export interface SplitBrainNode {
  node: string;
  diskless: boolean;
  /** LINSTOR reports DRBD Primary as `in_use`; Unknown while the node is offline. */
  role: 'Primary' | 'Secondary' | 'Unknown';
  inUse: boolean;
  diskState: string;
  /** Peer node → DRBD connection state as this node sees it. */
  connections: Record<string, string>;
}

export interface Recommendation {
  /** The node whose data to keep (undefined: no safe choice, the reason says what to do). */
  keep?: string;
  /** The nodes whose changes would be discarded. */
  discard: string[];
  reason: string;
}

export interface SplitBrain {
  /** The resource (volume id). */
  resource: string;
  /** Diskful node pairs whose connection is StandAlone (each pair sorted, the list sorted). */
  pairs: [string, string][];
  /** Groups of diskful nodes still connected among themselves: the sides of the split. */
  sides: string[][];
  nodes: SplitBrainNode[];
  recommendation: Recommendation;
  /** Epoch ms of the first sighting, when a tracker knows it. */
  since?: number;
}

const lc = (s: string): string => s.toLowerCase();

function nodeOf(r: ResourceWithVolumes): SplitBrainNode {
  const conns: Record<string, string> = {};
  for (const [peer, c] of Object.entries(r.layer_object?.drbd?.connections ?? {})) conns[peer] = c.message ?? (c.connected ? 'Connected' : 'Unknown');
  const online = r.state !== undefined;
  return {
    node: r.node_name,
    diskless: isDisklessResource(r),
    role: !online ? 'Unknown' : r.state?.in_use === true ? 'Primary' : 'Secondary',
    inUse: r.state?.in_use === true,
    diskState: r.volumes?.[0]?.state?.disk_state ?? (online ? '' : 'DUnknown'),
    connections: conns,
  };
}

function connState(n: SplitBrainNode, peer: string): string | undefined {
  const k = Object.keys(n.connections).find((p) => lc(p) === lc(peer));
  return k === undefined ? undefined : n.connections[k];
}

/** The split brain of one volume from LINSTOR's resources of it (GET /v1/view/resources), if any. */
export function detectSplitBrain(resources: readonly ResourceWithVolumes[]): SplitBrain | undefined {
  const live = resources.filter((r) => !isDeleting(r));
  const resource = live[0]?.name;
  if (resource === undefined) return undefined;
  const nodes = live.map(nodeOf);
  const disk = nodes.filter((n) => !n.diskless);
  const pairs: [string, string][] = [];
  for (const [i, a] of disk.entries()) {
    for (const b of disk.slice(i + 1)) {
      if (connState(a, b.node) === 'StandAlone' || connState(b, a.node) === 'StandAlone') {
        pairs.push([a.node, b.node].sort() as [string, string]);
      }
    }
  }
  if (pairs.length === 0) return undefined;
  pairs.sort((x, y) => (x.join() < y.join() ? -1 : 1));
  const sides = sidesOf(disk);
  return { resource, pairs, sides, nodes, recommendation: recommend(sides, nodes) };
}

/** Diskful nodes grouped by live connections (Connected both ways). */
function sidesOf(disk: SplitBrainNode[]): string[][] {
  const side = new Map<string, number>();
  disk.forEach((n, i) => side.set(n.node, i));
  const find = (n: string): number => side.get(n) ?? -1;
  for (const a of disk) {
    for (const b of disk) {
      if (a === b || connState(a, b.node) !== 'Connected' || connState(b, a.node) !== 'Connected') continue;
      const from = find(b.node);
      const to = find(a.node);
      for (const [k, v] of side) if (v === from) side.set(k, to);
    }
  }
  const groups = new Map<number, string[]>();
  for (const n of disk) groups.set(find(n.node), [...(groups.get(find(n.node)) ?? []), n.node]);
  return [...groups.values()].map((g) => g.sort()).sort((x, y) => (x[0] ?? '').localeCompare(y[0] ?? ''));
}

/** The side to keep: the one in use; no recommendation when none or several are. */
function recommend(sides: string[][], nodes: SplitBrainNode[]): Recommendation {
  const inUse = (side: string[]): boolean => side.some((n) => nodes.find((x) => x.node === n)?.inUse === true);
  const used = sides.filter(inUse);
  if (used.length === 1) {
    const keepSide = used[0] ?? [];
    const discard = sides.filter((s) => s !== keepSide).flat();
    const keep = keepSide.find((n) => nodes.find((x) => x.node === n)?.inUse) ?? keepSide[0];
    return {
      ...(keep !== undefined ? { keep } : {}),
      discard,
      reason: `node ${keep ?? '?'} is Primary and in use: its data is what the workload sees now; ${discard.join(', ')} ${discard.length === 1 ? 'is' : 'are'} not in use`,
    };
  }
  if (used.length > 1) {
    return { discard: [], reason: `every side is in use (${used.map((s) => s.join('+')).join(' and ')}): stop the workload on the side whose changes you will discard, then resolve` };
  }
  return { discard: [], reason: 'no side is in use: compare the data on each side (see the handbook), then choose the node to keep with --keep' };
}

/** Every split-brained volume in a LINSTOR resource view. */
export function detectSplitBrains(view: readonly ResourceWithVolumes[]): SplitBrain[] {
  const byRd = new Map<string, ResourceWithVolumes[]>();
  for (const r of view) byRd.set(lc(r.name), [...(byRd.get(lc(r.name)) ?? []), r]);
  const out: SplitBrain[] = [];
  for (const rs of byRd.values()) {
    const sb = detectSplitBrain(rs);
    if (sb) out.push(sb);
  }
  return out.sort((a, b) => a.resource.localeCompare(b.resource));
}

/** What one node sees: its StandAlone connections to peers (from `drbdsetup status --json`). */
export interface LocalSplitBrain {
  resource: string;
  role: string;
  /** The device is held open (mounted or used by a process). */
  open: boolean;
  peers: string[];
}

export function detectLocalSplitBrain(st: DrbdResourceStatus): LocalSplitBrain | undefined {
  const peers = st.connections.filter((c) => c.connectionState === 'StandAlone').map((c) => c.name);
  if (peers.length === 0) return undefined;
  return { resource: st.name, role: st.role, open: st.devices.some((d) => d.open === true), peers };
}

/** One line for a volume condition or an Event. */
export function splitBrainMessage(sb: Pick<SplitBrain, 'resource' | 'pairs' | 'since'>): string {
  const between = sb.pairs.map(([a, b]) => `${a} and ${b}`).join(', ');
  const since = sb.since !== undefined ? ` since ${new Date(sb.since).toISOString()}` : '';
  return (
    `split brain between nodes ${between}${since}: DRBD dropped the connection (StandAlone) and the replicas may hold different data; ` +
    `see ${HANDBOOK} ("linstor-csi split-brain show ${sb.resource}", then "linstor-csi split-brain resolve ${sb.resource} --keep NODE")`
  );
}

/** Remembers when each split brain was first seen (LINSTOR and DRBD do not record it). */
export class SplitBrainTracker {
  private readonly first = new Map<string, number>();

  /** Adds `since` to the split brains seen; forgets the ones gone. */
  observe(list: SplitBrain[], now: number, scope?: readonly string[]): SplitBrain[] {
    const seen = new Set(list.map((s) => `${lc(s.resource)}|${s.pairs.map((p) => p.join('-')).join(',')}`));
    for (const k of [...this.first.keys()]) {
      const rd = k.split('|')[0] ?? '';
      if (!seen.has(k) && (scope === undefined || scope.some((r) => lc(r) === rd))) this.first.delete(k);
    }
    return list.map((s) => {
      const k = `${lc(s.resource)}|${s.pairs.map((p) => p.join('-')).join(',')}`;
      if (!this.first.has(k)) this.first.set(k, now);
      return { ...s, since: this.first.get(k) as number };
    });
  }
}
