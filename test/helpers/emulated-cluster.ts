/**
 * The LINSTOR emulator in this process (so a test can take nodes down, inject DRBD states, or
 * stop and restart LINSTOR itself) plus the real CLI, `linstor-csi serve`, as one child process
 * per emulated node, reached only through its unix socket — as kubelet and the sidecars reach it.
 * Each node's driver gets the node's device root in --device-path-template and the node's
 * drbdadm/drbdsetup stand-ins first on PATH, as on a real host.
 *
 * Shared by the e2e suite (test/e2e/harness.ts) and the node-service integration suite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/index.js';
import { csiClient, type CsiClient } from '../../src/cli/demo/csi-client.js';
import { startDriver, type DriverProcess } from './driver.js';

export interface NodeDriver {
  node: string;
  /** The child process and its promisified clients (`proc.node`, `proc.controller`, ...). */
  proc: DriverProcess;
  /** Typed clients over the socket. */
  csi: CsiClient;
  socketPath: string;
}

export interface Cluster {
  dir: string;
  emu: EmulatorHandle;
  drivers: Map<string, NodeDriver>;
  /** The typed clients of `node`'s driver (throws when it is not running). */
  on(node: string): CsiClient;
  /** The driver process of `node` (throws when it is not running). */
  driver(node: string): DriverProcess;
  /** Starts (or restarts) the driver of `node`. */
  startNode(node: string): Promise<NodeDriver>;
  /** Stops the driver of `node` with SIGTERM (or the given signal); returns its exit code (null when killed by a signal). */
  stopNode(node: string, signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops LINSTOR (the emulator); the drivers keep running. */
  stopLinstor(): Promise<void>;
  /** Starts LINSTOR again on the same port and state dir. */
  startLinstor(): Promise<void>;
  /** A fresh path under the cluster's dir (not created). */
  path(...parts: string[]): string;
  /** Stops every driver, unmounts what is left under `dir`, stops the emulator (detaching its loop devices), removes `dir`. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Nodes that get a driver, started in this order (default node-a, node-b). */
  nodes?: string[];
  /** The node whose driver runs every service (`--mode=all`); the others run `--mode=node`. None by default. */
  allServicesOn?: string;
  /** Passed to the emulator (nodes, resyncMs, poolSize, ...); stateDir is always `<dir>/state`. */
  emulator?: Omit<EmulatorOptions, 'stateDir' | 'port'>;
  /** Extra `serve` flags for every driver. */
  args?: string[];
  /** Extra environment for every driver (PATH is set per node). */
  env?: Record<string, string>;
  /** Prefix of the temp dir. */
  prefix?: string;
  /** How long a stopped driver may take to exit before it is killed (default 15 s). */
  stopGraceMs?: number;
}

/** The `serve` flags that make a driver act as emulated node `node`. */
export function emulatedNodeArgs(emu: Pick<EmulatorHandle, 'url' | 'nodeDevRoot'>, node: string, mode: 'all' | 'node' = 'node'): string[] {
  return [
    `--mode=${mode}`,
    `--node=${node}`,
    `--linstor-endpoint=${emu.url}`,
    `--device-path-template=${emu.nodeDevRoot(node)}/drbd/by-res/{resource}/{volume}`,
  ];
}

/** The environment that puts `node`'s drbdadm/drbdsetup stand-ins first on PATH. */
export function emulatedNodeEnv(emu: Pick<EmulatorHandle, 'nodeBinDir'>, node: string): Record<string, string> {
  return { PATH: `${emu.nodeBinDir(node)}:${process.env['PATH'] ?? ''}` };
}

// A test process that dies (or is interrupted) must not leave drivers behind.
const live = new Set<DriverProcess>();
let exitHookInstalled = false;
function track(p: DriverProcess): void {
  live.add(p);
  void p.exited.then(() => live.delete(p));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of live) d.child.kill('SIGKILL');
    });
  }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), opts.prefix ?? 'lcsi-cluster-'));
  const stateDir = join(dir, 'state');
  const emuOpts = opts.emulator ?? {};
  let emu: EmulatorHandle;
  try {
    emu = await startEmulator({ ...emuOpts, stateDir });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const port = emu.port;
  const drivers = new Map<string, NodeDriver>();
  const nodes = opts.nodes ?? ['node-a', 'node-b'];
  const grace = opts.stopGraceMs ?? 15_000;

  const startNode = async (node: string): Promise<NodeDriver> => {
    if (drivers.has(node)) throw new Error(`a driver for ${node} is already running`);
    const socketPath = join(dir, `csi-${node}.sock`);
    const proc = await startDriver({
      dir,
      // The cluster's dir stands in for the kubelet's: tests stage and publish under cluster.path().
      args: [`--csi-endpoint=unix://${socketPath}`, ...emulatedNodeArgs(emu, node, node === opts.allServicesOn ? 'all' : 'node'), `--kubelet-dir=${dir}`, ...(opts.args ?? [])],
      env: { ...(opts.env ?? {}), ...emulatedNodeEnv(emu, node) },
    });
    track(proc);
    const d: NodeDriver = { node, proc, csi: csiClient(proc.address), socketPath };
    drivers.set(node, d);
    return d;
  };
  const stopNode = async (node: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    const d = drivers.get(node);
    if (!d) return null;
    drivers.delete(node);
    d.csi.close();
    // A driver that does not drain in time is killed, so a failing test never hangs the suite.
    const t = setTimeout(() => d.proc.child.kill('SIGKILL'), grace);
    try {
      return await d.proc.stop(signal);
    } finally {
      clearTimeout(t);
    }
  };

  const cluster: Cluster = {
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
    driver(node) {
      const d = drivers.get(node);
      if (!d) throw new Error(`no driver running for ${node}`);
      return d.proc;
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
          emu = await startEmulator({ ...emuOpts, stateDir, port });
          return;
        } catch (e) {
          if (i > 50 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
          await sleep(100);
        }
      }
    },
    path: (...parts) => join(dir, ...parts),
    async stop() {
      const errors: unknown[] = [];
      const step = async (fn: () => Promise<unknown> | unknown): Promise<void> => {
        try {
          await fn();
        } catch (e) {
          errors.push(e);
        }
      };
      for (const n of [...drivers.keys()]) await step(() => stopNode(n));
      // A filesystem frozen for a Primary without quorum would hang its unmount: thaw first.
      await step(() => emu.releaseIo());
      // Whatever a failed test left mounted under our dir goes first, so the loop devices detach.
      await step(() => unmountUnder(dir));
      // A read-only test could leave the kernel ro flag on a loop device, which outlives the detach.
      for (const node of emu.nodes) await step(() => clearReadOnly(emu, node));
      await step(() => emu.stop());
      await step(() => rm(dir, { recursive: true, force: true }));
      if (errors.length > 0) throw new AggregateError(errors, `cluster cleanup: ${errors.map(String).join('; ')}`);
    },
  };
  const started = await Promise.allSettled(nodes.map((n) => startNode(n)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await cluster.stop().catch(() => undefined);
    throw failed.reason;
  }
  return cluster;
}

