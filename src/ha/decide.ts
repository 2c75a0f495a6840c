/**
 * The failover decision: pure, from this node's DRBD status, the informer caches, the time a
 * peer was first seen unreachable and the settings, to a list of actions. Nothing here does
 * IO; the agent executes the plan. Every refusal carries a code and a message users see.
 */
import type { DrbdConnection, DrbdResourceStatus } from '../node-ops/drbd-status.js';
import {
  DRIVER_NAME,
  LOST_QUORUM_TAINT,
  type ClusterSnapshot,
  type HaEvent,
  type HaSettings,
  type NodeInfo,
  type ObjectRef,
  type PodInfo,
  type PvInfo,
  type PvcInfo,
  type VolumeAttachmentInfo,
} from './model.js';
import type { SplitBrainCheck } from './split-brain.js';

export type Refusal =
  | 'split-brain'
  | 'no-tie-breaker'
  | 'no-quorum'
  | 'no-majority'
  | 'suspended'
  | 'no-up-to-date-data'
  | 'opt-out'
  | 'no-owner'
  | 'other-volume-unsafe';

export type Action =
  | { kind: 'taint'; node: string }
  | { kind: 'untaint'; node: string }
  | { kind: 'evict'; pod: ObjectRef; node: string }
  | { kind: 'delete-pod'; pod: ObjectRef; node: string }
  | { kind: 'delete-attachment'; name: string; uid: string; node: string }
  | { kind: 'demote'; resource: string }
  | { kind: 'event'; event: HaEvent };

export type Outcome = 'healthy' | 'waiting' | 'not-actor' | 'refused' | 'failover' | 'skipped';

export interface Verdict {
  resource: string;
  /** The node that lost the volume, when the verdict is about one. */
  peer?: string;
  outcome: Outcome;
  code?: Refusal;
  message: string;
  actions: Action[];
}

export interface DecideContext {
  localNode: string;
  now: number;
  settings: HaSettings;
  /** Key `lostKey(resource, peer)` → epoch ms this agent first saw the connection down. */
  lostSince: ReadonlyMap<string, number>;
  splitBrain: SplitBrainCheck;
}

export function lostKey(resource: string, peer: string): string {
  return `${resource}/${peer.toLowerCase()}`;
}

const same = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Indexes of the snapshot the decisions look things up in. */
export interface ClusterIndex {
  snapshot: ClusterSnapshot;
  pvByHandle: Map<string, PvInfo>;
  pvByName: Map<string, PvInfo>;
  pvcByKey: Map<string, PvcInfo>;
  nodes: Map<string, NodeInfo>;
}

export function indexCluster(snapshot: ClusterSnapshot): ClusterIndex {
  const ours = snapshot.pvs.filter((pv) => pv.driver === DRIVER_NAME && pv.volumeHandle);
  return {
    snapshot,
    pvByHandle: new Map(ours.map((pv) => [pv.volumeHandle as string, pv])),
    pvByName: new Map(snapshot.pvs.map((pv) => [pv.name, pv])),
    pvcByKey: new Map(snapshot.pvcs.map((c) => [`${c.namespace}/${c.name}`, c])),
    nodes: new Map(snapshot.nodes.map((n) => [n.name.toLowerCase(), n])),
  };
}

function isLocalDiskless(st: DrbdResourceStatus): boolean {
  return st.devices.every((d) => d.client || d.diskState === 'Diskless');
}

function peerUpToDate(c: DrbdConnection): boolean {
  return c.connectionState === 'Connected' && c.peerDevices.length > 0 && c.peerDevices.every((p) => p.peerDiskState === 'UpToDate' && !p.peerClient);
}

/**
 * The one agent that acts for a resource: the lowest DRBD node id among the replicas that
 * could become Primary (diskful, UpToDate, connected to each other). When none could, the
 * lowest node id of the connected group, so that someone still reports the refusal.
 */
