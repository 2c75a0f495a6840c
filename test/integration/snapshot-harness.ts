/**
 * Rig for the snapshot integration tests: the LINSTOR emulator (real loop devices) and the real
 * CLI (`linstor-csi serve --mode=all --node=node-a`) over its unix socket, plus data helpers
 * (dd patterns, sha256 of a device range, files on staged filesystems). `stop()` unstages
 * whatever the test staged, unmounts anything left under the rig's dir, stops the driver and
 * the emulator (which detaches its loop devices) — also when the test failed.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { createLinstorClient } from '../../src/linstor/http-client.js';
import type { LinstorClient } from '../../src/linstor/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { systemClock } from '../../src/util/clock.js';
import { startDriver, type DriverProcess } from '../helpers/driver.js';

export const MiB = 1024 * 1024;
export const NODE = 'node-a';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rpc = (req: object, opts?: { deadlineMs?: number }) => Promise<any>;
export type Client<K extends string> = Record<K, Rpc>;

const CONTROLLER = [
  'CreateVolume',
  'DeleteVolume',
  'ControllerPublishVolume',
  'ControllerUnpublishVolume',
  'ListVolumes',
  'ControllerGetCapabilities',
  'CreateSnapshot',
  'DeleteSnapshot',
  'ListSnapshots',
  'GetSnapshot',
] as const;
const GROUP = ['GroupControllerGetCapabilities', 'CreateVolumeGroupSnapshot', 'GetVolumeGroupSnapshot', 'DeleteVolumeGroupSnapshot'] as const;
const NODE_RPCS = ['NodeStageVolume', 'NodeUnstageVolume', 'NodeGetInfo'] as const;

function typed<K extends string>(c: object, names: readonly K[]): Client<K> {
  for (const n of names) if (typeof (c as Record<string, unknown>)[n] !== 'function') throw new Error(`client lacks ${n}`);
  return c as unknown as Client<K>;
}

export interface SnapRig {
  dir: string;
  emu: EmulatorHandle;
  drv: DriverProcess;
  controller: Client<(typeof CONTROLLER)[number]>;
  group: Client<(typeof GROUP)[number]>;
  node: Client<(typeof NODE_RPCS)[number]>;
  linstor: LinstorClient;
  /** The device of volume 0 of `rd` on any node that holds it. */
  device(rd: string): string;
  /** Creates a volume: block unless `fs` is given. */
  createVolume(name: string, sizeMiB: number, opts?: { fs?: string; params?: Record<string, string>; source?: object; requiredBytes?: string }): Promise<{ volume_id: string; capacity_bytes: string; content_source: { snapshot?: { snapshot_id: string }; volume?: { volume_id: string } } | null }>;
  /** ControllerPublish to node-a + NodeStage at <dir>/stage/<id>; returns the mount point. */
  stage(volumeId: string, fs: string): Promise<string>;
  unstage(volumeId: string): Promise<void>;
  restartEmulator(edit?: (state: Record<string, unknown>) => void): Promise<void>;
  stop(): Promise<void>;
}

