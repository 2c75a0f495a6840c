// What an operator sees: Prometheus metrics scraped over real HTTP from the real driver process
// (counts move with real calls; labels stay bounded), and logs that stay quiet at info while the
// orchestrator polls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRig, stagingDir, mountCap, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, type Vol } from './lifecycle-steps.js';

/** One sample line of the text format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `want`. */
function value(samples: Sample[], name: string, want: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

function metricsUrl(rig: Rig, node: string): string {
  for (const line of rig.driver(node).logs().split('\n')) {
    if (!line.includes('metrics endpoint listening')) continue;
    const address = (JSON.parse(line) as { address: string }).address;
    return `http://${address}/metrics`;
  }
  throw new Error(`the driver of ${node} did not log its metrics address`);
}

async function scrape(rig: Rig, node: string): Promise<Sample[]> {
  const res = await fetch(metricsUrl(rig, node));
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

const metrics = suite<{ rig?: Rig }>('metrics over HTTP');
metrics.before(async (ctx) => {
  ctx.rig = await startRig({ nodes: ['node-a', 'node-b'], args: ['--metrics-address=127.0.0.1:0'] });
});
metrics.after(async (ctx) => {
  await ctx.rig?.stop();
});

metrics('RPC, LINSTOR, NodeStage and volume-condition metrics move with real calls; no label holds a volume id', async ({ rig }) => {
  if (!rig) throw new Error('no rig');
  const before = await scrape(rig, 'node-a');
  const created = (s: Sample[]) => value(s, 'csi_operations_total', { method_name: 'CreateVolume', grpc_status_code: 'OK' });
  const vol: Vol = await createVolume(rig, 'pvc-metrics', { replicas: 2 });
  const missing = await rig.on('node-a').controller.ControllerGetVolume({ volume_id: 'pvc-no-such-volume' }).catch((e: unknown) => e);
  assert.instance(missing, Error, 'ControllerGetVolume of a missing volume fails');
  const at = await attach(rig, vol, 'node-a');
  await rig.on('node-a').node.NodeUnstageVolume({ volume_id: vol.id, staging_target_path: at.staging });
  // Staged again: the filesystem made a moment ago is mounted, not formatted again.
  await rig.on('node-a').node.NodeStageVolume({ volume_id: vol.id, staging_target_path: await stagingDir(rig, 'again'), volume_capability: mountCap(), volume_context: vol.context });
  await rig.on('node-a').node.NodeUnstageVolume({ volume_id: vol.id, staging_target_path: rig.path('staging', 'again') });
  await rig.emu.control.setNodeOnline('node-b', false);
  await rig.on('node-a').controller.ListVolumes({});
  const after = await scrape(rig, 'node-a');

  assert.is(created(after) - created(before), 1, 'csi_operations_total counts the CreateVolume');
  assert.is(value(after, 'csi_operations_total', { method_name: 'ControllerGetVolume', grpc_status_code: 'NOT_FOUND' }) - value(before, 'csi_operations_total', { method_name: 'ControllerGetVolume', grpc_status_code: 'NOT_FOUND' }), 1, 'by gRPC code');
  assert.is(value(after, 'csi_operation_duration_seconds_count', { method_name: 'CreateVolume', grpc_status_code: 'OK' }), created(after), 'the histogram counts the same calls');
  assert.ok(value(after, 'csi_operation_duration_seconds_sum', { method_name: 'CreateVolume' }) > 0, 'and their duration');
  assert.is(value(after, 'csi_operations_in_flight'), 0, 'nothing in flight once the calls returned');
  assert.is(value(after, 'linstor_csi_linstor_requests_in_flight'), 0);
  const routes = [...new Set(after.filter((s) => s.name === 'linstor_csi_linstor_requests_total').map((s) => `${s.labels['method']} ${s.labels['route']} ${s.labels['status']}`))];
  const spawned = { method: 'POST', route: '/v1/resource-groups/{name}/spawn' };
  const spawns = value(after, 'linstor_csi_linstor_requests_total', spawned) - value(before, 'linstor_csi_linstor_requests_total', spawned);
  assert.is(spawns, 1, `CreateVolume's LINSTOR POST .../spawn was counted once; seen: ${routes.join(', ')}`);
  assert.ok(value(after, 'linstor_csi_linstor_requests_total', { method: 'GET', route: '/v1/resource-definitions/{name}', status: '404' }) >= 1, 'by route template and status');
  assert.ok(value(after, 'linstor_csi_linstor_request_duration_seconds_count', { route: '/v1/resource-definitions/{name}' }) >= 1, 'with latency');
  assert.is(value(after, 'linstor_csi_node_stage_total', { outcome: 'formatted' }), 1, 'the first stage formatted a new volume');
  assert.is(value(after, 'linstor_csi_node_stage_total', { outcome: 'mounted_existing' }), 1, 'the second mounted the existing filesystem');
  assert.is(value(after, 'linstor_csi_volumes_abnormal', { view: 'controller', reason: 'node_offline' }), 1, 'ListVolumes saw the replica on the offline node');
  assert.ok(value(after, 'process_resident_memory_bytes') > 0, 'process metrics');
  assert.ok(value(after, 'nodejs_heap_size_used_bytes') > 0, 'Node.js metrics');
  assert.is(value(after, 'linstor_csi_build_info', { mode: 'all', node_version: process.version }), 1);
  for (const s of after) {
    for (const v of Object.values(s.labels)) assert.not.ok(v.includes('pvc-'), `${s.name} has a label holding a volume id: ${JSON.stringify(s.labels)}`);
  }
  // The node-only plugin serves its own metrics.
  const nodeB = await scrape(rig, 'node-b');
  assert.ok(value(nodeB, 'csi_operations_total', { method_name: 'GetPluginInfo', grpc_status_code: 'OK' }) >= 1);
  assert.is(value(nodeB, 'csi_operations_total', { method_name: 'CreateVolume' }), 0);

  await rig.emu.control.setNodeOnline('node-b', true);
  await rig.on('node-a').controller.ControllerUnpublishVolume({ volume_id: vol.id, node_id: 'node-a' });
  await deleteVolume(rig, vol);
  const gone = await scrape(rig, 'node-a');
  assert.is(value(gone, 'linstor_csi_volumes_abnormal', { view: 'controller' }), 0, 'a deleted volume leaves the gauge');
});

metrics('the in-flight gauges count a call while it waits for LINSTOR', async ({ rig }) => {
  if (!rig) throw new Error('no rig');
  await rig.emu.control.setLatency(1500);
  try {
    const call = rig.on('node-a').controller.ListVolumes({});
    let during: Sample[] = [];
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 50));
      during = await scrape(rig, 'node-a');
      if (value(during, 'linstor_csi_linstor_requests_in_flight') > 0) break;
    }
    assert.is(value(during, 'csi_operations_in_flight', { method_name: 'ListVolumes' }), 1, 'the ListVolumes call is in flight');
    assert.ok(value(during, 'linstor_csi_linstor_requests_in_flight') >= 1, 'and its LINSTOR requests');
    await call;
  } finally {
    await rig.emu.control.clearLatency();
  }
  const after = await scrape(rig, 'node-a');
  assert.is(value(after, 'csi_operations_in_flight', { method_name: 'ListVolumes' }), 0);
  assert.is(value(after, 'linstor_csi_linstor_requests_in_flight'), 0);
});

