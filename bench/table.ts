/**
 * The rows of the performance table (issue 17), each with its baseline measured in the same run:
 *
 * - CreateVolume / DeleteVolume, 100 in sequence and 50 at once; CreateSnapshot, DeleteSnapshot:
 *   p50 latency seen by the gRPC client and LINSTOR requests per operation (the emulator's
 *   request log), with 5 ms added to every LINSTOR request;
 * - ListVolumes over 200, 1,000 and 5,000 volumes (seeded in bulk), p50, against one raw
 *   `GET /v1/view/resources` of the same cluster (keep-alive HTTP, body read, not parsed),
 *   interleaved round by round; ControllerGetVolume and GetCapacity at 200; a page of 100;
 * - start → first answered Probe for `--mode=controller` and `--mode=node`, against a bare
 *   `node -e ''` (spawn to exit), interleaved;
 * - idle RSS of the controller against an idle bare Node process, and the peak RSS of the
 *   controller during the 50 concurrent CreateVolume calls.
 *
 * The driver runs from dist/ in its own process, the emulator in another.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReq, type ControllerClient } from '../test/integration/controller-harness.js';
import { CLI } from '../test/helpers/driver.js';
import { csiClients } from '../test/helpers/grpc-clients.js';
import { ChildEmulator, ensureBuilt, pct, r2, rssMbOf, sorted, spawnDriver, type Driver } from './harness.js';

const LATENCY_MS = 5;
const GRPC_FLOOR = new URL('./grpc-floor.cjs', import.meta.url).pathname;
const PROVISIONED_BY = 'Aux/csi-provisioning-completed-by';
const p50 = (xs: number[]): number => r2(pct(sorted(xs), 50));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Wall time of `node -e ''`, spawn to exit. */
async function bareNodeStart(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return performance.now() - t0;
}

/** Spawn → first answered Probe; then the idle RSS after 1.5 s. */
async function driverStart(dir: string, i: number, mode: 'controller' | 'node', linstorUrl: string): Promise<{ ms: number; rssMb: number }> {
  const sock = join(dir, `start-${mode}-${i}.sock`);
  const args = [CLI, 'serve', `--mode=${mode}`, `--csi-endpoint=unix://${sock}`, `--linstor-endpoint=${linstorUrl}`, '--log-level=warn'];
  if (mode === 'node') args.push('--node=node-a');
  return startToProbe(args, sock, mode);
}

/** The floor: a bare grpc-js server answering Probe (bench/grpc-floor.cjs), timed the same way. */
function grpcFloorStart(dir: string, i: number): Promise<{ ms: number; rssMb: number }> {
  const sock = join(dir, `start-floor-${i}.sock`);
  return startToProbe([GRPC_FLOOR, `unix://${sock}`], sock, 'grpc-floor');
}

