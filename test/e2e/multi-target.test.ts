// One volume published to several targets on one node (several pods of a RWO volume on one host).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GrpcStatus, statusOf } from '../../src/cli/demo/csi-client.js';
import { startRig, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a'] });
});
test.after(async () => {
  await rig?.stop();
});

test('three targets share the data; unstage waits until the last target is gone', async () => {
  const vol = await createVolume(rig, 'pvc-multi');
  const at = await attach(rig, vol, 'node-a');
  const targets = [await publish(rig, vol, at, 'pod-1'), await publish(rig, vol, at, 'pod-2'), await publish(rig, vol, at, 'pod-3')];
  await writeFile(join(targets[0] as string, 'shared.txt'), 'one volume\n');
  for (const t of targets) assert.is(await readFile(join(t, 'shared.txt'), 'utf8'), 'one volume\n', `${t} sees the file`);

  // Publishing the same target again is idempotent.
  await rig.on('node-a').node.NodePublishVolume({
    volume_id: vol.id,
    staging_target_path: at.staging,
    target_path: targets[1] as string,
    volume_capability: { mount: { fs_type: 'ext4', mount_flags: [] }, access_mode: { mode: 'SINGLE_NODE_WRITER' } },
    readonly: false,
    volume_context: vol.context,
  });

  const node = rig.on('node-a').node;
  await node.NodeUnpublishVolume({ volume_id: vol.id, target_path: targets[0] as string });
  assert.not.ok(existsSync(targets[0] as string), 'unpublish removes the target');
  assert.is(await readFile(join(targets[2] as string, 'shared.txt'), 'utf8'), 'one volume\n', 'the others keep the data');

  const early = await statusOf(node.NodeUnstageVolume({ volume_id: vol.id, staging_target_path: at.staging }));
  assert.is(early?.code, GrpcStatus.FAILED_PRECONDITION, 'unstage is refused while targets remain');

  at.targets = targets.slice(1);
  await detach(rig, vol, at);
  for (const t of targets) assert.not.ok(existsSync(t), `${t} removed`);
  await deleteVolume(rig, vol);
});

test.run();
