/**
 * The split-brain veto of the failover decision. DRBD 9 drops a connection to StandAlone after
 * "Split-Brain detected" and keeps it there until an administrator resolves it; the detection
 * itself is src/split-brain's (`detectLocalSplitBrain`, from `drbdsetup status`). A resource for
 * which the check answers never fails over, into or out of it, and gets a SplitBrain Event.
 * A different detector can be passed in through `HaAgentDeps.splitBrain`.
 */
import type { DrbdResourceStatus } from '../node-ops/drbd-status.js';
import { detectLocalSplitBrain, splitBrainMessage } from '../split-brain/index.js';

export interface SplitBrainFinding {
  /** Peers this replica is split from. */
  peers: string[];
  message: string;
}

export type SplitBrainCheck = (local: DrbdResourceStatus, localNode: string) => SplitBrainFinding | undefined;

export const localSplitBrain: SplitBrainCheck = (local, localNode) => {
  const sb = detectLocalSplitBrain(local);
  if (!sb) return undefined;
  const pairs = sb.peers.map((p): [string, string] => [localNode, p]);
  return { peers: sb.peers, message: `${splitBrainMessage({ resource: local.name, pairs })}; the HA agent will not fail this volume over until it is resolved` };
};
