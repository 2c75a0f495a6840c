import { aborted } from './errors.js';

/**
 * Keys (volume ids, snapshot names, target paths) with an operation under way.
 * A second call on a busy key is answered ABORTED at once, as the CSI spec asks,
 * so the CO retries later instead of two calls racing on one LINSTOR object.
 */
export class InFlight {
  private readonly busy = new Set<string>();

  async run<T>(keys: string | readonly string[], fn: () => Promise<T>): Promise<T> {
    const list = (typeof keys === 'string' ? [keys] : [...keys]).filter((k) => k !== '');
    const taken = list.find((k) => this.busy.has(k));
    if (taken !== undefined) {
      throw aborted(`an operation on "${taken}" is already in progress; retry later`);
    }
    for (const k of list) this.busy.add(k);
    try {
      return await fn();
    } finally {
      for (const k of list) this.busy.delete(k);
    }
  }

  has(key: string): boolean {
    return this.busy.has(key);
  }

  get size(): number {
    return this.busy.size;
  }
}
