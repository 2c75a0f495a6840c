/**
 * Controller failure paths through the emulator's fault injection (500s, timeouts, no space, too
 * few nodes, LINSTOR down) — every failed CreateVolume leaves no resource definition or group
 * behind — and the concurrency guarantee (50 calls for 10 names → 10 volumes).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLinstorClient, type HttpLinstorClient } from '../../src/linstor/http-client.js';
import { silentLogger } from '../../src/log/logger.js';
import { systemClock } from '../../src/util/clock.js';
import { GRPC, GiB, createReq, rejectsWith, startRig, type Rig } from './controller-harness.js';

interface Ctx {
  rig: Rig;
  api: HttpLinstorClient;
}

const t = suite<Ctx>('controller failure paths');

t.before(async (ctx) => {
  ctx.rig = await startRig({ requestTimeoutMs: 800 });
  ctx.api = createLinstorClient({ endpoints: [ctx.rig.emu.url] }, { clock: systemClock, logger: silentLogger() });
});
t.after(async (ctx) => {
  ctx.api.close();
  await ctx.rig.stop();
});
t.after.each(async ({ rig }) => {
  await rig.emu.control.clearFailures();
  await rig.emu.control.clearLatency();
});

async function noOrphans(api: HttpLinstorClient, rd: string): Promise<void> {
  assert.equal(await api.resourceDefinitions.list({ resourceDefinitions: [rd] }), [], `no RD ${rd} left`);
  const groups = (await api.resourceGroups.list()).map((g) => g.name).filter((n) => n.startsWith('sc-'));
  const used = new Set((await api.resourceDefinitions.list()).map((d) => d.resource_group_name));
  assert.equal(groups.filter((g) => !used.has(g)), [], 'no unused generated resource group left');
}

t('LINSTOR 500 on spawn: error carries LINSTOR message; the group this call created is removed', async ({ rig, api }) => {
  await rig.emu.control.failNext({ method: 'POST', path: '/spawn$' });
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-f500', {}, { placementCount: '2', 'DrbdOptions/Net/protocol': 'C' })), GRPC.INTERNAL, 'Injected failure');
  await noOrphans(api, 'pvc-f500');
  // And it works on retry.
  await rig.controller.CreateVolume(createReq('pvc-f500', {}, { placementCount: '2', 'DrbdOptions/Net/protocol': 'C' }));
});

t('failure part-way (autoplace after the spawn) removes the resource definition', async ({ rig, api }) => {
  await rig.emu.control.failNext({ method: 'POST', path: '/autoplace$', status: 500 });
  const req = createReq('pvc-fpart', { accessibility_requirements: { requisite: [], preferred: [{ segments: { 'linbit.com/hostname': 'node-b' } }] } }, { placementCount: '2' });
  await rejectsWith(rig.controller.CreateVolume(req), GRPC.INTERNAL, 'Injected failure');
  await noOrphans(api, 'pvc-fpart');
  const ok = await rig.controller.CreateVolume(req);
  assert.is(ok.volume.volume_id, 'pvc-fpart');
});

t('out of space is RESOURCE_EXHAUSTED with LINSTOR message', async ({ rig, api }) => {
  const msg = await rejectsWith(rig.controller.CreateVolume(createReq('pvc-huge', { capacity_range: { required_bytes: String(500 * GiB) } }, { placementCount: '1' })), GRPC.RESOURCE_EXHAUSTED, 'LINSTOR');
  assert.ok(/space|nodes/i.test(msg), msg);
  await noOrphans(api, 'pvc-huge');
});

t('not enough nodes is RESOURCE_EXHAUSTED', async ({ rig, api }) => {
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-five', {}, { placementCount: '5' })), GRPC.RESOURCE_EXHAUSTED, 'Not enough');
  await noOrphans(api, 'pvc-five');
});

t('no node matching the topology is RESOURCE_EXHAUSTED and leaves no resource group behind', async ({ rig, api }) => {
  const req = createReq(
    'pvc-notopo',
    { accessibility_requirements: { requisite: [{ segments: { 'linbit.com/hostname': 'node-zz' } }], preferred: [] } },
    { placementCount: '1', allowRemoteVolumeAccess: 'false', 'property.linstor.csi.linbit.com/Aux/case': 'notopo' },
  );
  await rejectsWith(rig.controller.CreateVolume(req), GRPC.RESOURCE_EXHAUSTED, 'topology');
  await noOrphans(api, 'pvc-notopo');
});

t('a LINSTOR timeout is UNAVAILABLE', async ({ rig }) => {
  await rig.emu.control.setLatency(3000, { method: 'GET', path: '^/v1/resource-definitions' });
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-slow')), GRPC.UNAVAILABLE, 'pvc-slow');
  await rejectsWith(rig.controller.ListVolumes({}), GRPC.UNAVAILABLE);
});

t('LINSTOR errors on the other RPCs map to gRPC codes', async ({ rig }) => {
  await rig.controller.CreateVolume(createReq('pvc-fother', {}, { placementCount: '1' }));
  await rig.emu.control.failNext({ method: 'DELETE', path: '^/v1/resource-definitions/pvc-fother$' });
  await rejectsWith(rig.controller.DeleteVolume({ volume_id: 'pvc-fother' }), GRPC.INTERNAL, 'Injected failure');
  await rig.controller.DeleteVolume({ volume_id: 'pvc-fother' });
  await rig.emu.control.failNext({ method: 'GET', path: '^/v1/view/storage-pools$', status: 503 });
  await rig.emu.control.failNext({ method: 'GET', path: '^/v1/view/storage-pools$', status: 503, count: 5 });
  await rejectsWith(rig.controller.GetCapacity({ parameters: {} }), GRPC.UNAVAILABLE);
});

t('50 concurrent CreateVolume calls for 10 names: 10 volumes, same answer or ABORTED', async ({ rig, api }) => {
  const names = Array.from({ length: 10 }, (_, i) => `pvc-conc-${i}`);
  const calls = Array.from({ length: 50 }, (_, i) => names[i % 10] as string);
  const results = await Promise.allSettled(calls.map((n) => rig.controller.CreateVolume(createReq(n, {}, { placementCount: '2' }))));
  const answers = new Map<string, string>();
  let aborted = 0;
  results.forEach((r, i) => {
    const name = calls[i] as string;
    if (r.status === 'rejected') {
      assert.is((r.reason as { code: number }).code, GRPC.ABORTED, (r.reason as Error).message);
      aborted++;
      return;
    }
    const text = JSON.stringify(r.value);
    const prev = answers.get(name);
    if (prev) assert.is(text, prev, `${name}: same answer`);
    else answers.set(name, text);
  });
  // Retrying the aborted ones succeeds with the same answer.
  for (const n of names) {
    const again = JSON.stringify(await rig.controller.CreateVolume(createReq(n, {}, { placementCount: '2' })));
    if (answers.has(n)) assert.is(again, answers.get(n));
  }
  const rds = (await api.resourceDefinitions.list()).filter((d) => d.name.startsWith('pvc-conc-'));
  assert.is(rds.length, 10);
  assert.ok(aborted + answers.size <= 50);
});

t.run();

const down = suite('controller with LINSTOR unreachable');
down('every LINSTOR-backed RPC is UNAVAILABLE', async () => {
  const rig = await startRig({ requestTimeoutMs: 500 });
  try {
    await rig.emu.stop();
    await rejectsWith(rig.controller.CreateVolume(createReq('pvc-down')), GRPC.UNAVAILABLE, 'unavailable');
    await rejectsWith(rig.controller.DeleteVolume({ volume_id: 'pvc-down' }), GRPC.UNAVAILABLE);
    await rejectsWith(rig.controller.ListVolumes({}), GRPC.UNAVAILABLE);
  } finally {
    await rig.stop();
  }
});
down.run();