export function actorNodeId(st: DrbdResourceStatus): number {
  const selfCandidate = !isLocalDiskless(st) && st.devices.length > 0 && st.devices.every((d) => d.diskState === 'UpToDate');
  const candidates = [...(selfCandidate ? [st.nodeId] : []), ...st.connections.filter(peerUpToDate).map((c) => c.peerNodeId)];
  const group = candidates.length > 0 ? candidates : [st.nodeId, ...st.connections.filter((c) => c.connectionState === 'Connected').map((c) => c.peerNodeId)];
  return Math.min(...group);
}

type PeerCheck =
  | { state: 'connected' }
  | { state: 'not-peer' }
  | { state: 'waiting'; remainingMs: number }
  | { state: 'refused'; code: Refusal; message: string }
  | { state: 'lost'; downForMs: number };

/** Whether this replica may take the volume over from `peer`, judged from the local DRBD status. */
export function checkPeerLoss(st: DrbdResourceStatus, peer: string, ctx: DecideContext): PeerCheck {
  const conn = st.connections.find((c) => same(c.name, peer));
  if (!conn) return { state: 'not-peer' };
  if (conn.connectionState === 'Connected') return { state: 'connected' };
  const sb = ctx.splitBrain(st, ctx.localNode);
  if (sb) return { state: 'refused', code: 'split-brain', message: sb.message };
  const since = ctx.lostSince.get(lostKey(st.name, peer)) ?? ctx.now;
  const remainingMs = since + ctx.settings.failoverTimeoutMs - ctx.now;
  if (remainingMs > 0) return { state: 'waiting', remainingMs };
  const total = 1 + st.connections.length;
  if (total < 3) {
    return {
      state: 'refused',
      code: 'no-tie-breaker',
      message: `${st.name} has ${total} replica(s) and no tie-breaker: without quorum a failover could split the data (use placementCount >= 2 with a diskless tie-breaker, or 3 replicas)`,
    };
  }
  if (st.devices.some((d) => !d.quorum)) return { state: 'refused', code: 'no-quorum', message: `${st.name} has no quorum on this node either` };
  if (st.suspended) return { state: 'refused', code: 'suspended', message: `${st.name} has its IO suspended on this node` };
  const reachable = 1 + st.connections.filter((c) => c.connectionState === 'Connected').length;
  if (reachable * 2 <= total) {
    return { state: 'refused', code: 'no-majority', message: `${st.name} reaches ${reachable} of ${total} replicas from this node: not a majority, the lost node may still write` };
  }
  const data = st.devices.every((d) => d.diskState === 'UpToDate') || st.connections.some(peerUpToDate);
  if (!data) return { state: 'refused', code: 'no-up-to-date-data', message: `${st.name} has no UpToDate replica reachable from this node` };
  return { state: 'lost', downForMs: ctx.now - since };
}

function podsUsing(idx: ClusterIndex, pvc: PvcInfo | undefined): PodInfo[] {
  if (!pvc) return [];
  return idx.snapshot.pods.filter((p) => !p.finished && p.namespace === pvc.namespace && p.claims.some((c) => c.claimName === pvc.name && !c.readOnly));
}

function pvcEvent(pvc: PvcInfo | undefined, type: HaEvent['type'], reason: string, message: string): Action[] {
  return pvc ? [{ kind: 'event', event: { target: { kind: 'PersistentVolumeClaim', namespace: pvc.namespace, name: pvc.name, uid: pvc.uid }, type, reason, message } }] : [];
}

function podEvent(p: PodInfo, type: HaEvent['type'], reason: string, message: string): Action {
  return { kind: 'event', event: { target: { kind: 'Pod', namespace: p.namespace, name: p.name, uid: p.uid }, type, reason, message } };
}

