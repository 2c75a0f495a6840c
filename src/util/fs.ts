import { lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/** lstat(2) of `path`, or undefined when nothing is there (ENOENT); other errors propagate. */
export async function lstatIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
