// Failover: data written on node-a is readable on node-b after node-a goes down.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRig, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a', 'node-b'] });
});
test.after(async () => {
  await rig?.stop();
});

async function writeSynced(path: string, data: string): Promise<void> {
  const fh = await open(path, 'w');
  await fh.writeFile(data);
  await fh.sync();
  await fh.close();
}

test('a file written on node-a is there on node-b after node-a goes down', async () => {
  const vol = await createVolume(rig, 'pvc-failover', { replicas: 2 });
  const onA = await attach(rig, vol, 'node-a');
  const podA = await publish(rig, vol, onA, 'pod-1');
  await writeSynced(join(podA, 'hello.txt'), 'written on node-a\n');

  // node-b may not take over while node-a is Primary.
  const early = await attach(rig, vol, 'node-b').then(
    () => 'staged',
    (e: { code?: number; details?: string }) => e,
  );
  assert.is.not(early, 'staged', 'node-b cannot stage read-write while node-a is Primary');

  await rig.emu.control.setNodeOnline('node-a', false);
  const onB = await attach(rig, vol, 'node-b');
  const podB = await publish(rig, vol, onB, 'pod-1');
  assert.is(await readFile(join(podB, 'hello.txt'), 'utf8'), 'written on node-a\n');

  // Clean up: node-b first, then node-a comes back and lets go.
  await detach(rig, vol, onB);
  await rig.emu.control.setNodeOnline('node-a', true);
  await detach(rig, vol, onA);
  await deleteVolume(rig, vol);
});

test.run();
