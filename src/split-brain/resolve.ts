/**
 * `split-brain resolve`: detect, plan, confirm, back up the victims' data (a LINSTOR snapshot on
 * each victim whose pool can snapshot), run the drbdadm steps on the nodes, wait until every
 * diskful replica is connected and UpToDate. Nothing is changed before the confirmation, and a
 * refusal (healthy volume, unknown node, victim in use) changes nothing at all.
 */
import type { LinstorClient } from '../linstor/client.js';
import { isDisklessResource } from '../linstor/resource-flags.js';
import type { ResourceWithVolumes } from '../linstor/types.js';
import type { Clock } from '../util/clock.js';
import { type SplitBrain, detectSplitBrain } from './detect.js';
import { type NodeStep, PlanRefused, type ResolutionPlan, formatPlan, planResolution } from './plan.js';

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs drbdadm on a node: locally (only the node it runs on) or through the node plugin pods. */
export interface StepRunner {
  /** Whether this runner can act on `node`. */
  canRun(node: string): boolean;
  run(node: string, argv: string[]): Promise<StepResult>;
  /** How to reach the other nodes, for the hint when this runner cannot. */
  describe(): string;
}

export interface ResolveDeps {
  linstor: Pick<LinstorClient, 'resources' | 'snapshots' | 'storagePools'>;
  runner: StepRunner;
  /** Asks the operator; `--yes` answers true without asking. */
  confirm(question: string): Promise<boolean>;
  out(text: string): void;
  clock: Clock;
}

export interface ResolveOptions {
  resource: string;
  keep: string;
  /** How long to wait for Connected/UpToDate after the steps, ms. */
  timeoutMs: number;
}

export type ResolveOutcome =
  | { kind: 'resolved'; plan: ResolutionPlan; snapshots: string[] }
  | { kind: 'partial'; plan: ResolutionPlan; snapshots: string[]; remaining: NodeStep[] }
  | { kind: 'aborted' };

export class ResolveError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'ResolveError';
  }
}

export async function viewOf(deps: Pick<ResolveDeps, 'linstor'>, resource: string): Promise<ResourceWithVolumes[]> {
  const all = await deps.linstor.resources.view({ resources: [resource] });
  return all.filter((r) => r.name.toLowerCase() === resource.toLowerCase());
}

