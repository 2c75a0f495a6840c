// Failover: data written on node-a is readable on node-b after node-a goes down.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statusOf, GrpcStatus } from '../../src/cli/demo/csi-client.js';
import { mountCap, startRig, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a', 'node-b'] });
});
test.after(async () => {
  await rig?.stop();
});

function umount(...paths: string[]): void {
  for (const p of paths) execFileSync('umount', [p]);
}

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

  // While node-a holds it, a single-node volume is not attached elsewhere.
  const early = await statusOf(
    rig.on('node-a').controller.ControllerPublishVolume({ volume_id: vol.id, node_id: 'node-b', volume_capability: mountCap(), readonly: false, volume_context: vol.context }),
  );
  assert.is(early?.code, GrpcStatus.FAILED_PRECONDITION, 'not attached to node-b while node-a uses it');

  // node-a crashes: its satellite goes offline, its driver dies, its mounts are gone (as after a reboot).
  await rig.emu.control.setNodeOnline('node-a', false);
  await rig.stopNode('node-a', 'SIGKILL');
  umount(...onA.targets, onA.staging);
  // The CO force-detaches node-a (the controller is served by node-a's driver here: restart it, as
  // the controller pod would be rescheduled) and attaches node-b.
  await rig.startNode('node-a');
  await rig.on('node-a').controller.ControllerUnpublishVolume({ volume_id: vol.id, node_id: 'node-a' });
  const onB = await attach(rig, vol, 'node-b');
  const podB = await publish(rig, vol, onB, 'pod-1');
  assert.is(await readFile(join(podB, 'hello.txt'), 'utf8'), 'written on node-a\n');

  // node-a comes back; its kubelet cleans up what it remembers, which is already gone.
  await rig.emu.control.setNodeOnline('node-a', true);
  for (const t of onA.targets) await rig.on('node-a').node.NodeUnpublishVolume({ volume_id: vol.id, target_path: t });
  await rig.on('node-a').node.NodeUnstageVolume({ volume_id: vol.id, staging_target_path: onA.staging });
  assert.is(await readFile(join(podB, 'hello.txt'), 'utf8'), 'written on node-a\n', 'node-b keeps serving the data');
  await detach(rig, vol, onB);
  await deleteVolume(rig, vol);
});

test.run();
