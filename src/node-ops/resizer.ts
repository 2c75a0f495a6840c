/** Filesystem size and growth: dumpe2fs/resize2fs for ext4, xfs_info/xfs_growfs for xfs. */
import type { FsType } from './mkfs-options.js';
import type { ToolRunner } from './run-tool.js';

export interface Resizer {
  /** The filesystem's own size in bytes (ext4: from the device; xfs: from the mount point). */
  fsSizeBytes(fs: FsType, device: string, mountPoint: string, signal?: AbortSignal): Promise<number>;
  /** Grows to the device size: `resize2fs DEVICE` (online when mounted; needs CAP_SYS_RESOURCE) or `xfs_growfs -d MOUNTPOINT`. */
  grow(fs: FsType, device: string, mountPoint: string, signal?: AbortSignal): Promise<void>;
  /** Offline ext4 growth of an unmounted device: `e2fsck -f -p` then `resize2fs`. */
  growOffline(device: string, signal?: AbortSignal): Promise<void>;
}

/** `dumpe2fs -h` → block count × block size. */
export function parseDumpe2fs(text: string): number {
  const count = /^Block count:\s+(\d+)/m.exec(text)?.[1];
  const size = /^Block size:\s+(\d+)/m.exec(text)?.[1];
  if (!count || !size) throw new Error('dumpe2fs -h printed no "Block count"/"Block size"');
  return Number(count) * Number(size);
}

/** `xfs_info` → the data section's bsize × blocks. */
export function parseXfsInfo(text: string): number {
  const m = /^data\s+=\s+bsize=(\d+)\s+blocks=(\d+)/m.exec(text);
  if (!m) throw new Error('xfs_info printed no data section');
  return Number(m[1]) * Number(m[2]);
}

export function createResizer(deps: { tools: ToolRunner; timeoutMs?: number }): Resizer {
  const timeoutMs = deps.timeoutMs ?? 10 * 60_000;
  return {
    async fsSizeBytes(fs, device, mountPoint, signal) {
      if (fs === 'ext4') return parseDumpe2fs((await deps.tools.run('dumpe2fs', ['-h', device], { signal, timeoutMs: 60_000 })).stdout);
      return parseXfsInfo((await deps.tools.run('xfs_info', [mountPoint], { signal, timeoutMs: 60_000 })).stdout);
    },
    async grow(fs, device, mountPoint, signal) {
      if (fs === 'ext4') await deps.tools.run('resize2fs', [device], { signal, timeoutMs });
      else await deps.tools.run('xfs_growfs', ['-d', mountPoint], { signal, timeoutMs });
    },
    async growOffline(device, signal) {
      // e2fsck exit 1 = errors corrected; resize2fs insists on a fresh check before an offline resize.
      await deps.tools.run('e2fsck', ['-f', '-p', device], { signal, timeoutMs, okExitCodes: [1] });
      await deps.tools.run('resize2fs', [device], { signal, timeoutMs });
    },
  };
}
