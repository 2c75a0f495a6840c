/**
 * Controller figures from the emulator's request log:
 * - LINSTOR REST round trips per CreateVolume (new volume, group known; plain and with a
 *   preferred topology + local access), DeleteVolume, ControllerPublish (diskless attach and
 *   local replica);
 * - CreateVolume latency p50/p99 with 200 concurrent requests and 5 ms emulated LINSTOR latency,
 *   and the driver's overhead: latency minus the time LINSTOR spent on that volume's requests.
 * The controller runs behind its gRPC server on a unix socket, in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import type { LinstorClient } from '../src/linstor/client.js';
import { createReq, mountCap, serveController, type ControllerClient } from '../test/integration/controller-harness.js';

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const r2 = (n: number): number => Math.round(n * 100) / 100;

interface LogEntry {
  method: string;
  path: string;
  durationMs: number;
  rd?: string;
}

/** The emulator in its own process, so its CPU time does not count as driver overhead. */
class ChildEmulator {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(stateDir: string): Promise<ChildEmulator> {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--emulator-child', stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /URL (\S+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`emulator exited (${code})`)));
    });
    return new ChildEmulator(url, child);
  }
  async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const r = await fetch(this.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return r.json();
  }
  async log(): Promise<LogEntry[]> {
    return ((await this.control('GET', '/emulator/request-log')) as LogEntry[]).filter((e) => e.path.startsWith('/v1/'));
  }
  async stop(): Promise<void> {
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await done;
  }
}

/**
 * Times every LINSTOR call as the driver sees it (request sent → reply parsed), attributed to
 * the bench volume named in its arguments: that is the time the driver waited for LINSTOR.
 */
interface Timing {
  /** ms spent waiting for LINSTOR replies, per volume. */
  waited: Map<string, number>;
  firstCall: Map<string, number>;
  lastReply: Map<string, number>;
}

function timed(client: LinstorClient, t: Timing): LinstorClient {
  const wrapApi = (api: object): object =>
    new Proxy(api, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const m = /bench-load-\d+/.exec(JSON.stringify(args, (k, x: unknown) => (k === 'signal' ? undefined : x)));
          const t0 = performance.now();
          if (m && !t.firstCall.has(m[0])) t.firstCall.set(m[0], t0);
          try {
            return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            if (m) {
              t.waited.set(m[0], (t.waited.get(m[0]) ?? 0) + performance.now() - t0);
              t.lastReply.set(m[0], performance.now());
            }
          }
        };
      },
    });
  return new Proxy(client, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      return v !== null && typeof v === 'object' ? wrapApi(v) : v;
    },
  });
}

async function roundTrips(emu: ChildEmulator, fn: () => Promise<unknown>): Promise<number> {
  await emu.control('DELETE', '/emulator/request-log');
  await fn();
  return (await emu.log()).length;
}

