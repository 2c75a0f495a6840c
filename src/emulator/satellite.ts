/**
 * The emulated satellites' storage: one sparse backing file per volume, one loop device per file,
 * and udev-like links `<state>/nodes/<node>/dev/drbd/by-res/<res>/<vol>` on every node holding the
 * resource. All replicas of a volume share the one file, which stands in for DRBD replication.
 */
import { execa } from 'execa';
import { copyFile, mkdir, open, readlink, rm, symlink, readdir, truncate, unlink, stat } from 'node:fs/promises';
import { constants as fsc } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';

const TIMEOUT = 30_000;

export class Satellites {
  /** backing file (absolute) → loop device we attached or adopted. */
  private readonly loops = new Map<string, string>();

  constructor(
    readonly stateDir: string,
    private readonly log: Logger,
  ) {}

  nodeDir(node: string): string {
    return join(this.stateDir, 'nodes', node);
  }
  binDir(node: string): string {
    return join(this.nodeDir(node), 'bin');
  }
  devRoot(node: string): string {
    return join(this.nodeDir(node), 'dev');
  }
  linkPath(node: string, rsc: string, vol: number): string {
    return join(this.devRoot(node), 'drbd', 'by-res', rsc, String(vol));
  }
  abs(rel: string): string {
    return join(this.stateDir, rel);
  }

  /** Creates (or grows) a sparse file of `sizeKib`. */
  async createFile(rel: string, sizeKib: number): Promise<void> {
    const p = this.abs(rel);
    await mkdir(dirname(p), { recursive: true });
    const fh = await open(p, 'a');
    await fh.close();
    await truncate(p, sizeKib * 1024);
  }

  async growFile(rel: string, sizeKib: number): Promise<void> {
    await truncate(this.abs(rel), sizeKib * 1024);
    const dev = this.loops.get(this.abs(rel));
    if (dev) await execa('losetup', ['-c', dev], { timeout: TIMEOUT });
  }

  async fileExists(rel: string): Promise<boolean> {
    try {
      await stat(this.abs(rel));
      return true;
    } catch {
      return false;
    }
  }

  /** Copies a sparse file (holes stay holes). */
  async copySparse(fromRel: string, toRel: string): Promise<void> {
    const to = this.abs(toRel);
    await mkdir(dirname(to), { recursive: true });
    try {
      await execa('cp', ['--sparse=always', this.abs(fromRel), to], { timeout: 600_000 });
    } catch {
      await copyFile(this.abs(fromRel), to, fsc.COPYFILE_FICLONE);
    }
  }

  async removeFile(rel: string): Promise<void> {
    await this.detach(rel);
    await rm(this.abs(rel), { force: true });
  }

  /** The loop device for a backing file, attaching it (or adopting an existing attachment) if needed. */
  async attach(rel: string): Promise<string> {
    const file = this.abs(rel);
    const known = this.loops.get(file);
    if (known) return known;
    const existing = (await this.findAttached(file))[0];
    if (existing) {
      this.loops.set(file, existing);
      return existing;
    }
    const { stdout } = await execa('losetup', ['-f', '--show', file], { timeout: TIMEOUT });
    const dev = stdout.trim();
    this.loops.set(file, dev);
    this.log.debug({ dev, file }, 'attached loop device');
    return dev;
  }

  loopOf(rel: string): string | undefined {
    return this.loops.get(this.abs(rel));
  }

  async detach(rel: string): Promise<void> {
    const file = this.abs(rel);
    const dev = this.loops.get(file);
    if (!dev) return;
    this.loops.delete(file);
    await this.detachDev(dev, file);
  }

  /** Detaches every loop device this emulator attached or adopted. */
  async detachAll(): Promise<void> {
    const all = [...this.loops.entries()];
    this.loops.clear();
    for (const [file, dev] of all) await this.detachDev(dev, file);
  }

  /** Flushes the loop device's buffers, as DRBD suspends IO before a snapshot. */
  async flush(rel: string): Promise<void> {
    const dev = this.loops.get(this.abs(rel));
    if (dev) await execa('blockdev', ['--flushbufs', dev], { timeout: TIMEOUT });
  }

  async link(node: string, rsc: string, vol: number, dev: string): Promise<void> {
    const p = this.linkPath(node, rsc, vol);
    await mkdir(dirname(p), { recursive: true });
    try {
      if ((await readlink(p)) === dev) return;
      await unlink(p);
    } catch {
      /* absent */
    }
    await symlink(dev, p);
  }

  async unlinkRsc(node: string, rsc: string): Promise<void> {
    await rm(join(this.devRoot(node), 'drbd', 'by-res', rsc), { recursive: true, force: true });
  }

  async unlinkVol(node: string, rsc: string, vol: number): Promise<void> {
    await rm(this.linkPath(node, rsc, vol), { force: true });
  }

  /** Removes every by-res link of a node (start-up clean-up; links are re-created from state). */
  async clearLinks(node: string): Promise<void> {
    await rm(join(this.devRoot(node), 'drbd', 'by-res'), { recursive: true, force: true });
    await mkdir(join(this.devRoot(node), 'drbd', 'by-res'), { recursive: true });
  }

  async listLinkedResources(node: string): Promise<string[]> {
    try {
      return await readdir(join(this.devRoot(node), 'drbd', 'by-res'));
    } catch {
      return [];
    }
  }

  private async findAttached(file: string): Promise<string[]> {
    try {
      const { stdout } = await execa('losetup', ['-n', '-O', 'NAME', '-j', file], { timeout: TIMEOUT });
      return stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/dev/'));
    } catch {
      return [];
    }
  }

  private async detachDev(dev: string, file: string): Promise<void> {
    // Only detach when the device still points at our file: never touch someone else's loop.
    if (!(await this.findAttached(file)).includes(dev)) return;
    try {
      await execa('losetup', ['-d', dev], { timeout: TIMEOUT });
      this.log.debug({ dev, file }, 'detached loop device');
    } catch (e) {
      this.log.warn({ dev, err: (e as Error).message }, 'could not detach loop device');
    }
  }
}