/** Why another volume of `pod` is not safe to move off `peer`, or undefined when all are. */
export function otherVolumesUnsafe(pod: PodInfo, pvName: string, peer: string, idx: ClusterIndex, statuses: ReadonlyMap<string, DrbdResourceStatus>, ctx: DecideContext): string | undefined {
  for (const c of pod.claims) {
    const pvc = idx.pvcByKey.get(`${pod.namespace}/${c.claimName}`);
    const pv = pvc?.volumeName ? idx.pvByName.get(pvc.volumeName) : undefined;
    if (!pvc || !pv) return `its claim ${c.claimName} is not bound to a PersistentVolume`;
    if (pv.name === pvName || pv.driver !== DRIVER_NAME) continue; // other drivers' volumes are theirs to guard
    const st = pv.volumeHandle ? statuses.get(pv.volumeHandle) : undefined;
    if (!st) return `its volume ${pv.name} has no replica on ${ctx.localNode}, so its state cannot be checked from here`;
    const chk = checkPeerLoss(st, peer, ctx);
    if (chk.state === 'connected') return `its volume ${pv.name} is still connected to ${peer}`;
    if (chk.state === 'waiting') return `its volume ${pv.name} has not been lost for the failover timeout yet`;
    if (chk.state === 'refused') return `its volume ${pv.name} is not safe: ${chk.message}`;
    if (chk.state === 'not-peer') return `its volume ${pv.name} has no replica connection to ${peer}`;
  }
  return undefined;
}

interface PeerInput {
  st: DrbdResourceStatus;
  pv: PvInfo;
  pvc: PvcInfo | undefined;
  peer: string;
  users: PodInfo[];
  attachments: VolumeAttachmentInfo[];
}

/** What to do about the users of a volume on one lost peer, once the loss is proven. */
function failoverPeer(inp: PeerInput, idx: ClusterIndex, statuses: ReadonlyMap<string, DrbdResourceStatus>, ctx: DecideContext, downForMs: number): Verdict {
  const { st, pv, pvc, peer } = inp;
  const node = idx.nodes.get(peer.toLowerCase());
  const actions: Action[] = [];
  const kept: string[] = [];
  let moved = 0;
  const why = `node ${peer} lost volume ${pv.name} (DRBD ${st.name} unreachable for ${Math.round(downForMs / 1000)}s, quorum kept on ${ctx.localNode})`;
  for (const p of inp.users) {
    if (p.annotations[ctx.settings.optOutAnnotation] !== undefined && p.annotations[ctx.settings.optOutAnnotation] !== 'false') {
      kept.push(`${p.namespace}/${p.name}: annotated ${ctx.settings.optOutAnnotation}`);
      continue;
    }
    if (p.ownerKinds.length === 0) {
      const msg = `not moving pod ${p.name}: ${why}, but the pod has no owner that would recreate it; delete it by hand`;
      kept.push(`${p.namespace}/${p.name}: no owner`);
      actions.push(podEvent(p, 'Warning', 'FailoverRefused', msg), ...pvcEvent(pvc, 'Warning', 'FailoverRefused', msg));
      continue;
    }
    const unsafe = otherVolumesUnsafe(p, pv.name, peer, idx, statuses, ctx);
    if (unsafe) {
      const msg = `not moving pod ${p.name}: ${why}, but ${unsafe}`;
      kept.push(`${p.namespace}/${p.name}: ${unsafe}`);
      actions.push(podEvent(p, 'Warning', 'FailoverRefused', msg), ...pvcEvent(pvc, 'Warning', 'FailoverRefused', msg));
      continue;
    }
    moved++;
    const ready = node?.ready === true;
    if (ready && p.deleting) continue; // evicted already: its kubelet is stopping it
    const ref = { namespace: p.namespace, name: p.name, uid: p.uid };
    const how = ready ? 'evicted (node Ready)' : 'deleted with grace period 0 (node not Ready)';
    actions.push(ready ? { kind: 'evict', pod: ref, node: peer } : { kind: 'delete-pod', pod: ref, node: peer });
    const msg = `pod ${p.name} ${how}: ${why}; its owner will recreate it on a node with access to the data`;
    actions.push(podEvent(p, 'Warning', 'FailoverEvicted', msg), ...pvcEvent(pvc, 'Warning', 'FailoverEvicted', msg));
  }
  if (kept.length > 0) {
    return {
      resource: st.name,
      peer,
      outcome: 'refused',
      code: kept.every((k) => k.endsWith(ctx.settings.optOutAnnotation)) ? 'opt-out' : 'other-volume-unsafe',
      message: `${why}; keeping it attached there because of pod(s) ${kept.join('; ')}`,
      actions,
    };
  }
  for (const va of inp.attachments) {
    actions.push({ kind: 'delete-attachment', name: va.name, uid: va.uid, node: peer });
    actions.push(...pvcEvent(pvc, 'Warning', 'FailoverDetached', `VolumeAttachment ${va.name} of lost node ${peer} deleted so ${pv.name} can attach elsewhere: ${why}`));
  }
  const tainted = node?.taints.some((t) => t.key === LOST_QUORUM_TAINT) === true;
  if (ctx.settings.taints && node && !tainted && (moved > 0 || inp.attachments.length > 0)) actions.unshift({ kind: 'taint', node: node.name });
  return { resource: st.name, peer, outcome: actions.length > 0 ? 'failover' : 'healthy', message: why, actions };
}