export async function benchController(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-bench-ctl-'));
  const emu = await ChildEmulator.start(join(dir, 'emu'));
  const timing: Timing = { waited: new Map(), firstCall: new Map(), lastReply: new Map() };
  const served = await serveController(emu.url, dir, 60_000, (cl) => timed(cl, timing));
  try {
    const c: ControllerClient = served.controller;
    const params = { placementCount: '2' };
    const topoParams = { placementCount: '2', allowRemoteVolumeAccess: 'false' };
    const topo = { accessibility_requirements: { requisite: [], preferred: [{ segments: { 'linbit.com/hostname': 'node-c' } }] } };
    // Warm up: the groups exist, the node list is cached.
    await c.CreateVolume(createReq('bench-warm', {}, params));
    await c.CreateVolume(createReq('bench-warm-topo', topo, topoParams));

    const createRt = await roundTrips(emu, () => c.CreateVolume(createReq('bench-rt', {}, params)));
    const createTopoRt = await roundTrips(emu, () => c.CreateVolume(createReq('bench-rt-topo', topo, topoParams)));
    const view = await (await fetch(`${emu.url}/v1/view/resources?resources=bench-rt`)).json() as { node_name: string; flags?: string[] }[];
    const replica = view.find((r) => !(r.flags ?? []).includes('DISKLESS'))?.node_name ?? 'node-a';
    const other = ['node-a', 'node-b', 'node-c'].find((n) => !view.some((r) => r.node_name === n && !(r.flags ?? []).includes('TIE_BREAKER') && !(r.flags ?? []).includes('DISKLESS'))) ?? 'node-c';
    const publishRemoteRt = await roundTrips(emu, () =>
      c.ControllerPublishVolume({ volume_id: 'bench-rt', node_id: other, volume_capability: mountCap(), readonly: false, volume_context: {} }),
    );
    await c.ControllerUnpublishVolume({ volume_id: 'bench-rt', node_id: other });
    const publishLocalRt = await roundTrips(emu, () =>
      c.ControllerPublishVolume({ volume_id: 'bench-rt', node_id: replica, volume_capability: mountCap(), readonly: false, volume_context: {} }),
    );
    const unpublishRt = await roundTrips(emu, () => c.ControllerUnpublishVolume({ volume_id: 'bench-rt', node_id: replica }));
    const deleteRt = await roundTrips(emu, () => c.DeleteVolume({ volume_id: 'bench-rt' }));

    // Latency under load.
    await emu.control('POST', '/emulator/latency', { ms: 5 });
    await emu.control('DELETE', '/emulator/request-log');
    const N = 200;
    const lat = new Map<string, number>();
    const begin = new Map<string, number>();
    const end = new Map<string, number>();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const name = `bench-load-${i}`;
        const t0 = performance.now();
        begin.set(name, t0);
        await c.CreateVolume(createReq(name, {}, params));
        end.set(name, performance.now());
        lat.set(name, performance.now() - t0);
      }),
    );
    const wall = performance.now() - started;
    const log = await emu.log();
    const linstorMs = new Map<string, number>();
    const perVolume = new Map<string, number>();
    for (const e of log) {
      const m = /bench-load-\d+/.exec(`${e.rd ?? ''} ${e.path}`);
      if (!m) continue;
      linstorMs.set(m[0], (linstorMs.get(m[0]) ?? 0) + (e.durationMs ?? 0));
      perVolume.set(m[0], (perVolume.get(m[0]) ?? 0) + 1);
    }
    const latencies = [...lat.values()].sort((a, b) => a - b);
    // Overhead = latency − time the driver spent waiting for LINSTOR replies (client side);
    // the emulator's own log (server side) misses time its busy event loop queued requests.
    const overhead = [...lat.entries()].map(([n, ms]) => Math.max(0, ms - (timing.waited.get(n) ?? 0))).sort((a, b) => a - b);
    const serverSide = [...lat.entries()].map(([n, ms]) => Math.max(0, ms - (linstorMs.get(n) ?? 0))).sort((a, b) => a - b);
    const rts = [...perVolume.values()];
    // Where the overhead sits: before the first LINSTOR call (gRPC admission of the burst +
    // validation) and after the last reply (response building).
    const admission = [...begin.entries()].map(([n, t0]) => (timing.firstCall.get(n) ?? t0) - t0).sort((a, b) => a - b);
    const tail = [...end.entries()].map(([n, t1]) => t1 - (timing.lastReply.get(n) ?? t1)).sort((a, b) => a - b);
    const between = overhead.length > 0 ? [...lat.keys()].map((n) => Math.max(0, (lat.get(n) ?? 0) - (timing.waited.get(n) ?? 0) - ((timing.firstCall.get(n) ?? 0) - (begin.get(n) ?? 0)) - ((end.get(n) ?? 0) - (timing.lastReply.get(n) ?? 0)))).sort((a, b) => a - b) : [];
    await emu.control('DELETE', '/emulator/latency');
    return {
      controller_create_round_trips: createRt,
      controller_create_topology_round_trips: createTopoRt,
      controller_delete_round_trips: deleteRt,
      controller_publish_diskless_round_trips: publishRemoteRt,
      controller_publish_local_round_trips: publishLocalRt,
      controller_unpublish_round_trips: unpublishRt,
      controller_create_p50_ms_200conc_5ms: r2(pct(latencies, 50)),
      controller_create_p99_ms_200conc_5ms: r2(pct(latencies, 99)),
      controller_create_overhead_p50_ms: r2(pct(overhead, 50)),
      controller_create_overhead_p99_ms: r2(pct(overhead, 99)),
      controller_create_overhead_admission_p99_ms: r2(pct(admission, 99)),
      controller_create_overhead_between_calls_p99_ms: r2(pct(between, 99)),
      controller_create_overhead_response_p99_ms: r2(pct(tail, 99)),
      controller_create_latency_minus_emulator_logged_p99_ms: r2(pct(serverSide, 99)),
      controller_create_load_round_trips_avg: r2(rts.reduce((a, b) => a + b, 0) / Math.max(1, rts.length)),
      controller_create_per_s_200conc: r2((N / wall) * 1000),
    };
  } finally {
    await served.stop();
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--emulator-child') {
  const handle = await startEmulator({ stateDir: process.argv[3] as string, nodes: ['node-a', 'node-b', 'node-c'], poolSize: 64 * 1024 ** 3, resyncMs: 0 });
  process.stdout.write(`URL ${handle.url}\n`);
  process.once('SIGTERM', () => {
    void handle.stop().then(() => process.exit(0));
  });
} else if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  benchController().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
