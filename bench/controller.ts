/**
 * Controller figures, with the driver running as in production: the real CLI
 * (`linstor-csi serve --mode=controller`, from dist/) in its own process, the LINSTOR emulator in
 * another, and only the gRPC load generator in this one.
 *
 * - LINSTOR REST round trips per CreateVolume (new volume, group known; plain and with a
 *   preferred topology + local access), DeleteVolume, ControllerPublish (diskless attach and
 *   local replica), from the emulator's request log;
 * - CreateVolume latency p50/p99 seen by the client, with 200 concurrent requests and 5 ms
 *   emulated LINSTOR latency;
 * - the driver's overhead per CreateVolume from its own log line: `durationMs - linstorMs`, the
 *   time the call took minus the time it waited for LINSTOR (including waiting for one of the
 *   --linstor-max-concurrency connection slots, reported apart as the queue figure); under the
 *   burst of 200 (queueing behind the other calls' work on the one event loop included) and for
 *   calls one at a time;
 * - the same overhead as the client sees it (its latency minus linstorMs), the part of it outside
 *   the handler (gRPC transport and admission of the burst), and for scale the "gRPC floor": 200
 *   concurrent ControllerGetCapabilities, which touch no LINSTOR;
 * - the driver's CPU time per CreateVolume under the burst (/proc), and Node warnings it printed.
 *
 * BENCH_CPU_PROF=<dir> writes a CPU profile of the driver process there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReq, mountCap, type ControllerClient } from '../test/integration/controller-harness.js';
import { ChildEmulator, ensureBuilt, parseLog, pct, r2, sorted, spawnDriver } from './harness.js';

async function roundTrips(emu: ChildEmulator, fn: () => Promise<unknown>): Promise<number> {
  await emu.control('DELETE', '/emulator/request-log');
  await fn();
  return (await emu.log()).length;
}

export async function benchController(): Promise<Record<string, number>> {
  ensureBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-bench-ctl-'));
  const emu = await ChildEmulator.start(join(dir, 'emu'));
  const prof = process.env['BENCH_CPU_PROF'];
  const socket = join(dir, 'csi.sock');
  const drv = await spawnDriver(
    prof ? ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${prof}`] : [],
    ['--mode=controller', `--csi-endpoint=unix://${socket}`, `--linstor-endpoint=${emu.url}`, '--log-level=info'],
    socket,
  ).catch(async (e: unknown) => {
    await emu.stop();
    throw e;
  });
  let stopped = false;
  try {
    const c = drv.clients.controller as unknown as ControllerClient;
    const params = { placementCount: '2' };
    const topoParams = { placementCount: '2', allowRemoteVolumeAccess: 'false' };
    const topo = { accessibility_requirements: { requisite: [], preferred: [{ segments: { 'linbit.com/hostname': 'node-c' } }] } };
    // Warm up: the groups exist, the node list is cached.
    await c.CreateVolume(createReq('bench-warm', {}, params));
    await c.CreateVolume(createReq('bench-warm-topo', topo, topoParams));

    const createRt = await roundTrips(emu, () => c.CreateVolume(createReq('bench-rt', {}, params)));
    const createTopoRt = await roundTrips(emu, () => c.CreateVolume(createReq('bench-rt-topo', topo, topoParams)));
    const view = (await (await fetch(`${emu.url}/v1/view/resources?resources=bench-rt`)).json()) as { node_name: string; flags?: string[] }[];
    const replica = view.find((r) => !(r.flags ?? []).includes('DISKLESS'))?.node_name ?? 'node-a';
    const other =
      ['node-a', 'node-b', 'node-c'].find((n) => !view.some((r) => r.node_name === n && !(r.flags ?? []).includes('TIE_BREAKER') && !(r.flags ?? []).includes('DISKLESS'))) ??
      'node-c';
    const publishRemoteRt = await roundTrips(emu, () =>
      c.ControllerPublishVolume({ volume_id: 'bench-rt', node_id: other, volume_capability: mountCap(), readonly: false, volume_context: {} }),
    );
    await c.ControllerUnpublishVolume({ volume_id: 'bench-rt', node_id: other });
    const publishLocalRt = await roundTrips(emu, () =>
      c.ControllerPublishVolume({ volume_id: 'bench-rt', node_id: replica, volume_capability: mountCap(), readonly: false, volume_context: {} }),
    );
    const unpublishRt = await roundTrips(emu, () => c.ControllerUnpublishVolume({ volume_id: 'bench-rt', node_id: replica }));
    const deleteRt = await roundTrips(emu, () => c.DeleteVolume({ volume_id: 'bench-rt' }));

    // Latency under load, measured here (the client), while the driver logs its own view.
    await emu.control('POST', '/emulator/latency', { ms: 5 });
    await emu.control('DELETE', '/emulator/request-log');
    const N = 200;
    const lat = new Map<string, number>();
    const started = performance.now();
    const cpu0 = drv.cpuMs();
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const name = `bench-load-${i}`;
        const t0 = performance.now();
        await c.CreateVolume(createReq(name, {}, params));
        lat.set(name, performance.now() - t0);
      }),
    );
    const wall = performance.now() - started;
    const cpuPerCreate = (drv.cpuMs() - cpu0) / N;
    const perVolume = new Map<string, number>();
    for (const e of await emu.log()) {
      const m = /bench-load-\d+/.exec(`${e.rd ?? ''} ${e.path}`);
      if (m) perVolume.set(m[0], (perVolume.get(m[0]) ?? 0) + 1);
    }
    // The floor of a burst: 200 concurrent calls that do no LINSTOR work (gRPC both ways, the
    // interceptor, the client in this process).
    const floor: number[] = [];
    await Promise.all(
      Array.from({ length: N }, async () => {
        const t0 = performance.now();
        await c.ControllerGetCapabilities({});
        floor.push(performance.now() - t0);
      }),
    );
    // Then one call at a time: the driver's own time per call without queueing behind others.
    const SEQ = 30;
    for (let i = 0; i < SEQ; i++) await c.CreateVolume(createReq(`bench-seq-${i}`, {}, params));
    await emu.control('DELETE', '/emulator/latency');

    // The driver's log lines are complete once it has exited.
    await drv.stop();
    stopped = true;
    const { rpcs, warnings } = parseLog(drv.logs());
    const lines = new Map(rpcs.filter((l) => l.rpc === 'CreateVolume' && l.name?.startsWith('bench-load-')).map((l) => [l.name as string, l]));
    if (lines.size !== N) throw new Error(`expected ${N} CreateVolume log lines from the driver, found ${lines.size}`);
    for (const l of lines.values()) {
      if (l.code !== 'OK' || typeof l.linstorMs !== 'number') throw new Error(`unexpected CreateVolume log line: ${JSON.stringify(l)}`);
    }
    const all = [...lines.values()];
    const seq = rpcs.filter((l) => l.rpc === 'CreateVolume' && l.name?.startsWith('bench-seq-'));
    if (seq.length !== SEQ) throw new Error(`expected ${SEQ} sequential CreateVolume log lines, found ${seq.length}`);
    const seqOverhead = sorted(seq.map((l) => l.durationMs - (l.linstorMs ?? 0)));
    const overhead = sorted(all.map((l) => l.durationMs - (l.linstorMs ?? 0)));
    // The slot wait is time spent waiting for LINSTOR's other requests; shown apart.
    const overheadWithQueue = sorted(all.map((l) => l.durationMs - (l.linstorMs ?? 0) + (l.linstorQueuedMs ?? 0)));
    const latencies = sorted(lat.values());
    // Overhead as the client sees it: its latency minus the LINSTOR time of that call.
    const overheadClient = sorted([...lat.entries()].map(([n, ms]) => ms - (lines.get(n)?.linstorMs ?? 0)));
    // Outside the handler: gRPC transport and admission of the burst, in both processes.
    const outside = sorted([...lat.entries()].map(([n, ms]) => ms - (lines.get(n)?.durationMs ?? 0)));
    const rts = [...perVolume.values()];
    for (const w of warnings) process.stderr.write(`bench: driver warning: ${w}\n`);
    return {
      controller_create_round_trips: createRt,
      controller_create_topology_round_trips: createTopoRt,
      controller_delete_round_trips: deleteRt,
      controller_publish_diskless_round_trips: publishRemoteRt,
      controller_publish_local_round_trips: publishLocalRt,
      controller_unpublish_round_trips: unpublishRt,
      controller_create_p50_ms_200conc_5ms: r2(pct(latencies, 50)),
      controller_create_p99_ms_200conc_5ms: r2(pct(latencies, 99)),
      controller_create_driver_duration_p99_ms: r2(pct(sorted(all.map((l) => l.durationMs)), 99)),
      controller_create_linstor_wait_p50_ms: r2(pct(sorted(all.map((l) => l.linstorMs ?? 0)), 50)),
      controller_create_linstor_queue_p99_ms: r2(pct(sorted(all.map((l) => l.linstorQueuedMs ?? 0)), 99)),
      controller_create_overhead_p50_ms: r2(pct(overhead, 50)),
      controller_create_overhead_p99_ms: r2(pct(overhead, 99)),
      controller_create_overhead_client_p50_ms: r2(pct(overheadClient, 50)),
      controller_create_overhead_client_p99_ms: r2(pct(overheadClient, 99)),
      controller_create_overhead_incl_slot_wait_p99_ms: r2(pct(overheadWithQueue, 99)),
      controller_create_sequential_overhead_p50_ms: r2(pct(seqOverhead, 50)),
      controller_create_sequential_overhead_max_ms: r2(pct(seqOverhead, 100)),
      controller_grpc_floor_p50_ms_200conc: r2(pct(sorted(floor), 50)),
      controller_grpc_floor_p99_ms_200conc: r2(pct(sorted(floor), 99)),
      controller_create_outside_handler_p50_ms: r2(pct(outside, 50)),
      controller_create_outside_handler_p99_ms: r2(pct(outside, 99)),
      controller_create_load_round_trips_avg: r2(rts.reduce((a, b) => a + b, 0) / Math.max(1, rts.length)),
      controller_create_linstor_calls_avg: r2(all.reduce((a, l) => a + (l.linstorCalls ?? 0), 0) / all.length),
      controller_create_per_s_200conc: r2((N / wall) * 1000),
      controller_driver_cpu_ms_per_create: r2(cpuPerCreate),
      controller_driver_warnings: warnings.length,
    };
  } finally {
    if (!stopped) await drv.stop();
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  benchController().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
