/**
 * The HA agent loop: every poll interval (and soon after any informer change) it reads the
 * local DRBD state, asks `decide()` what to do and has the executor carry it out. A failing
 * read or call is logged and retried on the next pass; nothing is acted on without a fresh
 * DRBD status and synced informers.
 */
import type { Logger } from '../log/logger.js';
import type { DrbdResourceStatus } from '../node-ops/drbd-status.js';
import type { Clock } from '../util/clock.js';
import { decide, trackLost, type Plan } from './decide.js';
import { ActionExecutor } from './executor.js';
import type { HaSettings } from './model.js';
import type { HaDrbd, HaKube } from './ports.js';
import { localSplitBrain, type SplitBrainCheck } from './split-brain.js';

export interface HaAgentDeps {
  nodeName: string;
  settings: HaSettings;
  /** How often the DRBD state is read (bounded: the agent never waits longer between passes). */
  pollIntervalMs: number;
  kube: HaKube;
  drbd: HaDrbd;
  clock: Clock;
  log: Logger;
  /** The split-brain veto (default: src/split-brain's detection from drbdsetup status). */
  splitBrain?: SplitBrainCheck;
  /** Same Event again at most this often (default 10 min). */
  eventRepeatMs?: number;
}

export interface HaAgent {
  /** Starts the poll loop and the reaction to informer changes. */
  start(): void;
  /** One pass; resolves with its plan, or undefined when it could not decide (no DRBD status, caches not synced). */
  pass(): Promise<Plan | undefined>;
  stop(): Promise<void>;
}

/** Informer changes come in bursts (every pod in the cluster): one pass per burst. */
const BURST_MS = 100;

class Agent implements HaAgent {
  private lostSince = new Map<string, number>();
  private statusFailing = false;
  private running: Promise<Plan | undefined> | undefined;
  private again = false;
  private loop: Promise<void> | undefined;
  private burst = false;
  private readonly ac = new AbortController();
  private readonly exec: ActionExecutor;
  private readonly splitBrain: SplitBrainCheck;

  constructor(private readonly d: HaAgentDeps) {
    this.splitBrain = d.splitBrain ?? localSplitBrain;
    this.exec = new ActionExecutor(d.kube, d.drbd, d.log, d.eventRepeatMs ?? 600_000, Math.max(2000, d.pollIntervalMs * 3));
  }

  start(): void {
    if (this.loop) return;
    this.d.kube.onChange(() => this.onChange());
    this.loop = (async () => {
      while (!this.ac.signal.aborted) {
        await this.pass();
        await this.d.clock.sleep(this.d.pollIntervalMs, this.ac.signal).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.loop;
    await this.running;
  }

  /** Passes never overlap; a trigger during a pass runs one more right after it. */
  pass(): Promise<Plan | undefined> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.passOnce()
      .catch((e: unknown) => {
        this.d.log.error({ err: e }, 'ha: pass failed');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.ac.signal.aborted) {
          this.again = false;
          void this.pass();
        }
      });
    return this.running;
  }

  private onChange(): void {
    if (this.ac.signal.aborted || this.burst) return;
    this.burst = true;
    this.d.clock.sleep(BURST_MS, this.ac.signal).then(
      () => {
        this.burst = false;
        void this.pass();
      },
      () => undefined,
    );
  }

  private async readStatus(): Promise<DrbdResourceStatus[] | undefined> {
    try {
      const st = await this.d.drbd.statusAll();
      if (this.statusFailing) this.d.log.info('ha: DRBD status readable again');
      this.statusFailing = false;
      return st;
    } catch (e) {
      if (!this.statusFailing) this.d.log.warn({ err: (e as Error).message }, 'ha: cannot read the DRBD status; not acting until it is readable');
      this.statusFailing = true;
      return undefined;
    }
  }

  private async passOnce(): Promise<Plan | undefined> {
    const statuses = await this.readStatus();
    if (!statuses) return undefined;
    const now = this.d.clock.now();
    this.lostSince = trackLost(this.lostSince, statuses, now);
    if (!this.d.kube.synced()) {
      this.d.log.debug('ha: informers not synced; not acting');
      return undefined;
    }
    const plan = decide(statuses, this.d.kube.snapshot(), { localNode: this.d.nodeName, now, settings: this.d.settings, lostSince: this.lostSince, splitBrain: this.splitBrain });
    this.exec.prune(now, plan.verdicts);
    for (const v of plan.verdicts) this.exec.logVerdict(v);
    await this.exec.execute(plan.actions, now);
    return plan;
  }
}

export function createHaAgent(d: HaAgentDeps): HaAgent {
  return new Agent(d);
}
