// The driver keeps no state in memory: restarted (or killed) between any two calls, it carries on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRig, socketGone, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a'] });
});
test.after(async () => {
  await rig?.stop();
});

const cap = { mount: { fs_type: 'ext4', mount_flags: [] }, access_mode: { mode: 'SINGLE_NODE_WRITER' as const } };

test('SIGTERM after stage, SIGKILL after publish: repeated calls are idempotent and the lifecycle completes', async () => {
  const vol = await createVolume(rig, 'pvc-restart');
  const at = await attach(rig, vol, 'node-a');

  assert.is(await rig.stopNode('node-a', 'SIGTERM'), 0, 'a clean stop exits 0');
  assert.ok(socketGone(rig, 'node-a'), 'and removes its socket');
  await rig.startNode('node-a');
  // kubelet retries the stage it had sent: same answer, no reformat.
  await rig.on('node-a').node.NodeStageVolume({ volume_id: vol.id, staging_target_path: at.staging, volume_capability: cap, publish_context: {}, volume_context: vol.context });
  const target = await publish(rig, vol, at, 'pod');
  await writeFile(join(target, 'before.txt'), 'before the crash\n');

  await rig.stopNode('node-a', 'SIGKILL');
  await rig.startNode('node-a');
  const node = rig.on('node-a').node;
  await node.NodePublishVolume({ volume_id: vol.id, staging_target_path: at.staging, target_path: target, volume_capability: cap, readonly: false, volume_context: vol.context });
  assert.is(await readFile(join(target, 'before.txt'), 'utf8'), 'before the crash\n', 'still the same filesystem');
  const stats = await node.NodeGetVolumeStats({ volume_id: vol.id, volume_path: target });
  assert.is(stats.volume_condition?.abnormal, false);
  const listed = await rig.on('node-a').controller.ListVolumes({});
  const entry = listed.entries?.find((e) => e.volume?.volume_id === vol.id);
  assert.equal(entry?.status?.published_node_ids, ['node-a'], 'the controller still knows where it is published');

  await detach(rig, vol, at);
  await deleteVolume(rig, vol);
  const after = await rig.on('node-a').controller.ListVolumes({});
  assert.not.ok(after.entries?.some((e) => e.volume?.volume_id === vol.id), 'deleted');
});

test.run();
