/** Device size and the kernel read-only flag, via `blockdev`. */
import { readFile, stat } from 'node:fs/promises';
import { majMin } from './fs.js';
import type { ToolRunner } from './run-tool.js';

/** /sys/dev/block/MAJ:MIN/<attr>, or undefined when sysfs cannot answer (then the tool does). */
async function sysfs(device: string, attr: string): Promise<string | undefined> {
  try {
    const s = await stat(device);
    if (!s.isBlockDevice()) return undefined;
    return (await readFile(`/sys/dev/block/${majMin(s.rdev)}/${attr}`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export interface BlockDev {
  sizeBytes(device: string, signal?: AbortSignal): Promise<number>;
  setReadOnly(device: string, readOnly: boolean, signal?: AbortSignal): Promise<void>;
  /** The kernel read-only flag: true when every opener is refused writes. */
  isReadOnly(device: string, signal?: AbortSignal): Promise<boolean>;
}

export function createBlockDev(deps: { tools: ToolRunner }): BlockDev {
  return {
    async sizeBytes(device, signal) {
      // sysfs first: same number (512-byte sectors), no process to spawn on the stage path.
      const sectors = Number(await sysfs(device, 'size'));
      if (Number.isSafeInteger(sectors) && sectors > 0) return sectors * 512;
      const r = await deps.tools.run('blockdev', ['--getsize64', device], { signal, timeoutMs: 30_000 });
      const n = Number(r.stdout.trim());
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`blockdev --getsize64 ${device} printed "${r.stdout.trim()}"`);
      return n;
    },
    async setReadOnly(device, readOnly, signal) {
      if ((await sysfs(device, 'ro')) === (readOnly ? '1' : '0')) return;
      await deps.tools.run('blockdev', [readOnly ? '--setro' : '--setrw', device], { signal, timeoutMs: 30_000 });
    },
    async isReadOnly(device, signal) {
      const ro = (await sysfs(device, 'ro')) ?? (await deps.tools.run('blockdev', ['--getro', device], { signal, timeoutMs: 30_000 })).stdout.trim();
      if (ro !== '0' && ro !== '1') throw new Error(`blockdev --getro ${device} printed "${ro}"`);
      return ro === '1';
    },
  };
}
