/** mount, bind, read-only remount, unmount with bounded busy retries, and the mount table. */
import type { Clock } from '../util/clock.js';
import { readFile } from 'node:fs/promises';
import { parseFindmntJson, parseMountInfo, topMountAt, type MountEntry } from './mount-table.js';
import { isToolError, type ToolRunner } from './run-tool.js';

export type { MountEntry } from './mount-table.js';

export interface UnmountOptions {
  /** How many more attempts after a "target is busy" failure. */
  busyRetries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
}

export interface Mounter {
  /** The whole mount table: /proc/self/mountinfo (findmnt where procfs is missing; never statfs, which hangs on stale network mounts). */
  list(signal?: AbortSignal): Promise<MountEntry[]>;
  /** The top-most mount whose target is exactly `target`. */
  at(target: string, signal?: AbortSignal): Promise<MountEntry | undefined>;
  mount(source: string, target: string, fstype: string, options: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Bind-mounts `source` onto `target`; `readOnly` adds a read-only bind remount (a plain `-o ro` bind is ignored by the kernel). */
  bind(source: string, target: string, readOnly: boolean, signal?: AbortSignal): Promise<void>;
  /** Unmounts `target`; "not-mounted" when nothing is there. Busy mounts are retried, then a MountBusyError. */
  unmount(target: string, opts?: UnmountOptions): Promise<'unmounted' | 'not-mounted'>;
}

export class MountBusyError extends Error {
  constructor(readonly target: string, readonly attempts: number) {
    super(`${target} is still busy after ${attempts} unmount attempts (a process holds files open there)`);
    this.name = 'MountBusyError';
  }
}

// No size columns: they stat the filesystem and hang on a dead mount.
const FINDMNT_COLUMNS = 'TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN,FS-OPTIONS';

export function createMounter(deps: { tools: ToolRunner; clock: Clock; timeoutMs?: number; mountInfoPath?: string }): Mounter {
  const { tools, clock } = deps;
  const timeoutMs = deps.timeoutMs ?? 120_000;
  const mountInfoPath = deps.mountInfoPath ?? '/proc/self/mountinfo';

  const list = async (signal?: AbortSignal): Promise<MountEntry[]> => {
    // The kernel's table of this process's mount namespace: what findmnt reads, without a process per call.
    let text: string | undefined;
    try {
      text = await readFile(mountInfoPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text !== undefined) return parseMountInfo(text);
    // exit 1 = nothing matched (cannot happen for the full table, but is an answer, not a failure).
    const r = await tools.run('findmnt', ['-J', '-l', '-o', FINDMNT_COLUMNS], { okExitCodes: [1], signal, timeoutMs: 30_000 });
    return parseFindmntJson(r.stdout);
  };

  return {
    list,
    async at(target, signal) {
      return topMountAt(await list(signal), target);
    },
    async mount(source, target, fstype, options, signal) {
      const args = ['-t', fstype];
      if (options.length > 0) args.push('-o', options.join(','));
      args.push('--', source, target);
      await tools.run('mount', args, { signal, timeoutMs });
    },
    async bind(source, target, readOnly, signal) {
      await tools.run('mount', ['--bind', '--', source, target], { signal, timeoutMs });
      if (!readOnly) return;
      try {
        await tools.run('mount', ['-o', 'remount,bind,ro', '--', target], { signal, timeoutMs });
      } catch (e) {
        // Never leave a writable bind behind a read-only request.
        await tools.run('umount', ['--', target], { timeoutMs }).catch(() => undefined);
        throw e;
      }
    },
    async unmount(target, opts = {}) {
      const retries = opts.busyRetries ?? 5;
      const delay = opts.retryDelayMs ?? 1000;
      for (let attempt = 1; attempt <= retries + 10; attempt++) {
        if (!topMountAt(await list(opts.signal), target)) return attempt === 1 ? 'not-mounted' : 'unmounted';
        try {
          await tools.run('umount', ['--', target], { signal: opts.signal, timeoutMs });
        } catch (e) {
          if (isToolError(e) && /busy/i.test(e.stderr)) {
            if (attempt > retries) throw new MountBusyError(target, attempt);
            await clock.sleep(delay, opts.signal);
            continue;
          }
          if (isToolError(e) && /not mounted/i.test(e.stderr)) return 'not-mounted';
          throw e;
        }
        // Stacked mounts (a double mount from a crashed earlier call) need more than one umount.
        if (!topMountAt(await list(opts.signal), target)) return 'unmounted';
      }
      throw new MountBusyError(target, retries + 10);
    },
  };
}