function decidePeer(inp: PeerInput, idx: ClusterIndex, statuses: ReadonlyMap<string, DrbdResourceStatus>, ctx: DecideContext): Verdict {
  const { st, pvc, peer } = inp;
  const base = { resource: st.name, peer };
  const chk = checkPeerLoss(st, peer, ctx);
  if (chk.state === 'connected') return { ...base, outcome: 'healthy', message: `${peer} is connected and can write`, actions: [] };
  if (chk.state === 'not-peer') return { ...base, outcome: 'skipped', message: `${peer} has no DRBD connection to this replica; its state cannot be judged from ${ctx.localNode}`, actions: [] };
  if (chk.state === 'refused' && chk.code === 'split-brain') return { ...base, outcome: 'refused', code: chk.code, message: chk.message, actions: [] };
  if (actorNodeId(st) !== st.nodeId) return { ...base, outcome: 'not-actor', message: `another replica (DRBD node id ${actorNodeId(st)}) decides for ${st.name}`, actions: [] };
  if (chk.state === 'waiting') return { ...base, outcome: 'waiting', message: `${peer} unreachable, failing over in ${Math.ceil(chk.remainingMs)} ms unless it returns`, actions: [] };
  if (chk.state === 'refused') {
    const msg = `not failing over ${inp.pv.name} from node ${peer}: ${chk.message}`;
    // Cut off from every peer, this node is most likely the lost one: its view is not news for the cluster.
    const isolated = !st.connections.some((c) => c.connectionState === 'Connected');
    if (isolated && chk.code !== 'no-tie-breaker') return { ...base, outcome: 'refused', code: chk.code, message: `${msg} (this node reaches no peer)`, actions: [] };
    const evs = [...pvcEvent(pvc, 'Warning', 'FailoverRefused', msg), ...inp.users.map((p) => podEvent(p, 'Warning', 'FailoverRefused', msg))];
    return { ...base, outcome: 'refused', code: chk.code, message: msg, actions: evs };
  }
  return failoverPeer(inp, idx, statuses, ctx, chk.downForMs);
}

/** A Primary here whose IO is frozen after quorum loss and whose pod is gone: demote it so the volume can come back. */
function decideDemote(st: DrbdResourceStatus, pv: PvInfo, pvc: PvcInfo | undefined, users: PodInfo[], ctx: DecideContext): Action[] {
  if (st.role !== 'Primary') return [];
  if (!st.suspended && st.devices.every((d) => d.quorum)) return [];
  if (users.some((p) => same(p.nodeName, ctx.localNode) && !p.deleting)) return [];
  return [
    { kind: 'demote', resource: st.name },
    ...pvcEvent(pvc, 'Normal', 'FailoverDemoted', `${pv.name} demoted on ${ctx.localNode} (drbdsetup secondary --force): it lost quorum with its IO suspended and its pod is gone`),
  ];
}

