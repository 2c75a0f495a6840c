/** What this build is: its version (from package.json) and, when known, its git commit. */
import { readFile, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found from this module whether it runs from src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

let cachedVersion: string | undefined;
/** The driver's version: package.json's, the one source (identity, `--version`, LINSTOR's provisioned-by mark). */
export function driverVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/**
 * The git commit of this build when it can be known: $LINSTOR_CSI_GIT_COMMIT (the Dockerfile
 * sets it from its GIT_COMMIT build argument), else read from the checkout's .git without
 * spawning git.
 */
export async function gitCommit(env: Record<string, string | undefined> = process.env): Promise<string | undefined> {
  const fromEnv = env.LINSTOR_CSI_GIT_COMMIT?.trim();
  if (fromEnv) return fromEnv;
  try {
    const { gitDir, commonDir } = await gitDirs(join(packageRoot(), '.git'));
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    try {
      return (await readFile(join(commonDir, ref), 'utf8')).trim();
    } catch {
      const packed = await readFile(join(commonDir, 'packed-refs'), 'utf8');
      return packed
        .split('\n')
        .map((l) => l.split(' '))
        .find(([, r]) => r === ref)?.[0];
    }
  } catch {
    return undefined;
  }
}

/** The repository's git dir and, for a linked worktree (`.git` is a "gitdir:" file), the common dir holding the refs. */
async function gitDirs(dotGit: string): Promise<{ gitDir: string; commonDir: string }> {
  if (!(await stat(dotGit)).isFile()) return { gitDir: dotGit, commonDir: dotGit };
  const gitDir = resolve(dirname(dotGit), (/^gitdir: (.+)$/m.exec(await readFile(dotGit, 'utf8'))?.[1] ?? '').trim());
  const common = (await readFile(join(gitDir, 'commondir'), 'utf8').catch(() => '.')).trim();
  return { gitDir, commonDir: resolve(gitDir, common) };
}
