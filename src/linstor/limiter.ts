import { onSignal } from './on-abort.js';

/** A counting semaphore bounding the client's requests in flight. Waiters are served FIFO. */
export class Limiter {
  private active = 0;
  private readonly waiters: { resolve: () => void; reject: (e: unknown) => void; unsubscribe?: () => void }[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${max}`);
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Waits for a slot; rejects with the signal's reason when aborted while queued. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: (typeof this.waiters)[number] = { resolve, reject };
      // Not aborted yet (checked above): the callback runs only on a later abort.
      w.unsubscribe = onSignal(signal, () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      });
      this.waiters.push(w);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      // hand the slot over directly: `active` stays the same
      next.unsubscribe?.();
      next.resolve();
      return;
    }
    this.active = Math.max(0, this.active - 1);
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