/** Every verdict for one local resource. */
export function decideResource(st: DrbdResourceStatus, idx: ClusterIndex, statuses: ReadonlyMap<string, DrbdResourceStatus>, ctx: DecideContext): Verdict[] {
  const pv = idx.pvByHandle.get(st.name);
  if (!pv) return [{ resource: st.name, outcome: 'skipped', message: `no PersistentVolume of ${DRIVER_NAME} has volume handle ${st.name}`, actions: [] }];
  const pvc = pv.claim ? idx.pvcByKey.get(`${pv.claim.namespace}/${pv.claim.name}`) : undefined;
  const users = podsUsing(idx, pvc);
  const demote = decideDemote(st, pv, pvc, users, ctx);
  const sb = ctx.splitBrain(st, ctx.localNode);
  if (sb) {
    return [{ resource: st.name, outcome: 'refused', code: 'split-brain', message: sb.message, actions: [...demote, ...pvcEvent(pvc, 'Warning', 'SplitBrain', sb.message)] }];
  }
  const attachments = idx.snapshot.attachments.filter((va) => va.attacher === DRIVER_NAME && va.pvName === pv.name && !va.deleting && !same(va.nodeName, ctx.localNode));
  const peers = new Map<string, string>();
  for (const p of users) if (p.nodeName && !same(p.nodeName, ctx.localNode)) peers.set(p.nodeName.toLowerCase(), p.nodeName);
  for (const va of attachments) peers.set(va.nodeName.toLowerCase(), va.nodeName);
  const verdicts = [...peers.values()].map((peer) =>
    decidePeer({ st, pv, pvc, peer, users: users.filter((p) => same(p.nodeName, peer)), attachments: attachments.filter((va) => same(va.nodeName, peer)) }, idx, statuses, ctx),
  );
  if (demote.length > 0) verdicts.push({ resource: st.name, outcome: 'failover', message: `demoting ${st.name} on ${ctx.localNode}`, actions: demote });
  if (verdicts.length === 0) verdicts.push({ resource: st.name, outcome: 'healthy', message: 'not in use on another node', actions: [] });
  return verdicts;
}

/** Connected and UpToDate everywhere this node can see: the lost-quorum taint may go. */
export function replicasHealthy(statuses: readonly DrbdResourceStatus[]): boolean {
  return statuses.every(
    (st) =>
      !st.suspended &&
      st.devices.every((d) => d.quorum && (d.diskState === 'UpToDate' || (d.client && d.diskState === 'Diskless'))) &&
      st.connections.every((c) => c.connectionState === 'Connected' && c.peerDevices.every((p) => p.peerDiskState === 'UpToDate' || p.peerClient)),
  );
}

export interface Plan {
  verdicts: Verdict[];
  actions: Action[];
}

/** The whole plan of one agent pass. */
export function decide(statuses: readonly DrbdResourceStatus[], snapshot: ClusterSnapshot, ctx: DecideContext): Plan {
  const idx = indexCluster(snapshot);
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const verdicts = statuses.flatMap((st) => decideResource(st, idx, byName, ctx));
  const actions = verdicts.flatMap((v) => v.actions);
  const self = idx.nodes.get(ctx.localNode.toLowerCase());
  if (ctx.settings.taints && self?.taints.some((t) => t.key === LOST_QUORUM_TAINT) && replicasHealthy(statuses)) {
    actions.push({ kind: 'untaint', node: self.name });
  }
  // One taint per node, whatever number of volumes it lost.
  const seen = new Set<string>();
  return {
    verdicts,
    actions: actions.filter((a) => {
      if (a.kind !== 'taint') return true;
      if (seen.has(a.node)) return false;
      seen.add(a.node);
      return true;
    }),
  };
}

/** Tracks since when each (resource, peer) connection is down; a reconnect clears it (a blip resets the timer). */
export function trackLost(prev: ReadonlyMap<string, number>, statuses: readonly DrbdResourceStatus[], now: number): Map<string, number> {
  const next = new Map<string, number>();
  for (const st of statuses) {
    for (const c of st.connections) {
      if (c.connectionState === 'Connected') continue;
      const k = lostKey(st.name, c.name);
      next.set(k, prev.get(k) ?? now);
    }
  }
  return next;
}
