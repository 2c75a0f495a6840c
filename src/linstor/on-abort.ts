/** Abort subscriptions for the LINSTOR client's requests and its queue. */
import { setMaxListeners } from 'node:events';

/**
 * Calls `onAbort` when `signal` aborts (soon, if it already has); returns the unsubscribe. One
 * call may have many requests queued or in flight on its signal: that is not a listener leak.
 */
export function onSignal(signal: AbortSignal | undefined, onAbort: () => void): (() => void) | undefined {
  if (!signal) return undefined;
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return undefined;
  }
  setMaxListeners(0, signal);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
