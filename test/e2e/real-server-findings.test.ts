// What only the real LINSTOR server showed (issue 11, item 6), reproduced by the emulator and
// driven through the real CLI over its socket: storage-only volumes are healthy, a provider that
// cannot snapshot is a permanent FAILED_PRECONDITION, a clone refused by the provider falls back
// to snapshot + restore, and one that can do neither gets one clear refusal naming the provider.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runLs } from '../../src/cli/ls.js';
import { startCluster, type Cluster } from '../helpers/emulated-cluster.js';
import { Status } from '../helpers/grpc-clients.js';
import { MiB } from './harness.js';

const t = suite<{ c: Cluster | undefined }>('real-server findings (emulator, real CLI)');

t.before.each(async (ctx) => {
  ctx.c = undefined;
  ctx.c = await startCluster({
    prefix: 'lcsi-realsrv-',
    nodes: ['node-a'],
    allServicesOn: 'node-a',
    emulator: { nodes: ['node-a', 'node-b', 'node-c'], resyncMs: 0 },
    args: ['--device-wait-timeout=5s', '--linstor-request-timeout=5s', '--shutdown-timeout=5s'],
    env: { LINSTOR_CSI_FROM_SOURCE: '1' },
  });
});
t.after.each(async (ctx) => {
  await ctx.c?.stop();
});

const CAP = { mount: { fs_type: 'ext4', mount_flags: [] }, access_mode: { mode: 'SINGLE_NODE_WRITER' } };

function req(name: string, params: Record<string, string>, source?: object): object {
  return {
    name,
    capacity_range: { required_bytes: String(64 * MiB) },
    volume_capabilities: [CAP],
    parameters: { 'linstor.csi.linbit.com/storagePool': 'thin-pool', ...params },
    ...(source ? { volume_content_source: source } : {}),
  };
}

async function failure(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: number; details: string };
  }
  throw new Error('expected the call to fail');
}

async function allPools(c: Cluster, kind: 'FILE_THIN' | 'LVM_THIN', reflink?: boolean): Promise<void> {
  for (const n of ['node-a', 'node-b', 'node-c']) await c.emu.control.setPoolProvider(n, 'thin-pool', kind, reflink);
}

t('storage-only volumes (layerList storage) are healthy in ControllerGetVolume, ListVolumes, ModifyVolume and ls', async (ctx) => {
  const c = ctx.c as Cluster;
  const ctl = c.driver('node-a').controller;
  const v = (await ctl.CreateVolume(req('pvc-storage', { 'linstor.csi.linbit.com/layerList': 'storage', 'linstor.csi.linbit.com/placementCount': '2' }))).volume;
  const raw = (await (await fetch(`${c.emu.url}/v1/view/resources?resources=${v.volume_id}`)).json()) as Array<{ state?: Record<string, unknown>; layer_object?: { type?: string }; volumes?: Array<{ state?: unknown }> }>;
  assert.ok(raw.length === 2 && raw.every((r) => r.layer_object?.type === 'STORAGE' && JSON.stringify(r.state) === '{}' && r.volumes?.every((x) => x.state === undefined)), `the real storage-only shape (no tie-breaker): ${JSON.stringify(raw).slice(0, 300)}`);
  const got = await ctl.ControllerGetVolume({ volume_id: v.volume_id });
  assert.is(got.status.volume_condition.abnormal, false, got.status.volume_condition.message);
  const list = await ctl.ListVolumes({});
  const entry = list.entries.find((e: { volume: { volume_id: string } }) => e.volume.volume_id === v.volume_id);
  assert.is(entry.status.volume_condition.abnormal, false, entry.status.volume_condition.message);
  await ctl.ControllerModifyVolume({ volume_id: v.volume_id, mutable_parameters: { placementCount: '1' } });
  const after = (await (await fetch(`${c.emu.url}/v1/view/resources?resources=${v.volume_id}`)).json()) as unknown[];
  assert.is(after.length, 1, 'went down to one replica');
  let out = '';
  const io = { stdout: { write: (s: string) => void (out += s) }, stderr: { write: () => undefined }, isTTY: false };
  assert.is(await runLs(['resources', `--linstor-endpoint=${c.emu.url}`], {}, io), 0);
  const line = out.split('\n').find((l) => l.includes(v.volume_id)) ?? '';
  assert.not.match(line, /Unknown/, line);
  assert.match(line, /Created/, line);
});

