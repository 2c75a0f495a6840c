/**
 * Carries out the actions of a plan through the ports. An Event is not repeated within
 * `eventRepeatMs`; a mutating call is not repeated within a short guard window (the informers
 * lag behind our own calls). A failed call is logged and forgotten, so a later pass retries it.
 */
import type { Logger } from '../log/logger.js';
import type { Action, Verdict } from './decide.js';
import { LOST_QUORUM_TAINT } from './model.js';
import type { HaDrbd, HaKube } from './ports.js';

type EventAction = Extract<Action, { kind: 'event' }>;

/** Stable key of an Event: the counters in its message (seconds) change each pass and must not defeat dedup. */
function eventKey(a: EventAction): string {
  const e = a.event;
  return `${e.target.uid}/${e.reason}/${e.message.replace(/\d+/g, '#')}`;
}

function actionKey(a: Exclude<Action, EventAction>): string {
  switch (a.kind) {
    case 'evict':
    case 'delete-pod':
      return `${a.kind}/${a.pod.uid}`;
    case 'delete-attachment':
      return `${a.kind}/${a.uid}`;
    case 'demote':
      return `${a.kind}/${a.resource}`;
    default:
      return `${a.kind}/${a.node}`;
  }
}

export class ActionExecutor {
  private readonly emitted = new Map<string, number>();
  private readonly done = new Map<string, number>();
  private readonly logged = new Map<string, string>();

  constructor(
    private readonly kube: HaKube,
    private readonly drbd: HaDrbd,
    private readonly log: Logger,
    private readonly eventRepeatMs: number,
    private readonly guardMs: number,
  ) {}

  /** Logs a verdict when it changes (not on every pass). */
  logVerdict(v: Verdict): void {
    const key = `${v.resource}/${v.peer ?? ''}`;
    const sig = `${v.outcome}/${v.code ?? ''}`;
    if (this.logged.get(key) === sig) return;
    this.logged.set(key, sig);
    const fields = { resource: v.resource, peer: v.peer, outcome: v.outcome, code: v.code };
    if (v.outcome === 'refused') this.log.warn(fields, `failover refused: ${v.message}`);
    else if (v.outcome === 'skipped') this.log.debug(fields, v.message);
    else this.log.info(fields, v.message);
  }

  /** Forgets what no longer matters, so the memos do not grow with the cluster's history. */
  prune(now: number, verdicts: readonly Verdict[]): void {
    for (const [k, t] of this.emitted) if (t + this.eventRepeatMs <= now) this.emitted.delete(k);
    for (const [k, t] of this.done) if (t + this.guardMs <= now) this.done.delete(k);
    const live = new Set(verdicts.map((v) => `${v.resource}/${v.peer ?? ''}`));
    for (const k of this.logged.keys()) if (!live.has(k)) this.logged.delete(k);
  }

  async execute(actions: readonly Action[], now: number): Promise<void> {
    for (const a of actions) {
      const [memo, key, window] = a.kind === 'event' ? [this.emitted, eventKey(a), this.eventRepeatMs] : [this.done, actionKey(a), this.guardMs];
      if ((memo.get(key) ?? -Infinity) + window > now) continue;
      memo.set(key, now);
      try {
        await this.run(a);
        if (a.kind !== 'event') this.log.info({ action: a }, `ha: ${a.kind} done`);
      } catch (e) {
        this.log.warn({ action: a, err: (e as Error).message }, `ha: ${a.kind} failed; retrying on a later pass`);
        memo.delete(key);
      }
    }
  }

  private run(a: Action): Promise<void> {
    switch (a.kind) {
      case 'taint':
        return this.kube.taintNode(a.node, LOST_QUORUM_TAINT);
      case 'untaint':
        return this.kube.untaintNode(a.node, LOST_QUORUM_TAINT);
      case 'evict':
        return this.kube.evictPod(a.pod);
      case 'delete-pod':
        return this.kube.forceDeletePod(a.pod);
      case 'delete-attachment':
        return this.kube.deleteVolumeAttachment(a.name, a.uid);
      case 'demote':
        return this.drbd.forceSecondary(a.resource);
      case 'event':
        return this.kube.emitEvent(a.event);
    }
  }
}
