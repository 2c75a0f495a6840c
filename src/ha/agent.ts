/**
 * The HA agent loop: every poll interval (and on any informer change) it reads the local DRBD
 * state, asks `decide()` what to do and carries the actions out. A failing read or call is
 * logged and retried on the next pass; nothing is acted on without a fresh DRBD status and
 * synced informers.
 */
import type { Logger } from '../log/logger.js';
import type { DrbdResourceStatus } from '../node-ops/drbd-status.js';
import type { Clock } from '../util/clock.js';
import { decide, trackLost, type Action, type Plan, type Verdict } from './decide.js';
import { LOST_QUORUM_TAINT, type HaSettings } from './model.js';
import type { HaDrbd, HaKube } from './ports.js';
import { standAloneSplitBrain, type SplitBrainCheck } from './split-brain.js';

export interface HaAgentDeps {
  nodeName: string;
  settings: HaSettings;
  /** How often the DRBD state is read (bounded: the agent never waits longer between passes). */
  pollIntervalMs: number;
  kube: HaKube;
  drbd: HaDrbd;
  clock: Clock;
  log: Logger;
  splitBrain?: SplitBrainCheck;
  /** Same Event again at most this often (default 10 min). */
  eventRepeatMs?: number;
}

export interface HaAgent {
  /** Starts the poll loop and the reaction to informer changes. */
  start(): void;
  /** One pass (exported for tests and the loop). */
  pass(): Promise<Plan | undefined>;
  stop(): Promise<void>;
}

/** Stable key of an event: the volume counters (seconds) change each pass and must not defeat dedup. */
function eventKey(a: Extract<Action, { kind: 'event' }>): string {
  const e = a.event;
  return `${e.target.uid}/${e.reason}/${e.message.replace(/\d+/g, '#')}`;
}

export function createHaAgent(d: HaAgentDeps): HaAgent {
  const log = d.log;
  const splitBrain = d.splitBrain ?? standAloneSplitBrain;
  const repeatMs = d.eventRepeatMs ?? 600_000;
  let lostSince = new Map<string, number>();
  const emitted = new Map<string, number>();
  const logged = new Map<string, string>();
  const done = new Map<string, number>();
  let statusFailing = false;

  const logVerdict = (v: Verdict): void => {
    const key = `${v.resource}/${v.peer ?? ''}`;
    const sig = `${v.outcome}/${v.code ?? ''}`;
    if (logged.get(key) === sig) return;
    logged.set(key, sig);
    const fields = { resource: v.resource, peer: v.peer, outcome: v.outcome, code: v.code };
    if (v.outcome === 'refused') log.warn(fields, `failover refused: ${v.message}`);
    else if (v.outcome === 'skipped') log.debug(fields, v.message);
    else log.info(fields, v.message);
  };

  const run = async (a: Action): Promise<void> => {
    switch (a.kind) {
      case 'taint':
        return d.kube.taintNode(a.node, LOST_QUORUM_TAINT);
      case 'untaint':
        return d.kube.untaintNode(a.node, LOST_QUORUM_TAINT);
      case 'evict':
        return d.kube.evictPod(a.pod);
      case 'delete-pod':
        return d.kube.forceDeletePod(a.pod);
      case 'delete-attachment':
        return d.kube.deleteVolumeAttachment(a.name, a.uid);
      case 'demote':
        return d.drbd.forceSecondary(a.resource);
      case 'event':
        return d.kube.emitEvent(a.event);
    }
  };

  /** Mutating actions are not repeated within a short window (the informers may lag behind our own call). */
  const actionKey = (a: Action): string | undefined => {
    if (a.kind === 'event') return undefined;
    if (a.kind === 'evict' || a.kind === 'delete-pod') return `${a.kind}/${a.pod.uid}`;
    if (a.kind === 'delete-attachment') return `${a.kind}/${a.uid}`;
    return `${a.kind}/${'node' in a ? a.node : a.resource}`;
  };

  const execute = async (actions: Action[]): Promise<void> => {
    const now = d.clock.now();
    for (const a of actions) {
      if (a.kind === 'event') {
        const k = eventKey(a);
        if ((emitted.get(k) ?? -Infinity) + repeatMs > now) continue;
        emitted.set(k, now);
      } else {
        const k = actionKey(a) as string;
        if ((done.get(k) ?? -Infinity) + Math.max(2000, d.pollIntervalMs * 3) > now) continue;
        done.set(k, now);
      }
      try {
        await run(a);
        if (a.kind !== 'event') log.info({ action: a }, `ha: ${a.kind} done`);
      } catch (e) {
        log.warn({ action: a, err: (e as Error).message }, `ha: ${a.kind} failed; retrying on a later pass`);
        if (a.kind === 'event') emitted.delete(eventKey(a));
        else done.delete(actionKey(a) as string);
      }
    }
  };

  const readStatus = async (): Promise<DrbdResourceStatus[] | undefined> => {
    try {
      const st = await d.drbd.statusAll();
      if (statusFailing) log.info('ha: DRBD status readable again');
      statusFailing = false;
      return st;
    } catch (e) {
      if (!statusFailing) log.warn({ err: (e as Error).message }, 'ha: cannot read the DRBD status; not acting until it is readable');
      statusFailing = true;
      return undefined;
    }
  };

  let running: Promise<Plan | undefined> | undefined;
  let again = false;
  const passOnce = async (): Promise<Plan | undefined> => {
    const statuses = await readStatus();
    if (!statuses) return undefined;
    const now = d.clock.now();
    lostSince = trackLost(lostSince, statuses, now);
    if (!d.kube.synced()) {
      log.debug('ha: informers not synced; not acting');
      return undefined;
    }
    const plan = decide(statuses, d.kube.snapshot(), { localNode: d.nodeName, now, settings: d.settings, lostSince, splitBrain });
    for (const v of plan.verdicts) logVerdict(v);
    await execute(plan.actions);
    return plan;
  };
  // Passes never overlap; a trigger during a pass runs one more right after it.
  const pass = (): Promise<Plan | undefined> => {
    if (running) {
      again = true;
      return running;
    }
    running = passOnce()
      .catch((e: unknown) => {
        log.error({ err: e }, 'ha: pass failed');
        return undefined;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void pass();
        }
      });
    return running;
  };

  const ac = new AbortController();
  let loop: Promise<void> | undefined;

  return {
    pass,
    start() {
      if (loop) return;
      // Informer changes come in bursts (every pod in the cluster): one pass per burst.
      let pending = false;
      d.kube.onChange(() => {
        if (ac.signal.aborted || pending) return;
        pending = true;
        void d.clock.sleep(100, ac.signal).then(
          () => {
            pending = false;
            void pass();
          },
          () => undefined,
        );
      });
      loop = (async () => {
        while (!ac.signal.aborted) {
          await pass();
          await d.clock.sleep(d.pollIntervalMs, ac.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      ac.abort();
      await loop;
      await running;
    },
  };
}