export async function resolveSplitBrain(deps: ResolveDeps, opts: ResolveOptions): Promise<ResolveOutcome> {
  const view = await viewOf(deps, opts.resource);
  if (view.length === 0) throw new ResolveError(`volume ${opts.resource} not found in LINSTOR (linstor-csi split-brain list shows the ones in split brain)`);
  const sb = detectSplitBrain(view);
  if (!sb) throw new ResolveError(`volume ${opts.resource} is not in split brain: no StandAlone connection between its diskful replicas; nothing to do`);
  let plan: ResolutionPlan;
  try {
    plan = planResolution(sb, opts.keep);
  } catch (e) {
    if (e instanceof PlanRefused) throw new ResolveError(e.message);
    throw e;
  }
  const mine = plan.steps.filter((s) => deps.runner.canRun(s.node));
  const backups = await snapshotTargets(deps, sb, plan, mine);
  deps.out(formatPlan(plan));
  for (const b of backups) deps.out(`Backup first: LINSTOR snapshot ${b.name} of ${plan.resource} on ${b.node} (the data about to be discarded).\n`);
  for (const n of plan.victims.filter((v) => mine.some((s) => s.node === v) && !backups.some((b) => b.node === v))) {
    deps.out(`No backup possible for ${n}: its storage pool cannot take snapshots; copy the device yourself first if its changes matter.\n`);
  }
  if (mine.length < plan.steps.length) deps.out(`This run executes the steps of ${[...new Set(mine.map((s) => s.node))].join(', ') || 'no node'} only (${deps.runner.describe()}).\n`);
  if (mine.length === 0) throw new ResolveError(`none of the steps can run here: ${deps.runner.describe()}`);
  if (!(await deps.confirm('Proceed?'))) return { kind: 'aborted' };
  const taken: string[] = [];
  for (const b of backups) {
    await deps.linstor.snapshots.create(plan.resource, { name: b.name, nodes: [b.node] });
    taken.push(`${b.node}:${b.name}`);
    deps.out(`snapshot ${b.name} taken on ${b.node}\n`);
  }
  for (const s of mine) {
    const r = await deps.runner.run(s.node, s.argv);
    deps.out(`${s.node}: drbdadm ${s.argv.join(' ')} → exit ${r.code}\n`);
    if (r.code !== 0) throw new ResolveError(`drbdadm ${s.argv.join(' ')} failed on ${s.node} (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  const remaining = plan.steps.filter((s) => !mine.includes(s));
  // Steps of other nodes may have run already (the other half of a --node resolve): then the
  // replicas connect now. Otherwise they are the operator's next step.
  if (remaining.length > 0 && !(await connectsSoon(deps, plan.resource))) return { kind: 'partial', plan, snapshots: taken, remaining };
  await waitHealthy(deps, plan.resource, opts.timeoutMs);
  return { kind: 'resolved', plan, snapshots: taken };
}

async function connectsSoon(deps: Pick<ResolveDeps, 'linstor' | 'clock'>, resource: string): Promise<boolean> {
  const until = deps.clock.now() + 5000;
  for (;;) {
    if (connected(await viewOf(deps, resource))) return true;
    if (deps.clock.now() >= until) return false;
    await deps.clock.sleep(250);
  }
}

/** A snapshot per victim this run acts on, when its pool can take one. */
async function snapshotTargets(deps: Pick<ResolveDeps, 'linstor' | 'clock'>, sb: SplitBrain, plan: ResolutionPlan, mine: NodeStep[]): Promise<{ node: string; name: string }[]> {
  const out: { node: string; name: string }[] = [];
  const stamp = new Date(deps.clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  for (const v of plan.victims) {
    if (!mine.some((s) => s.node === v)) continue;
    const pool = (await viewOf(deps, sb.resource)).find((r) => r.node_name === v)?.volumes?.[0]?.storage_pool_name;
    if (!pool) continue;
    const sp = await deps.linstor.storagePools.get(v, pool).catch(() => undefined);
    if (sp?.supports_snapshots !== true) continue;
    out.push({ node: v, name: `split-brain-${v}-${stamp}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-') });
  }
  return out;
}

/** Connected between every pair of diskful replicas and UpToDate everywhere. */
export function healthy(view: readonly ResourceWithVolumes[]): boolean {
  const disk = view.filter((r) => !isDisklessResource(r));
  return connected(view) && disk.every((r) => !r.volumes?.some((v) => v.state?.disk_state !== 'UpToDate'));
}

/** Every pair of diskful replicas Connected (a resync may still run). */
function connected(view: readonly ResourceWithVolumes[]): boolean {
  const disk = view.filter((r) => !isDisklessResource(r));
  if (disk.length === 0 || detectSplitBrain(view)) return false;
  for (const r of disk) {
    if (r.state === undefined) return false;
    for (const p of disk) {
      if (p === r) continue;
      const c = r.layer_object?.drbd?.connections?.[p.node_name];
      if (c?.connected !== true) return false;
    }
  }
  return true;
}

async function waitHealthy(deps: Pick<ResolveDeps, 'linstor' | 'clock' | 'out'>, resource: string, timeoutMs: number): Promise<void> {
  const until = deps.clock.now() + timeoutMs;
  for (;;) {
    if (healthy(await viewOf(deps, resource))) {
      deps.out(`${resource}: every replica Connected and UpToDate\n`);
      return;
    }
    if (deps.clock.now() >= until) throw new ResolveError(`${resource} is not Connected/UpToDate after ${Math.round(timeoutMs / 1000)}s; check "linstor-csi split-brain show ${resource}" and the handbook`);
    await deps.clock.sleep(500);
  }
}