export async function startSnapRig(opts: { nodes?: string[]; args?: string[] } = {}): Promise<SnapRig> {
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-snap-'));
  const stateDir = join(dir, 'emu');
  const nodes = opts.nodes ?? ['node-a', 'node-b', 'node-c'];
  let emu = await startEmulator({ stateDir, nodes, poolSize: 4 * 1024 ** 3, resyncMs: 0 });
  const port = emu.port;
  let drv: DriverProcess;
  try {
    drv = await startDriver({
      dir,
      args: [
        '--mode=all',
        `--node=${NODE}`,
        `--linstor-endpoint=${emu.url}`,
        `--device-path-template=${emu.nodeDevRoot(NODE)}/drbd/by-res/{resource}/{volume}`,
        // Tests stage and publish under the harness dir, which stands in for the kubelet's.
        `--kubelet-dir=${dir}`,
        '--log-level=error',
        ...(opts.args ?? []),
      ],
      env: { PATH: `${emu.nodeBinDir(NODE)}:${process.env['PATH'] ?? ''}`, LINSTOR_CSI_FROM_SOURCE: '1' },
    });
  } catch (e) {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const log = silentLogger();
  const linstor = createLinstorClient({ endpoints: [emu.url], timeoutMs: 10_000, maxConcurrency: 16 }, { clock: systemClock, logger: log });
  const staged = new Map<string, string>();
  const controller = typed(drv.controller, CONTROLLER);
  const node = typed(drv.node, NODE_RPCS);
  const cap = (fs?: string) =>
    fs ? { access_mode: { mode: 'SINGLE_NODE_WRITER' }, mount: { fs_type: fs, mount_flags: [] } } : { access_mode: { mode: 'SINGLE_NODE_WRITER' }, block: {} };

  const rig: SnapRig = {
    dir,
    get emu() {
      return emu;
    },
    drv,
    controller,
    group: typed(drv.groupController, GROUP),
    node,
    linstor,
    device(rd) {
      for (const n of emu.nodes) {
        const p = join(emu.nodeDevRoot(n), 'drbd', 'by-res', rd, '0');
        if (existsSync(p)) return p;
      }
      throw new Error(`no node holds a device for ${rd}`);
    },
    async createVolume(name, sizeMiB, o = {}) {
      const res = await controller.CreateVolume({
        name,
        capacity_range: { required_bytes: o.requiredBytes ?? String(sizeMiB * MiB) },
        volume_capabilities: [cap(o.fs)],
        parameters: { placementCount: '1', ...(o.params ?? {}) },
        ...(o.source ? { volume_content_source: o.source } : {}),
      });
      return res.volume;
    },
    async stage(volumeId, fs) {
      const pub = await controller.ControllerPublishVolume({ volume_id: volumeId, node_id: NODE, volume_capability: cap(fs), readonly: false, volume_context: {} });
      const target = join(dir, 'stage', volumeId);
      await mkdir(target, { recursive: true });
      await node.NodeStageVolume({
        volume_id: volumeId,
        staging_target_path: target,
        volume_capability: cap(fs),
        publish_context: pub.publish_context ?? {},
        volume_context: { 'linstor.csi.linbit.com/uses-volume-context': 'true' },
      });
      staged.set(volumeId, target);
      return target;
    },
    async unstage(volumeId) {
      const target = staged.get(volumeId);
      if (!target) return;
      await node.NodeUnstageVolume({ volume_id: volumeId, staging_target_path: target });
      await controller.ControllerUnpublishVolume({ volume_id: volumeId, node_id: NODE });
      staged.delete(volumeId);
    },
    async restartEmulator(edit) {
      await emu.stop();
      if (edit) {
        const file = join(stateDir, 'state.json');
        const state = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        edit(state);
        await writeFile(file, JSON.stringify(state));
      }
      emu = await startEmulator({ stateDir, port, resyncMs: 0 });
    },
    async stop() {
      for (const id of [...staged.keys()]) await rig.unstage(id).catch(() => undefined);
      await unmountUnder(dir);
      linstor.close();
      await drv.stop().catch(() => undefined);
      await emu.stop().catch(() => undefined);
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Unmounts every mount under `dir` (deepest first). */
export async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const { stdout } = await execa('findmnt', ['-J', '-l', '-o', 'TARGET'], { timeout: 30_000, reject: false });
    const list = stdout ? (JSON.parse(stdout) as { filesystems: { target: string }[] }).filesystems.map((f) => f.target) : [];
    const ours = list.filter((t) => t === dir || t.startsWith(dir + '/')).reverse();
    if (ours.length === 0) return;
    for (const m of ours) await execa('umount', [m], { reject: false, timeout: 30_000 });
  }
}

/** A deterministic pattern of `bytes` bytes for `seed` (sha256 counter stream). */
export function pattern(seed: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let off = 0, i = 0; off < bytes; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

export function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Writes `data` at `offsetMiB` with dd (O_DIRECT, fsync), as a workload would. */
export async function ddWrite(dir: string, device: string, data: Buffer, offsetMiB: number): Promise<void> {
  const file = join(dir, `pattern-${process.hrtime.bigint()}.bin`);
  await writeFile(file, data);
  try {
    await execa('dd', [`if=${file}`, `of=${device}`, 'bs=1M', `seek=${offsetMiB}`, 'oflag=direct', 'conv=fsync,notrunc', 'status=none'], { timeout: 60_000 });
  } finally {
    await rm(file, { force: true });
  }
}

/** Reads `bytes` at `offsetMiB` with dd (O_DIRECT). */
export async function ddRead(device: string, bytes: number, offsetMiB: number): Promise<Buffer> {
  const { stdout } = await execa('dd', [`if=${device}`, 'bs=1M', `skip=${offsetMiB}`, `count=${Math.ceil(bytes / MiB)}`, 'iflag=direct', 'status=none'], {
    timeout: 60_000,
    encoding: 'buffer',
  });
  return Buffer.from(stdout).subarray(0, bytes);
}

/** Writes a file on a mounted filesystem and syncs it and the filesystem. */
export async function writeFileSynced(path: string, data: Buffer): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.write(data, 0, data.length, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await execa('sync', ['-f', path], { timeout: 60_000 });
}

/** Volume/RD names unique per test. */
export function uniq(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