async function startToProbe(args: string[], sock: string, what: string): Promise<{ ms: number; rssMb: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  let ms = 0;
  const c = csiClients(`unix://${sock}`);
  try {
    for (;;) {
      if (existsSync(sock)) {
        try {
          await c.identity.Probe({}, { deadlineMs: 1000 });
          ms = performance.now() - t0;
          break;
        } catch {
          // bound, not answering yet
        }
      }
      if (performance.now() - t0 > 30_000) throw new Error(`${what} did not answer Probe within 30 s`);
      await sleep(1);
    }
  } finally {
    c.close();
  }
  await sleep(1500);
  const rssMb = rssMbOf(child.pid ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { ms, rssMb };
}

async function bareNodeIdleRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await sleep(1500);
  const rss = rssMbOf(child.pid ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return rss;
}

async function startupRows(dir: string, emu: ChildEmulator): Promise<Record<string, number>> {
  const bare: number[] = [];
  const ctl: number[] = [];
  const node: number[] = [];
  const floor: number[] = [];
  const ctlRss: number[] = [];
  const nodeRss: number[] = [];
  const bareRss: number[] = [];
  const floorRss: number[] = [];
  for (let i = 0; i < 7; i++) {
    bare.push(await bareNodeStart());
    const c = await driverStart(dir, i, 'controller', emu.url);
    ctl.push(c.ms);
    ctlRss.push(c.rssMb);
    bare.push(await bareNodeStart());
    const n = await driverStart(dir, i, 'node', emu.url);
    node.push(n.ms);
    nodeRss.push(n.rssMb);
    const f = await grpcFloorStart(dir, i);
    floor.push(f.ms);
    floorRss.push(f.rssMb);
    if (i < 3) bareRss.push(await bareNodeIdleRss());
  }
  const b = p50(bare);
  const fl = p50(floor);
  return {
    start_bare_node_ms: b,
    start_to_probe_controller_ms: p50(ctl),
    start_to_probe_node_ms: p50(node),
    start_ratio_controller: r2(p50(ctl) / b),
    start_ratio_node: r2(p50(node) / b),
    // A bare grpc-js server answering Probe: what any Node gRPC server pays before its own code.
    start_to_probe_bare_grpc_js_ms: fl,
    start_ratio_bare_grpc_js: r2(fl / b),
    start_ratio_controller_to_bare_grpc_js: r2(p50(ctl) / fl),
    idle_rss_bare_node_mb: p50(bareRss),
    idle_rss_bare_grpc_js_mb: p50(floorRss),
    idle_rss_controller_mb: p50(ctlRss),
    idle_rss_node_mb: p50(nodeRss),
    idle_rss_controller_over_bare_mb: r2(p50(ctlRss) - p50(bareRss)),
    idle_rss_controller_over_bare_grpc_js_mb: r2(p50(ctlRss) - p50(floorRss)),
  };
}

/** LINSTOR requests per operation and client-side latencies of `n` calls of `op`, run `concurrent`ly or in sequence. */
async function rows(emu: ChildEmulator, n: number, concurrent: boolean, op: (i: number) => Promise<unknown>): Promise<{ p50: number; calls: number; writeMs: number }> {
  await emu.control('DELETE', '/emulator/request-log');
  const lat: number[] = [];
  if (concurrent) await Promise.all(Array.from({ length: n }, async (_, i) => lat.push(await timed(() => op(i)))));
  else for (let i = 0; i < n; i++) lat.push(await timed(() => op(i)));
  const log = await emu.log();
  // How long LINSTOR (the emulator) took per write, its 5 ms included: writes wait for each other there.
  const writes = log.filter((e) => e.method !== 'GET');
  return { p50: p50(lat), calls: r2(log.length / n), writeMs: r2(writes.reduce((a, e) => a + e.durationMs, 0) / Math.max(1, writes.length)) };
}

/** Peak RSS of the driver while `fn` runs, sampled every 5 ms. */
async function peakRss(drv: Driver, fn: () => Promise<unknown>): Promise<number> {
  let peak = drv.rssMb();
  const timer = setInterval(() => (peak = Math.max(peak, drv.rssMb())), 5);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return r2(Math.max(peak, drv.rssMb()));
}

async function operationRows(drv: Driver, emu: ChildEmulator): Promise<Record<string, number>> {
  const c = drv.clients.controller as unknown as ControllerClient;
  const out: Record<string, number> = {};
  await c.CreateVolume(createReq('bench-warm'));
  await emu.control('POST', '/emulator/latency', { ms: LATENCY_MS });
  const seqCreate = await rows(emu, 100, false, (i) => c.CreateVolume(createReq(`bench-seq-${i}`)));
  const seqDelete = await rows(emu, 100, false, (i) => c.DeleteVolume({ volume_id: `bench-seq-${i}` }));
  let concCreate = { p50: 0, calls: 0, writeMs: 0 };
  out['rss_under_50_concurrent_create_mb'] = await peakRss(drv, async () => {
    concCreate = await rows(emu, 50, true, (i) => c.CreateVolume(createReq(`bench-conc-${i}`)));
  });
  const concDelete = await rows(emu, 50, true, (i) => c.DeleteVolume({ volume_id: `bench-conc-${i}` }));
  const snapIds: string[] = [];
  const snapCreate = await rows(emu, 20, false, async (i) => {
    snapIds.push((await c.CreateSnapshot({ name: `bench-snap-${i}`, source_volume_id: 'bench-warm', parameters: {} })).snapshot.snapshot_id);
  });
  const snapDelete = await rows(emu, 20, false, (i) => c.DeleteSnapshot({ snapshot_id: snapIds[i] as string }));
  await c.DeleteVolume({ volume_id: 'bench-warm' });
  const put = (name: string, r: { p50: number; calls: number; writeMs: number }): void => {
    out[`${name}_p50_ms`] = r.p50;
    out[`${name}_linstor_calls`] = r.calls;
    out[`${name}_linstor_write_ms_avg`] = r.writeMs;
  };
  put('create_volume_seq100', seqCreate);
  put('delete_volume_seq100', seqDelete);
  put('create_volume_conc50', concCreate);
  put('delete_volume_conc50', concDelete);
  put('create_snapshot', snapCreate);
  put('delete_snapshot', snapDelete);
  return out;
}

/**
 * One keep-alive GET, body read (not parsed), as any client has to; again once if the idle
 * connection was closed under it. With `parse`, the body is also JSON.parse'd (context row only:
 * the bar compares with the unparsed GET).
 */
async function rawGet(agent: http.Agent, url: string, parse = false): Promise<number> {
  try {
    return await rawGetOnce(agent, url, parse);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
    return rawGetOnce(agent, url, parse);
  }
}

function rawGetOnce(agent: http.Agent, url: string, parse: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode !== 200 || body.length === 0) return reject(new Error(`GET ${url}: ${res.statusCode}`));
          if (parse) JSON.parse(body.toString('utf8'));
          resolve(performance.now() - t0);
        });
      })
      .on('error', reject);
  });
}

