/**
 * Split brain: detection (for volume conditions, the CLI and the HA agent) and recovery.
 *
 * - `detectSplitBrain(resources)`: one volume's LINSTOR resources (GET /v1/view/resources) →
 *   `SplitBrain | undefined` (pairs of nodes, sides, per-node role/disk/connections, the
 *   recommended node to keep).
 * - `detectSplitBrains(view)`: every split-brained volume of a whole view.
 * - `detectLocalSplitBrain(status)`: one node's `drbdsetup status --json` (parsed) → its
 *   StandAlone peers.
 * - `splitBrainMessage(sb)`: the one-line text for a volume condition or an Event.
 * - `SplitBrainTracker`: remembers when each split brain was first seen (`since`).
 */
export { HANDBOOK, type LocalSplitBrain, type Recommendation, type SplitBrain, type SplitBrainNode, SplitBrainTracker, detectLocalSplitBrain, detectSplitBrain, detectSplitBrains, splitBrainMessage } from './detect.js';
export { type NodeStep, PlanRefused, type ResolutionPlan, formatPlan, planResolution } from './plan.js';
export { ResolveError, type ResolveDeps, type ResolveOptions, type ResolveOutcome, type StepRunner, healthy, resolveSplitBrain } from './resolve.js';
