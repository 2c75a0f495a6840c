/** Finds the golinstor-check build (scripts/install-golinstor-check.sh) and refuses a stale one. */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../golinstor/', import.meta.url));

function cacheDir(): string {
  return join(process.env['LINSTOR_CSI_CACHE'] || '/var/cache/linstor-csi', 'golinstor-check');
}

/** The hash the install script stamps: each source file's name, a newline, its bytes (C order). */
export async function golinstorSourceHash(): Promise<string> {
  const files = (await readdir(SRC)).filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go')).sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\n`);
    h.update(await readFile(join(SRC, f)));
  }
  return h.digest('hex');
}

/** The binary's path; throws with the fix when it is missing or built from other sources. */
export async function golinstorCheckBinary(): Promise<string> {
  const dir = cacheDir();
  const stamp = await readFile(join(dir, 'stamp'), 'utf8').catch(() => '');
  if (stamp === '') throw new Error(`golinstor-check is not built in ${dir}: run scripts/setup.sh --test-tools (or scripts/install-golinstor-check.sh)`);
  if (stamp !== (await golinstorSourceHash())) throw new Error(`golinstor-check in ${dir} is stale: run scripts/install-golinstor-check.sh`);
  return join(dir, 'golinstor-check');
}
