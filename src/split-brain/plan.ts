/**
 * The manual split-brain recovery as DRBD 9 prescribes it, as a plan of drbdadm commands per
 * node (pure): on every node whose changes are discarded (the victims) `secondary`,
 * `disconnect`, `connect --discard-my-data`; then `connect` on the node kept (the survivor),
 * which starts the resync of the victims from it.
 */
import type { SplitBrain } from './detect.js';

export interface NodeStep {
  node: string;
  /** What the step is for (victim or survivor). */
  part: 'victim' | 'survivor';
  /** drbdadm arguments, e.g. ["connect", "--discard-my-data", "pvc-1"]. */
  argv: string[];
}

export interface ResolutionPlan {
  resource: string;
  keep: string;
  victims: string[];
  steps: NodeStep[];
}

export class PlanRefused extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'PlanRefused';
  }
}

const lc = (s: string): string => s.toLowerCase();

/**
 * Plans keeping `keep`'s data. Refuses (PlanRefused, naming what to do) an unknown or diskless
 * node and a victim that is Primary and in use: its data is what a workload sees right now.
 */
export function planResolution(sb: SplitBrain, keep: string): ResolutionPlan {
  const node = sb.nodes.find((n) => lc(n.node) === lc(keep));
  const diskful = sb.nodes.filter((n) => !n.diskless).map((n) => n.node);
  if (!node) throw new PlanRefused(`--keep ${keep}: node ${keep} holds no replica of ${sb.resource}; choose one of ${diskful.join(', ')}`);
  if (node.diskless) throw new PlanRefused(`--keep ${keep}: node ${keep} is diskless (it has no data of its own); choose one of ${diskful.join(', ')}`);
  const keepSide = sb.sides.find((s) => s.some((n) => lc(n) === lc(node.node))) ?? [node.node];
  const victims = sb.sides.filter((s) => s !== keepSide).flat();
  const busy = victims.filter((v) => sb.nodes.find((n) => n.node === v)?.inUse);
  if (busy.length > 0) {
    throw new PlanRefused(
      `refusing to discard the data of ${busy.join(', ')}: ${busy.length === 1 ? 'it is' : 'they are'} Primary and in use. ` +
        `Stop the workload there first (scale the application down or move its pod), or keep ${busy[0] ?? ''} instead`,
    );
  }
  const steps: NodeStep[] = [];
  for (const v of victims) {
    // Unconditional, as DRBD's guide has it: a victim that is Secondary already stays so.
    steps.push({ node: v, part: 'victim', argv: ['secondary', sb.resource] });
    steps.push({ node: v, part: 'victim', argv: ['disconnect', sb.resource] });
    steps.push({ node: v, part: 'victim', argv: ['connect', '--discard-my-data', sb.resource] });
  }
  for (const s of keepSide) steps.push({ node: s, part: 'survivor', argv: ['connect', sb.resource] });
  return { resource: sb.resource, keep: node.node, victims, steps };
}

/** The plan as printed before asking for confirmation. */
export function formatPlan(plan: ResolutionPlan): string {
  const lines = [`Keeping the data of ${plan.keep}; discarding the changes made on ${plan.victims.join(', ')} since the split.`, 'DRBD steps:'];
  let last = '';
  for (const s of plan.steps) {
    if (s.node !== last) lines.push(`  on ${s.node} (${s.part}):`);
    last = s.node;
    lines.push(`    drbdadm ${s.argv.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}