t('a pool that cannot snapshot: CreateSnapshot is FAILED_PRECONDITION (not a retryable UNAVAILABLE)', async (ctx) => {
  const c = ctx.c as Cluster;
  await allPools(c, 'FILE_THIN', false);
  const ctl = c.driver('node-a').controller;
  const v = (await ctl.CreateVolume(req('pvc-file', { 'linstor.csi.linbit.com/placementCount': '1' }))).volume;
  const e = await failure(ctl.CreateSnapshot({ source_volume_id: v.volume_id, name: 'snap-file' }));
  assert.is(e.code, Status.FAILED_PRECONDITION, e.details);
  assert.match(e.details, /Storage driver 'FILE_THIN' does not support snapshots/);
});

t('clone refused by the provider falls back to snapshot + restore; with snapshots unsupported too, one FAILED_PRECONDITION naming the provider', async (ctx) => {
  const c = ctx.c as Cluster;
  const ctl = c.driver('node-a').controller;
  await allPools(c, 'FILE_THIN', true);
  const src = (await ctl.CreateVolume(req('pvc-src', { 'linstor.csi.linbit.com/placementCount': '1' }))).volume;
  const direct = await fetch(`${c.emu.url}/v1/resource-definitions/${src.volume_id}/clone`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'direct-clone' }) });
  assert.is(direct.status, 500, 'the emulator refuses FILE_THIN clones as the real server does');
  assert.match(await direct.text(), /Clone source contains unsupported storage pools/);
  const clone = (await ctl.CreateVolume(req('pvc-clone', { 'linstor.csi.linbit.com/placementCount': '1' }, { volume: { volume_id: src.volume_id } }))).volume;
  assert.is(clone.content_source?.volume?.volume_id, src.volume_id);
  const rd = (await (await fetch(`${c.emu.url}/v1/resource-definitions/${clone.volume_id}`)).json()) as { props?: Record<string, string> };
  assert.is(rd.props?.['Aux/csi-volume-born'], 'clone', 'the clone records how it was born');
  // No reflink: neither clone nor snapshot.
  await allPools(c, 'FILE_THIN', false);
  const e = await failure(ctl.CreateVolume(req('pvc-clone2', { 'linstor.csi.linbit.com/placementCount': '1' }, { volume: { volume_id: src.volume_id } })));
  assert.is(e.code, Status.FAILED_PRECONDITION, e.details);
  assert.match(e.details, /cannot be cloned: its storage pool thin-pool \(FILE_THIN\) on node-\w+ can neither clone nor snapshot/);
});

t('emulated providers: FILE_THIN may shrink a volume definition, LVM_THIN refuses', async (ctx) => {
  const c = ctx.c as Cluster;
  const ctl = c.driver('node-a').controller;
  await c.emu.control.setPoolProvider('node-a', 'thin-pool', 'FILE_THIN');
  const mk = async (name: string): Promise<string> => (await ctl.CreateVolume(req(name, { 'linstor.csi.linbit.com/nodeList': 'node-a' }))).volume.volume_id;
  const file = await mk('pvc-shrink-file');
  const put = (id: string) => fetch(`${c.emu.url}/v1/resource-definitions/${id}/volume-definitions/0`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size_kib: 32 * 1024 }) });
  assert.is((await put(file)).status, 200);
  await c.emu.control.setPoolProvider('node-a', 'thin-pool', 'LVM_THIN');
  const lvm = await mk('pvc-shrink-lvm');
  const r = await put(lvm);
  assert.is(r.status, 500);
  assert.match(await r.text(), /Volumes can only grow in size/);
});

t.run();
