/**
 * One 'abort' listener per signal, however many LINSTOR requests of one call wait on it. A call
 * that fans out to many requests (in flight or queued for a connection slot) would otherwise add
 * one listener each and trip Node's MaxListenersExceededWarning, though nothing leaks.
 */
interface Fanout {
  fns: Set<() => void>;
  listener: () => void;
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `fn` when `signal` aborts (at once if it already has). Returns the unsubscribe function;
 * the signal's listener goes away with its last subscriber.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    queueMicrotask(fn);
    return () => undefined;
  }
  let entry = fanouts.get(signal);
  if (entry === undefined) {
    const fns = new Set<() => void>();
    const listener = (): void => {
      fanouts.delete(signal);
      for (const f of [...fns]) f();
      fns.clear();
    };
    entry = { fns, listener };
    fanouts.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const e = entry;
  e.fns.add(fn);
  return () => {
    if (!e.fns.delete(fn) || e.fns.size > 0 || fanouts.get(signal) !== e) return;
    fanouts.delete(signal);
    signal.removeEventListener('abort', e.listener);
  };
}
