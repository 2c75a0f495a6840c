/**
 * Controller-service test rig: the LINSTOR emulator plus the controller service served over a
 * real unix socket. With the CLI wired (src/driver.ts present), the real `linstor-csi serve
 * --mode=controller` process is spawned; otherwise the service runs in this process behind the
 * project's gRPC server (same interceptor, same socket handling).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { parseCsiEndpoint, type Config } from '../../src/config/config.js';
import { ControllerService } from '../../src/csi/proto.js';
import { secretFieldKeys } from '../../src/csi/proto.js';
import { createControllerService } from '../../src/controller-service/index.js';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { createLinstorClient } from '../../src/linstor/http-client.js';
import type { LinstorClient } from '../../src/linstor/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { InFlight } from '../../src/csi/inflight.js';
import { currentCallStats } from '../../src/server/call-stats.js';
import { startCsiServer, type CsiServer } from '../../src/server/server.js';
import type { UnaryHandler } from '../../src/csi/handler.js';
import { systemClock } from '../../src/util/clock.js';
import { csiClients, type PromiseClient } from '../helpers/grpc-clients.js';
import type { ControllerRpcs } from '../../src/csi/types.js';
import { REPO_ROOT, startDriver, type DriverProcess } from '../helpers/driver.js';

/** The grpc-js Controller client, typed by the proto's RPC map. */
export type ControllerClient = PromiseClient<ControllerRpcs>;

export interface Rig {
  emu: EmulatorHandle;
  controller: ControllerClient;
  /** How the service runs: the real CLI process or in-process behind the gRPC server. */
  mode: 'cli' | 'in-process';
  stop(): Promise<void>;
}

export interface RigOptions {
  nodes?: string[];
  poolSize?: number;
  /** Extra flags for the CLI. */
  args?: string[];
  /** Force a mode (default: cli when src/driver.ts exists). */
  mode?: 'cli' | 'in-process';
  requestTimeoutMs?: number;
}

export function baseConfig(url: string, socket: string, timeoutMs = 5000): Config {
  return {
    mode: 'controller',
    csiEndpoint: parseCsiEndpoint('--csi-endpoint', `unix://${socket}`),
    linstor: { endpoints: [url], timeoutMs, maxConcurrency: 256 },
    logLevel: 'silent',
    logFormat: 'json',
    propertyNamespace: 'Aux/topology',
    devicePathTemplate: '/dev/drbd/by-res/{resource}/{volume}',
    deviceWaitTimeoutMs: 1000,
    kubeletDir: '/var/lib/kubelet',
    maxVolumesPerNode: 1000,
    shutdownTimeoutMs: 1000,
    probeCacheMs: 1000,
    probeTimeoutMs: 1000,
  };
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-ctl-'));
  const emu = await startEmulator({ stateDir: join(dir, 'emu'), nodes: opts.nodes ?? ['node-a', 'node-b', 'node-c'], poolSize: opts.poolSize ?? 4 * 1024 ** 3, resyncMs: 0 });
  const timeout = opts.requestTimeoutMs ?? 3000;
  const mode = opts.mode ?? (existsSync(join(REPO_ROOT, 'src', 'driver.ts')) ? 'cli' : 'in-process');
  if (mode === 'cli') {
    let drv: DriverProcess;
    try {
      drv = await startDriver({
        args: ['--mode=controller', `--linstor-endpoint=${emu.url}`, `--linstor-request-timeout=${timeout}ms`, '--linstor-max-concurrency=256', '--log-level=error', ...(opts.args ?? [])],
      });
    } catch (e) {
      await emu.stop();
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    return {
      emu,
      controller: drv.controller,
      mode,
      async stop() {
        await drv.stop();
        await emu.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const served = await serveController(emu.url, dir, timeout);
  return {
    emu,
    controller: served.controller,
    mode,
    async stop() {
      await served.stop();
      await emu.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The controller service behind the project's gRPC server on `<dir>/csi.sock`, in this process. */
export async function serveController(
  url: string,
  dir: string,
  timeoutMs: number,
  wrap: (c: LinstorClient) => LinstorClient = (c) => c,
): Promise<{ controller: ControllerClient; stop(): Promise<void> }> {
  const socket = join(dir, 'csi.sock');
  const config = baseConfig(url, socket, timeoutMs);
  const log = silentLogger();
  const linstor = createLinstorClient({ endpoints: [url], timeoutMs, maxConcurrency: 256, retries: 1, retryBaseDelayMs: 10, retryMaxDelayMs: 50 }, { clock: systemClock, logger: log, callStats: currentCallStats });
  const handlers = createControllerService({ linstor: wrap(linstor), config, log, clock: systemClock, inflight: new InFlight(), callStats: currentCallStats });
  const server: CsiServer = await startCsiServer({
    endpoint: config.csiEndpoint,
    services: [{ name: 'csi.v1.Controller', definition: ControllerService, handlers: handlers as Partial<Record<string, UnaryHandler<never, unknown>>> }],
    log,
    secretFields: new Set(secretFieldKeys()),
  });
  const clients = csiClients(server.address);
  return {
    controller: clients.controller,
    async stop() {
      clients.close();
      await server.shutdown(500);
      linstor.close();
    },
  };
}

/** gRPC status code names (grpc-js `status`). */
export const GRPC = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** Awaits a call expected to fail with `code`; returns the error's details (message). */
export async function rejectsWith(p: Promise<unknown>, code: number, ...needles: string[]): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; details?: string };
    assert.is(err.code, code, `expected code ${code}, got ${err.code}: ${err.details}`);
    for (const n of needles) assert.ok((err.details ?? '').includes(n), `"${err.details}" should mention "${n}"`);
    return err.details ?? '';
  }
  assert.unreachable(`expected the call to fail with code ${code}`);
  return '';
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export const mountCap = (fs_type = 'ext4', mode = 'SINGLE_NODE_WRITER') => ({ access_mode: { mode }, mount: { fs_type, mount_flags: [] } });
export const blockCap = (mode = 'SINGLE_NODE_WRITER') => ({ access_mode: { mode }, block: {} });

export function createReq(name: string, extra: Record<string, unknown> = {}, parameters: Record<string, string> = {}) {
  return {
    name,
    capacity_range: { required_bytes: String(64 * MiB) },
    volume_capabilities: [mountCap()],
    parameters: { placementCount: '2', ...parameters },
    ...extra,
  };
}

/** Requests to LINSTOR (the emulator's request log), excluding the control API. */
export async function linstorRequests(emu: EmulatorHandle): Promise<{ method: string; path: string; status: number }[]> {
  return (await emu.control.requestLog()).filter((e) => e.path.startsWith('/v1/'));
}
