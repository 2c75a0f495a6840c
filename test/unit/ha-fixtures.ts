/** Builders for the HA decision tests: DRBD statuses as drbdsetup reports them, and cluster snapshots. */
import type { DrbdConnection, DrbdResourceStatus } from '../../src/node-ops/drbd-status.js';
import { DEFAULT_OPT_OUT_ANNOTATION, DRIVER_NAME, type ClusterSnapshot, type HaSettings, type NodeInfo, type PodInfo } from '../../src/ha/model.js';
import { lostKey, type DecideContext } from '../../src/ha/decide.js';
import { localSplitBrain } from '../../src/ha/split-brain.js';

export const T0 = 1_700_000_000_000;
export const SETTINGS: HaSettings = { failoverTimeoutMs: 5000, taints: true, optOutAnnotation: DEFAULT_OPT_OUT_ANNOTATION };

export interface PeerSpec {
  name: string;
  id: number;
  state?: string;
  disk?: string;
  client?: boolean;
}

/** This node's view of `res`: local node id, disk, quorum, and one connection per peer. */
export function status(res: string, o: { id?: number; disk?: string; client?: boolean; quorum?: boolean; role?: string; suspended?: boolean; peers: PeerSpec[] }): DrbdResourceStatus {
  const connections: DrbdConnection[] = o.peers.map((p) => {
    const up = (p.state ?? 'Connected') === 'Connected';
    return {
      peerNodeId: p.id,
      name: p.name,
      connectionState: p.state ?? 'Connected',
      peerRole: up ? 'Secondary' : 'Unknown',
      peerDevices: [{ volume: 0, replicationState: up ? 'Established' : 'Off', peerDiskState: up ? (p.disk ?? (p.client ? 'Diskless' : 'UpToDate')) : 'DUnknown', peerClient: up && p.client === true }],
    };
  });
  return {
    name: res,
    nodeId: o.id ?? 1,
    role: o.role ?? 'Secondary',
    suspended: o.suspended ?? false,
    devices: [{ volume: 0, minor: 1000, diskState: o.disk ?? (o.client ? 'Diskless' : 'UpToDate'), client: o.client === true, quorum: o.quorum ?? true }],
    connections,
  };
}

/** node-b's view: node-a (id 0) lost, node-c (id 2) a connected diskless tie-breaker. */
export function lostA(res = 'pvc-1', extra: Partial<Parameters<typeof status>[1]> = {}): DrbdResourceStatus {
  return status(res, { id: 1, peers: [{ name: 'node-a', id: 0, state: 'Connecting' }, { name: 'node-c', id: 2, client: true }], ...extra });
}

export function pod(name: string, o: Partial<PodInfo> & { claims?: PodInfo['claims'] } = {}): PodInfo {
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    nodeName: 'node-a',
    annotations: {},
    ownerKinds: ['StatefulSet'],
    claims: [{ claimName: 'data', readOnly: false }],
    deleting: false,
    finished: false,
    ...o,
  };
}

export function node(name: string, ready = false, tainted = false): NodeInfo {
  return { name, ready, taints: tainted ? [{ key: 'drbd.linbit.com/lost-quorum', effect: 'NoSchedule' }] : [] };
}

/** One PVC "data" bound to PV pv-1 (handle pvc-1), used by `pods`, attached on node-a. */
export function cluster(o: { pods?: PodInfo[]; nodes?: NodeInfo[]; extraVolumes?: string[]; vaDeleting?: boolean; driver?: string } = {}): ClusterSnapshot {
  const vols = [{ claim: 'data', pv: 'pv-1', handle: 'pvc-1' }, ...(o.extraVolumes ?? []).map((h, i) => ({ claim: `extra-${i}`, pv: `pv-x${i}`, handle: h }))];
  return {
    pods: o.pods ?? [pod('web-0')],
    pvs: vols.map((v) => ({ name: v.pv, uid: `uid-${v.pv}`, driver: o.driver ?? DRIVER_NAME, volumeHandle: v.handle, claim: { namespace: 'default', name: v.claim } })),
    pvcs: vols.map((v) => ({ namespace: 'default', name: v.claim, uid: `uid-pvc-${v.claim}`, volumeName: v.pv })),
    attachments: [{ name: 'csi-va-1', uid: 'uid-va-1', attacher: DRIVER_NAME, pvName: 'pv-1', nodeName: 'node-a', deleting: o.vaDeleting === true }],
    nodes: o.nodes ?? [node('node-a'), node('node-b'), node('node-c')],
  };
}

/** node-b's context with node-a's connections of `resources` lost since `downMs` before now. */
export function ctx(downMs: number, resources: string[] = ['pvc-1'], o: Partial<DecideContext> = {}): DecideContext {
  return {
    localNode: 'node-b',
    now: T0 + downMs,
    settings: SETTINGS,
    lostSince: new Map(resources.map((r) => [lostKey(r, 'node-a'), T0])),
    splitBrain: localSplitBrain,
    ...o,
  };
}