/**
 * `drv` runs with the default --listing-cache-max-age (its ListVolumes may reuse a read while no
 * write of its own happened); `cold` with 0s, so every call reads LINSTOR: both are reported.
 */
async function listRows(drv: Driver, cold: Driver, emu: ChildEmulator): Promise<Record<string, number>> {
  const c = drv.clients.controller as unknown as ControllerClient;
  const u = cold.clients.controller as unknown as ControllerClient;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const agent2 = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: Record<string, number> = {};
  let have = 0;
  try {
    for (const [n, rounds] of [[200, 40], [1000, 20], [5000, 10]] as const) {
      await emu.control('DELETE', '/emulator/latency');
      const r = (await emu.control('POST', '/emulator/seed-volumes', { prefix: `pvc-seed-${n}-`, count: n - have, sizeKib: 65536, props: { [PROVISIONED_BY]: 'linstor-csi' } })) as { created?: number };
      if (r.created !== n - have) throw new Error(`seeding ${n - have} volumes failed: ${JSON.stringify(r)}`);
      have = n;
      // Seeding is a change made outside the driver: the default driver may answer from its last
      // read for up to --listing-cache-max-age (2 s), as documented.
      await sleep(2100);
      await emu.control('POST', '/emulator/latency', { ms: LATENCY_MS });
      // Warm-up: connections open, code optimised.
      for (let i = 0; i < 3; i++) {
        await rawGet(agent, `${emu.url}/v1/view/resources`);
        for (const client of [c, u]) {
          const all = await client.ListVolumes({ max_entries: 0, starting_token: '' });
          if (all.entries.length !== n) throw new Error(`ListVolumes returned ${all.entries.length} entries, expected ${n}`);
        }
      }
      const raw: number[] = [];
      const rawParsed: number[] = [];
      const rawBoth: number[] = [];
      const list: number[] = [];
      const uncached: number[] = [];
      let cpu = 0;
      let coldCpu = 0;
      for (let i = 0; i < rounds; i++) {
        let cpu0 = drv.cpuMs();
        list.push(await timed(() => c.ListVolumes({ max_entries: 0, starting_token: '' })));
        cpu += drv.cpuMs() - cpu0;
        cpu0 = cold.cpuMs();
        uncached.push(await timed(() => u.ListVolumes({ max_entries: 0, starting_token: '' })));
        coldCpu += cold.cpuMs() - cpu0;
        raw.push(await rawGet(agent, `${emu.url}/v1/view/resources`));
        rawParsed.push(await rawGet(agent, `${emu.url}/v1/view/resources`, true));
        rawBoth.push(await timed(() => Promise.all([rawGet(agent2, `${emu.url}/v1/resource-definitions?with_volume_definitions=true`), rawGet(agent, `${emu.url}/v1/view/resources`)])));
      }
      out[`list_volumes_${n}_p50_ms`] = p50(list);
      out[`list_volumes_${n}_uncached_p50_ms`] = p50(uncached);
      out[`raw_get_view_resources_${n}_p50_ms`] = p50(raw);
      out[`list_volumes_${n}_ratio_to_raw_get`] = r2(p50(list) / p50(raw));
      out[`list_volumes_${n}_uncached_ratio_to_raw_get`] = r2(p50(uncached) / p50(raw));
      out[`raw_get_parsed_view_resources_${n}_p50_ms`] = p50(rawParsed);
      out[`list_volumes_${n}_uncached_ratio_to_raw_get_parsed`] = r2(p50(uncached) / p50(rawParsed));
      // The two reads an uncached listing needs, raw and in parallel as the driver sends them.
      out[`raw_get_rd_list_and_view_${n}_p50_ms`] = p50(rawBoth);
      out[`list_volumes_${n}_uncached_ratio_to_raw_get_both`] = r2(p50(uncached) / p50(rawBoth));
      out[`list_volumes_${n}_driver_cpu_ms`] = r2(cpu / rounds);
      out[`list_volumes_${n}_uncached_driver_cpu_ms`] = r2(coldCpu / rounds);
      out[`list_volumes_${n}_uncached_per_volume_us`] = r2((p50(uncached) / n) * 1000);
      await emu.control('DELETE', '/emulator/request-log');
      await u.ListVolumes({ max_entries: 0, starting_token: '' });
      out[`list_volumes_${n}_uncached_linstor_calls`] = (await emu.log()).length;
      if (n === 200) Object.assign(out, await singleVolumeRows(c, emu));
      if (n === 5000) out['list_volumes_5000_page_of_100_p50_ms'] = await pageRow(c);
    }
  } finally {
    agent.destroy();
    agent2.destroy();
    await emu.control('DELETE', '/emulator/latency');
  }
  return out;
}

