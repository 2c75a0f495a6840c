/**
 * The embedded LINSTOR emulator: a LINSTOR-compatible REST API (v1 subset) over an emulated
 * cluster whose volumes are loop devices, with per-node drbdadm/drbdsetup stand-ins.
 */
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Logger, silentLogger } from '../log/logger.js';
import { type Clock, systemClock } from '../util/clock.js';
import { Control, type EmulatorControl, registerControl } from './control.js';
import type { ProviderKind } from './providers.js';
import { Core } from './core.js';
import { Router } from './http.js';
import { register as registerCatalog } from './routes/catalog.js';
import { register as registerController } from './routes/controller.js';
import { register as registerNodes } from './routes/nodes.js';
import { register as registerRds } from './routes/rds.js';
import { register as registerResources } from './routes/resources.js';
import { register as registerRgs } from './routes/rgs.js';
import { register as registerSnapshots } from './routes/snapshots.js';
import { createEmuServer } from './server.js';
import { installStandins } from './standins.js';
import { findNode } from './state.js';

export type { EmulatorControl, FailRule, LatencyRule, RequestLogEntry, RouteMatch } from './control.js';
export type { ExecResult } from './drbd.js';

export const DEFAULT_NODES = ['node-a', 'node-b', 'node-c'];
export const DEFAULT_POOL_NAME = 'thin-pool';
export const DEFAULT_POOL_SIZE = 20 * 1024 ** 3;

export interface EmulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** TCP port; 0 = a free port (default 0). */
  port?: number;
  stateDir: string;
  /** Satellites for a new state dir (default node-a,node-b,node-c); a restarted emulator keeps its own. */
  nodes?: string[];
  /** Thin pool size per node in bytes (default 20 GiB). */
  poolSize?: number;
  /** Thin pool name (default "thin-pool"). */
  poolName?: string;
  /** Provider kind of each node's pool in a new state dir (default LVM_THIN); per pool later through the control API. */
  poolProvider?: ProviderKind;
  log?: Logger;
  clock?: Clock;
  /** How long a returning node's replicas show Outdated (emulated resync), ms (default 2000). */
  resyncMs?: number;
}

export interface EmulatorHandle {
  /** http://127.0.0.1:PORT (or the listen host). */
  url: string;
  port: number;
  stateDir: string;
  nodes: string[];
  /** Directory holding that node's drbdadm/drbdsetup stand-ins; put it first on PATH. */
  nodeBinDir(node: string): string;
  /** Directory containing that node's `drbd/by-res/<resource>/<volume>` links. */
  nodeDevRoot(node: string): string;
  control: EmulatorControl;
  /**
   * Thaws every filesystem frozen for a Primary without quorum and applies no policy from now on
   * (before unmounting for a shutdown: an unmount of a frozen filesystem never returns).
   */
  releaseIo(): Promise<void>;
  /** Stops serving, persists the state and detaches every loop device the emulator attached. */
  stop(): Promise<void>;
}

/** A restarted emulator keeps its own cluster: say so when the caller asked for another one. */
function warnIgnoredSettings(core: Core, opts: EmulatorOptions, log: Logger): void {
  const have = core.state.nodes.map((n) => n.name);
  const ignored: string[] = [];
  if (opts.nodes !== undefined && opts.nodes.join(',').toUpperCase() !== have.join(',').toUpperCase()) ignored.push(`nodes ${opts.nodes.join(',')}`);
  if (opts.poolName !== undefined && !core.state.pools.some((p) => p.name.toUpperCase() === opts.poolName?.toUpperCase())) ignored.push(`pool name ${opts.poolName}`);
  if (ignored.length > 0) {
    log.warn(
      { stateDir: core.cfg.stateDir, nodes: have, ignored },
      'the state dir already holds a cluster; node and pool settings only shape a new state dir (use an empty --state-dir for a different cluster)',
    );
  }
}

export async function startEmulator(opts: EmulatorOptions): Promise<EmulatorHandle> {
  const stateDir = resolve(opts.stateDir);
  await mkdir(stateDir, { recursive: true });
  const log = opts.log ?? silentLogger();
  const nodes = opts.nodes && opts.nodes.length > 0 ? opts.nodes : DEFAULT_NODES;
  const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isFinite(poolSize) || poolSize < 1024 * 1024) throw new Error(`poolSize must be at least 1 MiB, got ${String(opts.poolSize)}`);
  const core = new Core({
    stateDir,
    nodes,
    poolSizeKib: Math.floor(poolSize / 1024),
    poolName: opts.poolName ?? DEFAULT_POOL_NAME,
    ...(opts.poolProvider ? { poolProvider: opts.poolProvider } : {}),
    log,
    clock: opts.clock ?? systemClock,
    resyncMs: opts.resyncMs ?? 2000,
  });
  const fresh = await core.init();
  if (!fresh) warnIgnoredSettings(core, opts, log);

  const router = new Router();
  const control = new Control(core);
  registerControl(router, control);
  registerController(router, core);
  registerCatalog(router, core);
  registerNodes(router, core);
  registerRgs(router, core);
  registerRds(router, core);
  registerResources(router, core);
  registerSnapshots(router, core);
  const server = createEmuServer(core, router, control);
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', rej);
        res();
      });
    });
  } catch (e) {
    await core.stop();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  const nodeNames = core.state.nodes.map((n) => n.name);
  for (const n of nodeNames) await installStandins(stateDir, core.sats.binDir(n), n, url);
  log.info({ url, stateDir, nodes: nodeNames }, 'LINSTOR emulator listening');

  let stopping: Promise<void> | undefined;
  const canon = (node: string): string => findNode(core.state, node)?.name ?? node;
  return {
    url,
    port,
    stateDir,
    nodes: nodeNames,
    nodeBinDir: (node) => core.sats.binDir(canon(node)),
    nodeDevRoot: (node) => core.sats.devRoot(canon(node)),
    control,
    releaseIo: () => core.releaseIo(),
    stop: () => {
      stopping ??= (async () => {
        server.closeIdleConnections();
        const closed = new Promise<void>((res) => server.close(() => res()));
        setTimeout(() => server.closeAllConnections(), 2000).unref();
        await closed;
        await core.stop();
        log.info({ stateDir }, 'LINSTOR emulator stopped');
      })();
      return stopping;
    },
  };
}
