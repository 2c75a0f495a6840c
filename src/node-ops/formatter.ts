/** mkfs.ext4 / mkfs.xfs. Only ever called on a device the blank decision cleared. */
import { mkfsArgs, type FsType } from './mkfs-options.js';
import type { ToolRunner } from './run-tool.js';

export interface Formatter {
  /** `userArgs` come from parseFsOpts. No force flag is ever passed: mkfs.xfs refuses a device with a signature by itself. */
  format(device: string, fs: FsType, sizeBytes: number, userArgs: readonly string[], signal?: AbortSignal): Promise<void>;
  /** `xfs_io -c COMMAND MOUNTPOINT` (the Go driver's postMountXfsOpts). */
  xfsIo(mountPoint: string, command: string, signal?: AbortSignal): Promise<void>;
}

export function createFormatter(deps: { tools: ToolRunner; timeoutMs?: number }): Formatter {
  return {
    async format(device, fs, sizeBytes, userArgs, signal) {
      await deps.tools.run(`mkfs.${fs}`, mkfsArgs(fs, device, sizeBytes, userArgs), { signal, timeoutMs: deps.timeoutMs ?? 10 * 60_000 });
    },
    async xfsIo(mountPoint, command, signal) {
      await deps.tools.run('xfs_io', ['-c', command, mountPoint], { signal, timeoutMs: 60_000 });
    },
  };
}
