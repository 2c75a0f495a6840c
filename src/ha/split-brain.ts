/**
 * Split-brain indication from `drbdsetup status --json`. DRBD 9 drops a connection to
 * StandAlone after "Split-Brain detected" (and it stays there until an administrator resolves
 * it), so a StandAlone connection between two diskful replicas is reported as a split brain.
 * It is the veto hook of the failover decision: a resource for which the check answers never
 * fails over, into or out of it. A richer detector (e.g. one that also reads events2's
 * `split-brain` helper call) can replace it through `HaAgentDeps.splitBrain`.
 */
import type { DrbdResourceStatus } from '../node-ops/drbd-status.js';

export interface SplitBrainFinding {
  /** Peers this replica is split from. */
  peers: string[];
  message: string;
}

export type SplitBrainCheck = (local: DrbdResourceStatus) => SplitBrainFinding | undefined;

function diskless(st: DrbdResourceStatus): boolean {
  return st.devices.length > 0 && st.devices.every((d) => d.client || d.diskState === 'Diskless');
}

export const standAloneSplitBrain: SplitBrainCheck = (local) => {
  if (diskless(local)) return undefined;
  const peers = local.connections
    .filter((c) => c.connectionState === 'StandAlone' && !c.peerDevices.some((p) => p.peerClient))
    .map((c) => c.name);
  if (peers.length === 0) return undefined;
  return {
    peers,
    message:
      `DRBD resource ${local.name} is StandAlone towards ${peers.join(', ')} (split brain, or disconnected by an administrator); ` +
      'resolve it by hand (docs/split-brain.md) before the volume can fail over',
  };
};
