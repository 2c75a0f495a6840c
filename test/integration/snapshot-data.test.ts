/**
 * Snapshot data tests over the real socket with the emulator's loop devices: a restore holds
 * exactly what the volume held at the snapshot instant; a clone holds the source's data at
 * clone time; deleting the source PVC keeps its snapshots restorable.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MiB, ddRead, ddWrite, pattern, sha, startSnapRig, uniq, type SnapRig } from './snapshot-harness.js';

const test = suite<{ rig: SnapRig }>('snapshot data (block, dd)');

test.before(async (ctx) => {
  ctx.rig = await startSnapRig();
});
test.after(async (ctx) => {
  await ctx.rig?.stop();
});

const P = 4 * MiB;

test('restore holds the data of the snapshot instant; the origin keeps its newer data', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-data'), 64);
  const dev = rig.device(src.volume_id);
  const first = pattern('first', P);
  const second = pattern('second', P);
  await ddWrite(rig.dir, dev, first, 0);
  await ddWrite(rig.dir, dev, first, 40);
  const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  assert.ok(snap.ready_to_use);
  assert.is(snap.source_volume_id, src.volume_id);
  assert.is(snap.size_bytes, String(64 * MiB));
  assert.ok(snap.snapshot_id.startsWith(`InCluster:///${src.volume_id}/`));
  await ddWrite(rig.dir, dev, second, 0);
  await ddWrite(rig.dir, dev, second, 40);

  const restored = await rig.createVolume(uniq('pvc-restore'), 64, { source: { snapshot: { snapshot_id: snap.snapshot_id } } });
  assert.is(restored.content_source?.snapshot?.snapshot_id, snap.snapshot_id);
  const rdev = rig.device(restored.volume_id);
  assert.is(sha(await ddRead(rdev, P, 0)), sha(first), 'restored volume holds the first pattern');
  assert.is(sha(await ddRead(rdev, P, 40)), sha(first));
  assert.is(sha(await ddRead(dev, P, 0)), sha(second), 'the origin holds the second pattern');
  assert.is(sha(await ddRead(dev, P, 40)), sha(second));
  // Writing the restore does not touch the snapshot: a second restore still holds the first pattern.
  await ddWrite(rig.dir, rdev, pattern('third', P), 0);
  const again = await rig.createVolume(uniq('pvc-restore'), 64, { source: { snapshot: { snapshot_id: snap.snapshot_id } } });
  assert.is(sha(await ddRead(rig.device(again.volume_id), P, 0)), sha(first));
});

test('restore into a larger volume grows it and keeps the data; smaller is OUT_OF_RANGE', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-grow'), 32);
  const data = pattern('grow', P);
  await ddWrite(rig.dir, rig.device(src.volume_id), data, 28);
  const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  const big = await rig.createVolume(uniq('pvc-big'), 96, { source: { snapshot: { snapshot_id: snap.snapshot_id } } });
  assert.is(big.capacity_bytes, String(96 * MiB));
  const vd = await rig.linstor.volumeDefinitions.get(big.volume_id, 0);
  assert.is(vd.size_kib, 96 * 1024);
  assert.is(sha(await ddRead(rig.device(big.volume_id), P, 28)), sha(data));
  const err = await rig.createVolume(uniq('pvc-small'), 16, { source: { snapshot: { snapshot_id: snap.snapshot_id } } }).then(
    () => undefined,
    (e: { code: number; details: string }) => e,
  );
  assert.is(err?.code, 11, `OUT_OF_RANGE expected, got ${err?.code}: ${err?.details}`);
  // Unspecified size: the snapshot's.
  const same = await rig.createVolume(uniq('pvc-nosize'), 0, { source: { snapshot: { snapshot_id: snap.snapshot_id } }, requiredBytes: '0' });
  assert.is(same.capacity_bytes, String(32 * MiB));
});

test('restore places replicas by the new StorageClass (placementCount 3)', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-place'), 32);
  await ddWrite(rig.dir, rig.device(src.volume_id), pattern('place', P), 0);
  const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  const r = await rig.createVolume(uniq('pvc-three'), 32, { params: { placementCount: '3' }, source: { snapshot: { snapshot_id: snap.snapshot_id } } });
  const res = (await rig.linstor.resources.view({ resources: [r.volume_id] })).filter((x) => !(x.flags ?? []).includes('DISKLESS'));
  assert.is(res.length, 3);
  const rg = (await rig.linstor.resourceDefinitions.get(r.volume_id)).resource_group_name;
  const srcRg = (await rig.linstor.resourceDefinitions.get(src.volume_id)).resource_group_name;
  assert.is.not(rg, srcRg, 'the restore lives in the new StorageClass group');
  assert.is(sha(await ddRead(rig.device(r.volume_id), P, 0)), sha(pattern('place', P)));
});

test('a clone holds the source data at clone time', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-csrc'), 48);
  const dev = rig.device(src.volume_id);
  const before = pattern('clone-before', P);
  await ddWrite(rig.dir, dev, before, 8);
  const clone = await rig.createVolume(uniq('pvc-clone'), 64, { source: { volume: { volume_id: src.volume_id } } });
  assert.is(clone.content_source?.volume?.volume_id, src.volume_id);
  assert.is(clone.capacity_bytes, String(64 * MiB));
  await ddWrite(rig.dir, dev, pattern('clone-after', P), 8);
  assert.is(sha(await ddRead(rig.device(clone.volume_id), P, 8)), sha(before));
  const rd = await rig.linstor.resourceDefinitions.get(clone.volume_id);
  assert.is(rd.props?.['Aux/csi-volume-name'], clone.volume_id);
  assert.ok(rd.props?.['Aux/csi-provisioning-completed-by']);
  // Idempotent: the same request returns the same volume.
  const again = await rig.createVolume(clone.volume_id, 64, { source: { volume: { volume_id: src.volume_id } } });
  assert.is(again.volume_id, clone.volume_id);
  assert.is(again.content_source?.volume?.volume_id, src.volume_id);
});

test('clone falls back to snapshot-and-restore where LINSTOR cannot clone', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-fsrc'), 32);
  const data = pattern('fallback', P);
  await ddWrite(rig.dir, rig.device(src.volume_id), data, 0);
  await rig.emu.control.failNext({ method: 'POST', path: '/clone$', status: 501 });
  const clone = await rig.createVolume(uniq('pvc-fclone'), 32, { source: { volume: { volume_id: src.volume_id } } });
  assert.is(sha(await ddRead(rig.device(clone.volume_id), P, 0)), sha(data));
  const left = await rig.linstor.snapshots.list(src.volume_id);
  assert.equal(left, [], 'the temporary snapshot is gone');
});

test('deleting the source PVC keeps its snapshots restorable; the last DeleteSnapshot removes the hidden RD', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-gone'), 32, { params: { placementCount: '2' } });
  const data = pattern('gone', P);
  await ddWrite(rig.dir, rig.device(src.volume_id), data, 4);
  const s1 = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  const s2 = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  await rig.controller.DeleteVolume({ volume_id: src.volume_id });
  const listed = (await rig.controller.ListVolumes({})).entries.map((e: { volume: { volume_id: string } }) => e.volume.volume_id);
  assert.not.ok(listed.includes(src.volume_id), 'the deleted volume is not listed');
  const r = await rig.createVolume(uniq('pvc-after'), 32, { source: { snapshot: { snapshot_id: s1.snapshot_id } } });
  assert.is(sha(await ddRead(rig.device(r.volume_id), P, 4)), sha(data));
  const rg = (await rig.linstor.resourceDefinitions.get(src.volume_id)).resource_group_name as string;
  await rig.controller.DeleteSnapshot({ snapshot_id: s1.snapshot_id });
  assert.ok(await rig.linstor.resourceDefinitions.get(src.volume_id), 'still kept for the second snapshot');
  await rig.controller.DeleteSnapshot({ snapshot_id: s2.snapshot_id });
  const rds = await rig.linstor.resourceDefinitions.list({ resourceDefinitions: [src.volume_id] });
  assert.equal(rds.filter((x) => x.name === src.volume_id), [], 'hidden RD removed with its last snapshot');
  // Its generated group (placementCount 2: only this volume used it) goes with it.
  const groups = await rig.linstor.resourceGroups.list({ resourceGroups: [rg] });
  assert.is(groups.length, 0, 'the unused generated group is removed');
  // The restored volume does not depend on the deleted snapshots.
  assert.is(sha(await ddRead(rig.device(r.volume_id), P, 4)), sha(data));
  await rig.controller.DeleteSnapshot({ snapshot_id: s2.snapshot_id }); // idempotent
});

test('restore goes to an online snapshot holder, the preferred one first', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-hold'), 32, { params: { placementCount: '2' } });
  const data = pattern('holders', P);
  await ddWrite(rig.dir, rig.device(src.volume_id), data, 0);
  const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  const holders = ((await rig.linstor.snapshots.get(src.volume_id, snap.snapshot_id.split('/').pop() as string)).nodes ?? []).sort();
  assert.is(holders.length, 2);
  const restoreOn = async (preferred: string | undefined): Promise<string[]> => {
    const name = uniq('pvc-on');
    await rig.controller.CreateVolume({
      name,
      capacity_range: { required_bytes: String(32 * MiB) },
      volume_capabilities: [{ access_mode: { mode: 'SINGLE_NODE_WRITER' }, block: {} }],
      parameters: { placementCount: '1' },
      volume_content_source: { snapshot: { snapshot_id: snap.snapshot_id } },
      ...(preferred ? { accessibility_requirements: { preferred: [{ segments: { 'linbit.com/hostname': preferred } }], requisite: [] } } : {}),
    });
    assert.is(sha(await ddRead(rig.device(name), P, 0)), sha(data));
    return (await rig.linstor.resources.view({ resources: [name] })).filter((r) => !(r.flags ?? []).includes('DISKLESS')).map((r) => r.node_name);
  };
  assert.equal(await restoreOn(holders[1]), [holders[1]], 'preferred holder');
  assert.equal(await restoreOn(holders[0]), [holders[0]], 'preferred holder');
  await rig.emu.control.setNodeOnline(holders[0] as string, false);
  try {
    assert.equal(await restoreOn(undefined), [holders[1]], 'the online holder');
  } finally {
    await rig.emu.control.setNodeOnline(holders[0] as string, true);
  }
});

test.run();
