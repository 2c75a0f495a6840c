/**
 * Per-RPC accounting of the time spent waiting for LINSTOR, so the interceptor's one log line per
 * call can say how much of `durationMs` was LINSTOR (`linstorMs`, `linstorCalls`).
 *
 * The interceptor runs each handler inside `runWithCallStats`; the LINSTOR transport reads the
 * current call's stats with `currentCallStats()` (AsyncLocalStorage follows the handler's awaits,
 * so no port or signature has to carry it). Outside an RPC there are no stats and nothing is
 * recorded.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class CallStats {
  /** HTTP exchanges with LINSTOR (each attempt of a retried request counts). */
  linstorCalls = 0;
  /** Time requests of this call waited for a free LINSTOR connection slot (summed). */
  linstorQueuedMs = 0;
  private outstanding = 0;
  private since = 0;
  private waited = 0;

  /** This call starts waiting for a LINSTOR request (at `now`, performance.now() ms). */
  begin(now: number): void {
    if (this.outstanding++ === 0) this.since = now;
  }

  /** That request has its answer (or failed) at `at`. */
  end(at: number): void {
    if (this.outstanding === 0) return;
    if (--this.outstanding === 0) this.waited += Math.max(0, at - this.since);
  }

  /**
   * Wall-clock ms during which at least one LINSTOR request of this call was outstanding:
   * concurrent requests overlap rather than add up, so `durationMs - linstorMs` is the time the
   * driver itself took.
   */
  linstorMs(now: number): number {
    return this.waited + (this.outstanding > 0 ? Math.max(0, now - this.since) : 0);
  }
}

const store = new AsyncLocalStorage<CallStats>();

/** Runs `fn` (an RPC handler) so that LINSTOR requests it makes are counted in `stats`. */
export function runWithCallStats<T>(stats: CallStats, fn: () => T): T {
  return store.run(stats, fn);
}

/** The stats of the RPC this code runs for, if any. */
export function currentCallStats(): CallStats | undefined {
  return store.getStore();
}

