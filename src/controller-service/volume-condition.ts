/**
 * Volume health (CSI VolumeCondition) from LINSTOR's view of a volume's resources.
 *
 * Abnormal when: a diskful replica is not UpToDate, a node holding the volume is offline,
 * a node has lost quorum, or a DRBD connection is StandAlone (split brain or refused
 * connection). The message names the node and what to do.
 */
import type { ResourceWithVolumes } from '../linstor/types.js';
import type { VolumeConditionReason } from '../metrics/port.js';
import { hasDrbdLayer } from '../linstor/layers.js';
import { isDeleting, isDisklessResource, isTieBreakerResource } from '../linstor/resource-flags.js';
import { detectSplitBrain, splitBrainMessage } from '../split-brain/detect.js';

export interface Condition {
  abnormal: boolean;
  message: string;
  /** Why it is abnormal, from a fixed set (for metrics); empty when healthy. */
  reasons: VolumeConditionReason[];
}

function diskReason(state: string): VolumeConditionReason {
  switch (state) {
    case 'Inconsistent':
    case 'SyncTarget':
      return 'syncing';
    case 'Outdated':
      return 'outdated';
    case 'Failed':
    case 'Detaching':
    case 'Diskless':
      return 'disk_failed';
    default:
      return 'disk_unknown';
  }
}

function diskAdvice(node: string, state: string, pct: number | undefined): string {
  switch (state) {
    case 'Inconsistent':
    case 'SyncTarget':
      return `replica on node ${node} is ${state}${pct !== undefined ? ` (resync ${pct.toFixed(0)}% done)` : ''}; wait for the resync to finish`;
    case 'Outdated':
      return `replica on node ${node} is Outdated; it resyncs once connected to an UpToDate peer — check the DRBD connections of node ${node}`;
    case 'Failed':
    case 'Detaching':
      return `replica on node ${node} has a failed disk (${state}); replace the backing disk or move the replica (linstor resource toggle-disk / delete and autoplace)`;
    case 'Diskless':
      return `replica on node ${node} lost its disk (Diskless); check the backing device and re-attach it (drbdadm attach) or replace the replica`;
    case 'DUnknown':
    case '':
      return `replica on node ${node} reports no disk state; check the LINSTOR satellite on node ${node}`;
    default:
      return `replica on node ${node} is ${state}, not UpToDate; check it with "linstor resource list"`;
  }
}

/**
 * Computes the condition of one volume (all resources of one RD; deleting ones are ignored).
 * `volumeNumber` selects the volume inside each resource.
 */
export function volumeCondition(resources: readonly ResourceWithVolumes[], volumeNumber = 0, splitBrainSince?: number): Condition {
  const live = resources.filter((r) => !isDeleting(r));
  if (live.length === 0) return { abnormal: true, message: 'volume has no replicas in LINSTOR; it cannot be used until a replica is placed', reasons: ['no_replicas'] };
  const problems: string[] = [];
  const reasons = new Set<VolumeConditionReason>();
  // Split brain first: it is the one condition where waiting does not help and data may be lost.
  const sb = detectSplitBrain(live);
  if (sb) {
    problems.push(splitBrainMessage({ ...sb, ...(splitBrainSince !== undefined ? { since: splitBrainSince } : {}) }));
    reasons.add('split_brain');
  }
  const inSplit = (a: string, b: string): boolean => sb?.pairs.some((p) => p.includes(a) && p.includes(b)) ?? false;
  const offline = new Set<string>();
  for (const r of live) {
    if (r.state === undefined) {
      offline.add(r.node_name.toLowerCase());
      reasons.add('node_offline');
      problems.push(
        isDisklessResource(r)
          ? `node ${r.node_name} (diskless) is offline; check its LINSTOR satellite`
          : `node ${r.node_name} holding a replica is offline; bring its LINSTOR satellite back or replace the replica`,
      );
    }
  }
  // Disk states of diskful replicas.
  for (const r of live) {
    if (isDisklessResource(r) || offline.has(r.node_name.toLowerCase())) continue;
    // Storage only: no replication, no disk state; online and present is healthy.
    if (!hasDrbdLayer(r)) continue;
    const v = (r.volumes ?? []).find((x) => x.volume_number === volumeNumber) ?? r.volumes?.[0];
    const state = v?.state?.disk_state ?? '';
    if (state === 'UpToDate') continue;
    const syncing = Object.values(v?.state?.replication_states ?? {}).find((x) => x.replication_state === 'SyncTarget');
    problems.push(diskAdvice(r.node_name, syncing ? 'SyncTarget' : state, syncing?.done_percentage));
    reasons.add(diskReason(syncing ? 'SyncTarget' : state));
  }
  // Connections and quorum, from each online node's own DRBD view.
  const voters = live.length;
  for (const r of live) {
    if (offline.has(r.node_name.toLowerCase())) continue;
    const conns = r.layer_object?.drbd?.connections;
    if (!conns) continue;
    let reachable = 1;
    for (const [peer, c] of Object.entries(conns)) {
      if (c.connected) reachable++;
      if ((c.message ?? '').toLowerCase() === 'standalone' && !inSplit(r.node_name, peer)) {
        reasons.add('split_brain');
        problems.push(
          `DRBD connection from node ${r.node_name} to node ${peer} is StandAlone (split brain or refused connection); ` +
            `run "drbdadm connect <resource>" on both nodes; see docs/split-brain.md`,
        );
      }
    }
    // With three or more voters LINSTOR enables quorum (majority).
    if (voters >= 3 && reachable * 2 <= voters) {
      reasons.add('quorum_lost');
      problems.push(
        `node ${r.node_name} has lost quorum (it reaches ${reachable} of ${voters} replicas); I/O there is suspended or fails — restore the network or the peers`,
      );
    }
  }
  // DRBD's own verdict: nobody is Primary, yet an online node may not promote → no quorum or no
  // reachable UpToDate data there (catches quorum loss the connection view does not show).
  if (!live.some((r) => r.state?.in_use === true)) {
    for (const r of live) {
      if (offline.has(r.node_name.toLowerCase()) || isTieBreakerResource(r)) continue;
      const drbd = r.layer_object?.drbd;
      if (drbd?.may_promote !== false) continue;
      if (problems.some((p) => p.includes(`node ${r.node_name} has lost quorum`))) continue;
      reasons.add('cannot_promote');
      problems.push(
        `node ${r.node_name} cannot use the volume (DRBD may not promote it: quorum lost or no UpToDate data reachable); restore the connections to its peers`,
      );
    }
  }
  if (problems.length > 0) return { abnormal: true, message: problems.join('; '), reasons: [...reasons] };
  const diskful = live.filter((r) => !isDisklessResource(r)).map((r) => r.node_name);
  if (!live.some(hasDrbdLayer)) return { abnormal: false, message: `${diskful.length} replica(s) (storage only, no DRBD) online on ${diskful.join(', ')}`, reasons: [] };
  return { abnormal: false, message: `${diskful.length} replica(s) UpToDate on ${diskful.join(', ')}`, reasons: [] };
}
