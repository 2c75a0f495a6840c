/** Atomic persistence of the emulator state: temp file, fsync, rename, fsync of the directory. */
import { open, readFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmuState } from './state.js';

export const STATE_FILE = 'state.json';

export async function loadState(dir: string): Promise<EmuState | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as EmuState;
  if (parsed.version !== 1) throw new Error(`unsupported emulator state version in ${join(dir, STATE_FILE)}`);
  return parsed;
}

export class Store {
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {}

  /** Serialises saves so the file always holds the latest complete document. */
  save(state: EmuState): Promise<void> {
    const text = JSON.stringify(state, null, 1);
    const run = this.chain.then(() => this.write(text));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${STATE_FILE}.${process.pid}.${++this.seq}.tmp`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, STATE_FILE));
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
