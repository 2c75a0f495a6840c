// LINSTOR goes away: Probe says not ready, controller calls answer UNAVAILABLE, the node keeps
// serving what is mounted. LINSTOR comes back: everything works again without a driver restart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GrpcStatus, statusOf } from '../../src/cli/demo/csi-client.js';
import { eventually, startRig, volumeRequest, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a'] });
});
test.after(async () => {
  await rig?.stop();
});

test('UNAVAILABLE while LINSTOR is down, recovery without a restart', async () => {
  const vol = await createVolume(rig, 'pvc-outage');
  const at = await attach(rig, vol, 'node-a');
  const target = await publish(rig, vol, at, 'pod');
  await writeFile(join(target, 'a.txt'), 'mounted before the outage\n');
  const pid = rig.drivers.get('node-a')?.proc.child.pid;
  const csi = rig.on('node-a');

  await rig.stopLinstor();
  const probe = await eventually('Probe to report not ready', async () => {
    const p = await csi.identity.Probe({});
    return p.ready?.value === false ? p : undefined;
  });
  assert.is(probe.ready?.value, false);
  const create = await statusOf(csi.controller.CreateVolume(volumeRequest('pvc-during-outage')));
  assert.is(create?.name, 'UNAVAILABLE', `CreateVolume: ${create?.details ?? 'succeeded'}`);
  const get = await statusOf(csi.controller.ControllerGetVolume({ volume_id: vol.id }));
  assert.is(get?.code, GrpcStatus.UNAVAILABLE, 'ControllerGetVolume');
  assert.not.match(get?.details ?? '', /\n\s+at /, 'no stack trace in the message');
  // What is mounted keeps working: the data path does not go through LINSTOR.
  assert.is(await readFile(join(target, 'a.txt'), 'utf8'), 'mounted before the outage\n');
  await writeFile(join(target, 'b.txt'), 'written during the outage\n');

  await rig.startLinstor();
  await eventually('Probe to report ready', async () => ((await csi.identity.Probe({})).ready?.value === true ? true : undefined), 15_000);
  const again = await csi.controller.CreateVolume(volumeRequest('pvc-after-outage'));
  assert.ok(again.volume?.volume_id, 'CreateVolume works again');
  assert.is(rig.drivers.get('node-a')?.proc.child.pid, pid, 'same driver process');
  assert.is(await readFile(join(target, 'b.txt'), 'utf8'), 'written during the outage\n');

  await detach(rig, vol, at);
  await deleteVolume(rig, vol);
  await deleteVolume(rig, { id: again.volume?.volume_id ?? '', context: {} });
});

test.run();