async function singleVolumeRows(c: ControllerClient, emu: ChildEmulator): Promise<Record<string, number>> {
  const get: number[] = [];
  const cap: number[] = [];
  for (let i = 0; i < 20; i++) {
    get.push(await timed(() => c.ControllerGetVolume({ volume_id: `pvc-seed-200-${i}` })));
    cap.push(await timed(() => c.GetCapacity({ parameters: { placementCount: '2' }, accessible_topology: { segments: { 'linbit.com/hostname': 'node-a' } } })));
  }
  await emu.control('DELETE', '/emulator/request-log');
  await c.ControllerGetVolume({ volume_id: 'pvc-seed-200-7' });
  const getCalls = (await emu.log()).length;
  return { controller_get_volume_p50_ms: p50(get), controller_get_volume_linstor_calls: getCalls, get_capacity_p50_ms: p50(cap) };
}

/** p50 of one page of 100 entries, walking the 5,000 volumes page by page. */
async function pageRow(c: ControllerClient): Promise<number> {
  const pages: number[] = [];
  let token = '';
  let seen = 0;
  do {
    const t0 = performance.now();
    const r = await c.ListVolumes({ max_entries: 100, starting_token: token });
    pages.push(performance.now() - t0);
    seen += r.entries.length;
    token = r.next_token;
  } while (token !== '');
  if (seen !== 5000) throw new Error(`paging saw ${seen} volumes, expected 5000`);
  return p50(pages);
}

export async function benchTable(): Promise<Record<string, number>> {
  ensureBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-bench-table-'));
  const emu = await ChildEmulator.start(join(dir, 'emu'));
  let drv: Driver | undefined;
  let cold: Driver | undefined;
  try {
    // BENCH_TABLE=startup,operations,list runs a part only; BENCH_DRIVER_NODE_ARGS (e.g. V8 flags)
    // go to the long-running drivers of the operation and list rows, to measure a flag's effect.
    const nodeArgs = (process.env['BENCH_DRIVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    const parts = (process.env['BENCH_TABLE'] ?? 'startup,operations,list').split(',');
    const out = parts.includes('startup') ? await startupRows(dir, emu) : {};
    const socket = join(dir, 'csi.sock');
    drv = await spawnDriver(nodeArgs, ['--mode=controller', `--csi-endpoint=unix://${socket}`, `--linstor-endpoint=${emu.url}`, '--log-level=info'], socket);
    if (parts.includes('operations')) Object.assign(out, await operationRows(drv, emu));
    if (parts.includes('list')) {
      const coldSocket = join(dir, 'csi-cold.sock');
      cold = await spawnDriver(nodeArgs, ['--mode=controller', `--csi-endpoint=unix://${coldSocket}`, `--linstor-endpoint=${emu.url}`, '--log-level=warn', '--listing-cache-max-age=0s'], coldSocket);
      Object.assign(out, await listRows(drv, cold, emu));
    }
    return out;
  } finally {
    await cold?.stop();
    await drv?.stop();
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  benchTable().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
