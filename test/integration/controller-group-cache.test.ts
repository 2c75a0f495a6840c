// A generated resource group that DeleteVolume could not remove (other volumes use it) stays
// known: the next CreateVolume does not reconcile it again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReq, linstorRequests, startRig, type Rig } from './controller-harness.js';

let rig: Rig;

test.before(async () => {
  rig = await startRig();
});
test.after(async () => {
  await rig.stop();
});

test('after deleting one of two volumes of a group, a new volume costs 2 round trips, none for the group', async () => {
  const c = rig.controller;
  await c.CreateVolume(createReq('cache-a'));
  await c.CreateVolume(createReq('cache-b'));
  await c.DeleteVolume({ volume_id: 'cache-a' });
  await rig.emu.control.clearRequestLog();
  await c.CreateVolume(createReq('cache-c'));
  const reqs = await linstorRequests(rig.emu);
  assert.equal(
    reqs.filter((r) => r.path.startsWith('/v1/resource-groups') && !r.path.endsWith('/spawn')),
    [],
    `no group reconcile: ${JSON.stringify(reqs)}`,
  );
  assert.is(reqs.length, 2, JSON.stringify(reqs));
});

test('after deleting the last volume of a group, the group is gone and a new volume recreates it', async () => {
  const c = rig.controller;
  await c.DeleteVolume({ volume_id: 'cache-b' });
  await c.DeleteVolume({ volume_id: 'cache-c' });
  const groups = (await (await fetch(`${rig.emu.url}/v1/resource-groups`)).json()) as { name: string }[];
  assert.ok(!groups.some((g) => g.name.startsWith('sc-')), `generated groups left: ${JSON.stringify(groups.map((g) => g.name))}`);
  await c.CreateVolume(createReq('cache-d'));
  const after = (await (await fetch(`${rig.emu.url}/v1/resource-groups`)).json()) as { name: string }[];
  assert.ok(after.some((g) => g.name.startsWith('sc-')), 'the group was created again');
  await c.DeleteVolume({ volume_id: 'cache-d' });
});

test.run();
