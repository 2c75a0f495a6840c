/**
 * The port through which the LINSTOR client reports its work to the RPC it runs for, so the
 * call's log line can say how much of its duration was LINSTOR. The gRPC server provides the
 * source (one `LinstorCallStats` per call); the client and the services only accept it.
 */

/** What one call accumulates about its LINSTOR requests. */
export interface LinstorCallStats {
  /** HTTP exchanges with LINSTOR (each attempt of a retried request counts). */
  linstorCalls: number;
  /** Time requests of this call waited for a free LINSTOR connection slot (summed). */
  linstorQueuedMs: number;
  /** This call starts waiting for a LINSTOR request (at `now`, performance.now() ms). */
  begin(now: number): void;
  /** That request has its answer (or failed) at `at`. */
  end(at: number): void;
}

/** The stats of the call the current code runs for; undefined outside a call. */
export type CallStatsSource = () => LinstorCallStats | undefined;

/**
 * Counts the wait for `p` (LINSTOR work another call started and this one joined, e.g. a shared
 * group reconciliation or node-list fetch) as this call's LINSTOR time.
 */
export function joinLinstorWork<T>(source: CallStatsSource | undefined, p: Promise<T>): Promise<T> {
  const stats = source?.();
  if (stats === undefined) return p;
  stats.begin(performance.now());
  return p.finally(() => stats.end(performance.now()));
}
