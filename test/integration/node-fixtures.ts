/**
 * Fixtures for the node integration tests: loop devices and mounts (node-ops), and the CSI
 * requests and error checks the node-service suite sends over the real socket. Everything lives
 * under one temp dir; cleanup unmounts only mounts under that dir and detaches only loop devices
 * still backed by our own files, so concurrent suites on the same machine are never touched.
 */
import { execa } from 'execa';
import { codeOf } from '../helpers/grpc-clients.js';
import { mkdtemp, rm, truncate, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Loop {
  dev: string;
  file: string;
}

export class Sandbox {
  private readonly loops: Loop[] = [];
  private constructor(readonly dir: string) {}

  static async create(prefix = 'lcsi-node-'): Promise<Sandbox> {
    return new Sandbox(await mkdtemp(join(tmpdir(), prefix)));
  }

  path(...p: string[]): string {
    return join(this.dir, ...p);
  }

  async loop(sizeMiB: number, name = `disk${this.loops.length}.img`): Promise<Loop> {
    const file = this.path(name);
    await writeFile(file, '');
    await truncate(file, sizeMiB * 1024 * 1024);
    const { stdout } = await execa('losetup', ['-f', '--show', file], { timeout: 30_000 });
    const l = { dev: stdout.trim(), file };
    this.loops.push(l);
    return l;
  }

  /** Grows the backing file and tells the loop driver (what a LINSTOR resize does to the device). */
  async grow(l: Loop, sizeMiB: number): Promise<void> {
    await truncate(l.file, sizeMiB * 1024 * 1024);
    await execa('losetup', ['-c', l.dev], { timeout: 30_000 });
  }

  /** Mounts (top-most first) whose target is inside this sandbox. */
  async ourMounts(): Promise<string[]> {
    const { stdout } = await execa('findmnt', ['-J', '-l', '-o', 'TARGET'], { timeout: 30_000 });
    const list = (JSON.parse(stdout) as { filesystems: { target: string }[] }).filesystems.map((f) => f.target);
    return list.filter((t) => t === this.dir || t.startsWith(this.dir + '/')).reverse();
  }

  /** Unmounts everything under the sandbox (top-most first), keeping the files. */
  async unmountAll(): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const mounts = await this.ourMounts();
      if (mounts.length === 0) break;
      for (const m of mounts) await execa('umount', [m], { reject: false, timeout: 30_000 });
    }
  }

  async cleanup(): Promise<void> {
    await this.unmountAll();
    for (const l of this.loops) {
      const { stdout } = await execa('losetup', ['-n', '-O', 'NAME', '-j', l.file], { reject: false, timeout: 30_000 });
      if (stdout.split('\n').map((s) => s.trim()).includes(l.dev)) await execa('losetup', ['-d', l.dev], { reject: false, timeout: 30_000 });
    }
    this.loops.length = 0;
    if ((await this.ourMounts()).length === 0) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Writes a minimal DOS partition table (one Linux partition) to the device's first sector. */
export async function writeMbr(dev: string): Promise<void> {
  const b = Buffer.alloc(512);
  b[446 + 4] = 0x83;
  b.writeUInt32LE(2048, 446 + 8);
  b.writeUInt32LE(100_000, 446 + 12);
  b[510] = 0x55;
  b[511] = 0xaa;
  const fh = await open(dev, 'r+');
  try {
    await fh.write(b, 0, 512, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function sh(cmd: string, args: string[]): Promise<string> {
  return (await execa(cmd, args, { timeout: 120_000 })).stdout;
}

/** uvu has no async rejects: resolves with the error, failing when none was thrown or it does not match. */
export async function rejects(fn: () => Promise<unknown>, match?: RegExp): Promise<unknown> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`expected a rejection${match ? ` matching ${match}` : ''}`);
  const msg = err instanceof Error ? err.message : String(err);
  if (match && !match.test(msg)) throw new Error(`rejection "${msg}" does not match ${match}`);
  return err;
}

/** A tiny LINSTOR REST helper for the emulator (the real client is another module's subject). */
export class EmuApi {
  constructor(readonly url: string) {}
  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const r = await fetch(this.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
  /**
   * A resource definition with one volume of `sizeMiB`, diskful on `nodes`. `born` is the
   * driver's history record as CreateVolume writes it ("empty" by default; null: no record, as
   * for a static volume).
   */
  async volume(name: string, sizeMiB: number, nodes: string[], pool = 'thin-pool', born: string | null = 'empty'): Promise<void> {
    const props = born === null ? {} : { 'Aux/csi-volume-born': born };
    await this.call('POST', '/v1/resource-definitions', { resource_definition: { name, props } });
    await this.call('POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: sizeMiB * 1024 } });
    for (const n of nodes) await this.call('POST', `/v1/resource-definitions/${name}/resources/${n}`, { resource: { props: { StorPoolName: pool } } });
  }
  async resize(name: string, sizeMiB: number): Promise<void> {
    await this.call('PUT', `/v1/resource-definitions/${name}/volume-definitions/0`, { size_kib: sizeMiB * 1024 });
  }
  async nodeProps(node: string): Promise<Record<string, string>> {
    const n = (await this.call('GET', `/v1/nodes/${node}`)) as { props?: Record<string, string> };
    return n.props ?? {};
  }
  async setNodeProps(node: string, props: Record<string, string>): Promise<void> {
    await this.call('PUT', `/v1/nodes/${node}`, { override_props: props });
  }
}

/** CSI requests as they go over the wire (proto3 field names, enums by name, int64 as strings). */
export type AccessMode = 'SINGLE_NODE_WRITER' | 'SINGLE_NODE_READER_ONLY' | 'SINGLE_NODE_MULTI_WRITER' | 'MULTI_NODE_READER_ONLY' | 'MULTI_NODE_MULTI_WRITER';
export interface WireCapability {
  mount?: { fs_type: string; mount_flags: string[] };
  block?: Record<string, never>;
  access_mode: { mode: AccessMode };
}

export const mountCap = (fs_type: string, mode: AccessMode = 'SINGLE_NODE_WRITER', mount_flags: string[] = []): WireCapability => ({
  mount: { fs_type, mount_flags },
  access_mode: { mode },
});
export const blockCap = (mode: AccessMode = 'SINGLE_NODE_WRITER'): WireCapability => ({ block: {}, access_mode: { mode } });

export const stageReq = (volume_id: string, staging_target_path: string, volume_capability: WireCapability, volume_context: Record<string, string> = {}) => ({
  volume_id,
  staging_target_path,
  volume_capability,
  volume_context,
  publish_context: {},
  secrets: {},
});
export const pubReq = (volume_id: string, staging_target_path: string, target_path: string, volume_capability: WireCapability, readonly = false) => ({
  volume_id,
  staging_target_path,
  target_path,
  volume_capability,
  readonly,
  volume_context: {},
  publish_context: {},
  secrets: {},
});

/** The gRPC status code and message of a call that must fail (fails the test when it succeeds). */
export async function failure(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  const r = await codeOf(p);
  if (r === undefined) throw new Error('expected the call to fail with a gRPC status, but it succeeded');
  if (typeof r.code !== 'number') throw new Error(`expected a gRPC status, got ${String(r.details)}`);
  return { code: r.code, message: r.details };
}