metrics('the endpoint answers /metrics only', async ({ rig }) => {
  if (!rig) throw new Error('no rig');
  const base = metricsUrl(rig, 'node-a').replace(/\/metrics$/, '');
  assert.is((await fetch(`${base}/`)).status, 404);
  assert.is((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});

metrics.run();

const logs = suite<{ rig?: Rig }>('logs at info');
logs.before(async (ctx) => {
  ctx.rig = await startRig({ nodes: ['node-a'], logLevel: 'info' });
});
logs.after(async (ctx) => {
  await ctx.rig?.stop();
});

/** The per-RPC log lines of `node`'s driver, from `from` (a character offset) on. */
function rpcLines(rig: Rig, node: string, from: number): Array<{ rpc: string; level: number; msg: string }> {
  return rig
    .driver(node)
    .logs()
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { rpc?: string; level: number; msg: string })
    .filter((l): l is { rpc: string; level: number; msg: string } => typeof l.rpc === 'string');
}

logs('successful polling calls log nothing at info; changes and failures do', async ({ rig }) => {
  if (!rig) throw new Error('no rig');
  const vol = await createVolume(rig, 'pvc-quiet', { replicas: 1 });
  const at = await attach(rig, vol, 'node-a');
  const target = rig.path('pods', 'quiet');
  await rig.on('node-a').node.NodePublishVolume({ volume_id: vol.id, staging_target_path: at.staging, target_path: target, volume_capability: mountCap(), readonly: false, volume_context: vol.context });
  at.targets.push(target);
  const c = rig.on('node-a');
  const mark = rig.driver('node-a').logs().length;
  await c.identity.Probe({});
  await c.identity.GetPluginInfo({});
  await c.identity.GetPluginCapabilities({});
  await c.node.NodeGetCapabilities({});
  await c.node.NodeGetInfo({});
  await c.node.NodeGetVolumeStats({ volume_id: vol.id, volume_path: target });
  await c.controller.GetCapacity({});
  await c.controller.ListVolumes({});
  await c.controller.ControllerGetVolume({ volume_id: vol.id });
  await c.controller.ControllerGetCapabilities({});
  await c.controller.ListSnapshots({});
  assert.equal(rpcLines(rig, 'node-a', mark), [], 'no polling call logged at info');

  await c.controller.ControllerGetVolume({ volume_id: 'pvc-not-there' }).catch(() => undefined);
  await detach(rig, vol, at);
  await deleteVolume(rig, vol);
  const lines = rpcLines(rig, 'node-a', mark);
  const summary = lines.filter((l) => l.msg === 'ok' || l.msg === 'failed').map((l) => `${l.rpc} ${l.msg}`);
  assert.equal(summary, ['ControllerGetVolume failed', 'NodeUnpublishVolume ok', 'NodeUnstageVolume ok', 'ControllerUnpublishVolume ok', 'DeleteVolume ok'], 'a failed read and every change log one line at info');
});

logs.run();
