/**
 * The end-to-end rig: the LINSTOR emulator in this process (so a test can take nodes down,
 * inject DRBD states, or stop and restart LINSTOR itself) and the real CLI, `linstor-csi serve`,
 * as one child process per node, reached only through its unix socket — as kubelet and the
 * sidecars reach it. node-a runs every service; further nodes run the Node service.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { csiClient, type CsiClient } from '../../src/cli/demo/csi-client.js';
import type { CreateVolumeRequest } from '../../src/csi/types.js';
import { startDriver, type DriverProcess } from '../helpers/driver.js';

export const MiB = 1024 * 1024;

export interface NodeDriver {
  node: string;
  proc: DriverProcess;
  /** Typed clients over the socket. */
  csi: CsiClient;
  socketPath: string;
}

export interface Rig {
  dir: string;
  emu: EmulatorHandle;
  drivers: Map<string, NodeDriver>;
  /** The driver of `node` (throws when it was not started). */
  on(node: string): CsiClient;
  /** Starts (or restarts) the driver of `node`. */
  startNode(node: string): Promise<NodeDriver>;
  /** Stops the driver of `node` with SIGTERM (or the given signal); returns its exit code. */
  stopNode(node: string, signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops LINSTOR (the emulator); the drivers keep running. */
  stopLinstor(): Promise<void>;
  /** Starts LINSTOR again on the same port and state dir. */
  startLinstor(): Promise<void>;
  /** A fresh path under the rig's dir (not created). */
  path(...parts: string[]): string;
  stop(): Promise<void>;
}

export interface RigOptions {
  /** Nodes that get a driver; the first runs every service (default node-a, node-b). */
  nodes?: string[];
  /** Emulated resync after a node returns (ms). */
  resyncMs?: number;
}

const FROM_SOURCE = { LINSTOR_CSI_FROM_SOURCE: '1' };

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-e2e-'));
  const stateDir = join(dir, 'state');
  let emu = await startEmulator({ stateDir, poolSize: 8 * 1024 * MiB, resyncMs: opts.resyncMs ?? 300 });
  const port = emu.port;
  const drivers = new Map<string, NodeDriver>();
  const nodes = opts.nodes ?? ['node-a', 'node-b'];

  const startNode = async (node: string): Promise<NodeDriver> => {
    const first = node === nodes[0];
    const socketPath = join(dir, `csi-${node}.sock`);
    const proc = await startDriver({
      dir,
      args: [
        `--csi-endpoint=unix://${socketPath}`,
        `--mode=${first ? 'all' : 'node'}`,
        `--node=${node}`,
        `--linstor-endpoint=${emu.url}`,
        `--device-path-template=${emu.nodeDevRoot(node)}/drbd/by-res/{resource}/{volume}`,
        '--device-wait-timeout=5s',
        '--linstor-request-timeout=5s',
        '--shutdown-timeout=5s',
        '--log-level=debug',
      ],
      // The node's drbdadm/drbdsetup stand-ins come first on PATH, as on a real host.
      env: { ...FROM_SOURCE, PATH: `${emu.nodeBinDir(node)}:${process.env['PATH'] ?? ''}` },
    });
    const d: NodeDriver = { node, proc, csi: csiClient(proc.address), socketPath };
    drivers.set(node, d);
    return d;
  };
  const stopNode = async (node: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    const d = drivers.get(node);
    if (!d) return null;
    drivers.delete(node);
    d.csi.close();
    return d.proc.stop(signal);
  };

  const rig: Rig = {
    dir,
    get emu() {
      return emu;
    },
    drivers,
    on(node) {
      const d = drivers.get(node);
      if (!d) throw new Error(`no driver running for ${node}`);
      return d.csi;
    },
    startNode,
    stopNode,
    async stopLinstor() {
      await emu.stop();
    },
    async startLinstor() {
      // The port was ours a moment ago; retry briefly in case the kernel has not let go.
      for (let i = 0; ; i++) {
        try {
          emu = await startEmulator({ stateDir, port, resyncMs: opts.resyncMs ?? 300 });
          return;
        } catch (e) {
          if (i > 50 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
          await sleep(100);
        }
      }
    },
    path: (...parts) => join(dir, ...parts),
    async stop() {
      for (const n of [...drivers.keys()]) await stopNode(n);
      // Whatever a failed test left mounted under our dir goes first, so the loop devices detach.
      unmountUnder(dir);
      await emu.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const n of nodes) await startNode(n);
  } catch (e) {
    await rig.stop();
    throw e;
  }
  return rig;
}

export function unmountUnder(dir: string): void {
  const out = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' });
  const targets = out
    .split('\n')
    .map((t) => t.replace(/\\x20/g, ' '))
    .filter((t) => t.startsWith(dir + '/'))
    .sort()
    .reverse();
  for (const t of targets) {
    try {
      execFileSync('umount', ['-l', t]);
    } catch {
      /* already gone */
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

export type AccessMode = 'SINGLE_NODE_WRITER' | 'SINGLE_NODE_MULTI_WRITER' | 'MULTI_NODE_READER_ONLY' | 'SINGLE_NODE_READER_ONLY' | 'MULTI_NODE_MULTI_WRITER';

export function mountCap(mode: AccessMode = 'SINGLE_NODE_WRITER', fsType = 'ext4') {
  return { mount: { fs_type: fsType, mount_flags: [] }, access_mode: { mode } };
}
export function blockCap(mode: AccessMode = 'SINGLE_NODE_WRITER') {
  return { block: {}, access_mode: { mode } };
}

export function volumeRequest(name: string, opts: { sizeMiB?: number; replicas?: number; block?: boolean; mode?: AccessMode } = {}): CreateVolumeRequest {
  return {
    name,
    capacity_range: { required_bytes: String((opts.sizeMiB ?? 64) * MiB) },
    volume_capabilities: [opts.block ? blockCap(opts.mode) : mountCap(opts.mode)],
    parameters: {
      'linstor.csi.linbit.com/placementCount': String(opts.replicas ?? 2),
      'linstor.csi.linbit.com/storagePool': 'thin-pool',
    },
  };
}

/** Creates the staging directory (the CO's job). */
export async function stagingDir(rig: Rig, name: string): Promise<string> {
  const p = rig.path('staging', name);
  await mkdir(p, { recursive: true });
  return p;
}

export function socketGone(rig: Rig, node: string): boolean {
  return !existsSync(join(rig.dir, `csi-${node}.sock`));
}
