// Block volumes: bytes written through the pod's device file on node-a are read back on node-b.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { MiB, startRig, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a', 'node-b'] });
});
test.after(async () => {
  await rig?.stop();
});

async function writeAt(dev: string, offset: number, data: Buffer): Promise<void> {
  const fh = await open(dev, 'r+');
  await fh.write(data, 0, data.length, offset);
  await fh.sync();
  await fh.close();
}
async function readAt(dev: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(dev, 'r');
  const buf = Buffer.alloc(length);
  await fh.read(buf, 0, length, offset);
  await fh.close();
  return buf;
}

test('raw bytes survive a move from node-a to node-b', async () => {
  const vol = await createVolume(rig, 'pvc-block', { block: true, sizeMiB: 32 });
  const onA = await attach(rig, vol, 'node-a', { block: true });
  const devA = await publish(rig, vol, onA, 'vm-disk', { block: true });
  assert.ok((await stat(devA)).isBlockDevice(), 'the target is a block device node');
  const head = randomBytes(4096);
  const tail = randomBytes(4096);
  await writeAt(devA, 0, head);
  await writeAt(devA, 32 * MiB - 4096, tail);

  const stats = await rig.on('node-a').node.NodeGetVolumeStats({ volume_id: vol.id, volume_path: devA });
  assert.equal(stats.usage?.map((u) => [u.unit, u.total]), [['BYTES', String(32 * MiB)]], 'stats report the device size');

  await detach(rig, vol, onA);
  const onB = await attach(rig, vol, 'node-b', { block: true });
  const devB = await publish(rig, vol, onB, 'vm-disk', { block: true });
  assert.ok((await readAt(devB, 0, 4096)).equals(head), 'first 4 KiB read back on node-b');
  assert.ok((await readAt(devB, 32 * MiB - 4096, 4096)).equals(tail), 'last 4 KiB read back on node-b');
  await detach(rig, vol, onB);
  await deleteVolume(rig, vol);
});

test.run();