/** Unmounts every mount below `dir`, deepest first (lazily if a plain unmount fails). */
export function unmountUnder(dir: string): void {
  for (let round = 0; round < 5; round++) {
    const targets = mountsUnder(dir);
    if (targets.length === 0) return;
    for (const t of targets) {
      try {
        execFileSync('umount', [t], { stdio: 'ignore' });
      } catch {
        try {
          execFileSync('umount', ['-l', t], { stdio: 'ignore' });
        } catch {
          /* already gone */
        }
      }
    }
  }
}

/** Mount targets below `dir`, deepest (most recent) first. */
export function mountsUnder(dir: string): string[] {
  const out = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((t) => t.replace(/\\x20/g, ' '))
    .filter((t) => t === dir || t.startsWith(dir + '/'))
    .reverse();
}

/** `blockdev --setrw` on every device of `node` in the emulator. */
async function clearReadOnly(emu: EmulatorHandle, node: string): Promise<void> {
  const root = `${emu.nodeDevRoot(node)}/drbd/by-res`;
  for (const r of await readdir(root).catch(() => [] as string[])) {
    const dev = `${root}/${r}/0`;
    if (!existsSync(dev)) continue;
    try {
      execFileSync('blockdev', ['--setrw', dev], { stdio: 'ignore' });
    } catch {
      /* not a block device (any more) */
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fn`; if it fails, prints the last `lines` of each driver's log (the test's own evidence). */
export async function withDriverLogs(c: Cluster, name: string, fn: () => Promise<void>, lines = 30): Promise<void> {
  try {
    await fn();
  } catch (e) {
    for (const [node, d] of c.drivers) {
      const tail = d.proc.logs().trimEnd().split('\n').slice(-lines).join('\n');
      process.stderr.write(`\n--- ${node} driver log (last ${lines} lines) for "${name}" ---\n${tail}\n`);
    }
    throw e;
  }
}
