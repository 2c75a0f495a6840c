/** The few filesystem calls the node service makes, behind a port. */
import { lstat, mkdir, open, rm, rmdir, stat, statfs, realpath } from 'node:fs/promises';
import { lstatIfExists } from '../util/fs.js';

export interface FsStats {
  totalBytes: number;
  availableBytes: number;
  usedBytes: number;
  totalInodes: number;
  freeInodes: number;
  usedInodes: number;
}

export type PathKind = 'missing' | 'directory' | 'file' | 'block-device' | 'other';

export interface Fs {
  statfs(path: string): Promise<FsStats>;
  kind(path: string): Promise<PathKind>;
  /** `rdev` of a device node (after following links), as "major:minor". */
  deviceNumber(path: string): Promise<string | undefined>;
  realpath(path: string): Promise<string>;
  /** Whether `path` itself (not what it points to) is a symbolic link; false when absent. */
  isSymlink(path: string): Promise<boolean>;
  mkdirp(path: string): Promise<void>;
  /** Creates an empty file if absent (the block publish target). */
  touch(path: string): Promise<void>;
  /** Removes an (unmounted) target: an empty directory or a file. Absent is fine. */
  removeTarget(path: string): Promise<void>;
}

/** Linux dev_t → major:minor (glibc encoding). */
export function majMin(rdev: number): string {
  const major = ((rdev >>> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
  return `${major}:${minor}`;
}

export function createFs(): Fs {
  return {
    async statfs(path) {
      const s = await statfs(path, { bigint: true });
      const bsize = s.bsize;
      const total = s.blocks * bsize;
      const avail = s.bavail * bsize;
      const used = (s.blocks - s.bfree) * bsize;
      return {
        totalBytes: Number(total),
        availableBytes: Number(avail),
        usedBytes: Number(used),
        totalInodes: Number(s.files),
        freeInodes: Number(s.ffree),
        usedInodes: Number(s.files - s.ffree),
      };
    },
    async kind(path) {
      try {
        const s = await stat(path);
        if (s.isDirectory()) return 'directory';
        if (s.isFile()) return 'file';
        if (s.isBlockDevice()) return 'block-device';
        return 'other';
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
        throw e;
      }
    },
    async deviceNumber(path) {
      try {
        const s = await stat(path);
        return s.isBlockDevice() || s.isCharacterDevice() ? majMin(s.rdev) : undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    realpath: (p) => realpath(p),
    async isSymlink(path) {
      try {
        return (await lstat(path)).isSymbolicLink();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return false;
        throw e;
      }
    },
    async mkdirp(path) {
      await mkdir(path, { recursive: true, mode: 0o750 });
    },
    async touch(path) {
      const fh = await open(path, 'a', 0o640);
      await fh.close();
    },
    async removeTarget(path) {
      const s = await lstatIfExists(path);
      if (s === undefined) return;
      // rmdir, not rm -r: a target that still holds files is a mount we failed to undo, never data to delete.
      if (s.isDirectory()) await rmdir(path);
      else await rm(path);
    },
  };
}
