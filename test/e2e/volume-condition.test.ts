// A replica that falls out of sync shows an abnormal volume condition (node and controller side),
// and a healthy one again once it is back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startRig, eventually, type Rig } from './harness.js';
import { attach, conditions, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a'] });
});
test.after(async () => {
  await rig?.stop();
});

test('Outdated local disk, then StandAlone peer: abnormal with what was seen; healthy after', async () => {
  const vol = await createVolume(rig, 'pvc-health', { replicas: 2 });
  const at = await attach(rig, vol, 'node-a');
  const target = await publish(rig, vol, at, 'pod');
  const { node: nodeCondition, controller: controllerCondition } = conditions(rig, vol, at, target);

  assert.is((await nodeCondition())?.abnormal, false, 'healthy at first');
  assert.is((await controllerCondition())?.abnormal, false, 'healthy at first (controller)');

  await rig.emu.control.setDiskState(vol.id, 'node-a', 'Outdated');
  const sick = await nodeCondition();
  assert.is(sick?.abnormal, true, 'an Outdated local disk is abnormal');
  assert.match(sick?.message ?? '', /Outdated/);
  const ctl = await eventually('controller to see the Outdated replica', async () => {
    const c = await controllerCondition();
    return c?.abnormal ? c : undefined;
  });
  assert.match(ctl.message, /node-a|Outdated/);

  await rig.emu.control.setDiskState(vol.id, 'node-a', null);
  await rig.emu.control.setConnectionState(vol.id, 'node-a', 'StandAlone');
  const split = await nodeCondition();
  assert.is(split?.abnormal, true, 'a StandAlone connection is abnormal');
  assert.match(split?.message ?? '', /StandAlone/);

  await rig.emu.control.setConnectionState(vol.id, 'node-a', null);
  assert.is((await nodeCondition())?.abnormal, false, 'healthy again');
  await eventually('controller to see it healthy', async () => ((await controllerCondition())?.abnormal === false ? true : undefined));

  await detach(rig, vol, at);
  await deleteVolume(rig, vol);
});

test.run();
