/**
 * Group snapshots over the real socket: one multi-snapshot action for all members (crash
 * consistent with each other), idempotency, Get/Delete, and restores of the members.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MiB, ddRead, ddWrite, pattern, sha, startSnapRig, uniq, type SnapRig } from './snapshot-harness.js';

const test = suite<{ rig: SnapRig }>('group snapshots');

test.before(async (ctx) => {
  ctx.rig = await startSnapRig();
});
test.after(async (ctx) => {
  await ctx.rig?.stop();
});

async function code(p: Promise<unknown>): Promise<number | undefined> {
  return p.then(
    () => undefined,
    (e: { code: number }) => e.code,
  );
}

const P = MiB;

test('a group snapshot of two volumes written in turn is consistent; members restore', async ({ rig }) => {
  const a = await rig.createVolume(uniq('pvc-ga'), 32);
  const b = await rig.createVolume(uniq('pvc-gb'), 32, { params: { placementCount: '2' } });
  const da = rig.device(a.volume_id);
  const db = rig.device(b.volume_id);
  // A workload that writes A then B, round after round (a log and its index, say).
  for (let round = 0; round < 3; round++) {
    await ddWrite(rig.dir, da, pattern(`a-${round}`, P), round);
    await ddWrite(rig.dir, db, pattern(`b-${round}`, P), round);
  }
  await rig.emu.control.clearRequestLog();
  const name = `groupsnapshot-${crypto.randomUUID()}`; // the snapshotter's form: longer than a LINSTOR name
  const res = await rig.group.CreateVolumeGroupSnapshot({ name, source_volume_ids: [a.volume_id, b.volume_id], parameters: {} });
  const g = res.group_snapshot;
  const posts = (await rig.emu.control.requestLog()).filter((e) => e.method === 'POST' && e.path.includes('snapshot'));
  assert.equal(
    posts.map((e) => e.path),
    ['/v1/actions/snapshot/multi'],
    'one multi-snapshot action',
  );
  assert.ok(g.ready_to_use);
  assert.match(g.group_snapshot_id, /^snapshot-[0-9a-f-]{36}$/);
  assert.is(g.snapshots.length, 2);
  for (const s of g.snapshots) assert.is(s.group_snapshot_id, g.group_snapshot_id);
  const ids = g.snapshots.map((s: { snapshot_id: string }) => s.snapshot_id);
  const tsA = await rig.linstor.snapshots.get(a.volume_id, g.group_snapshot_id);
  const tsB = await rig.linstor.snapshots.get(b.volume_id, g.group_snapshot_id);
  assert.ok(tsA.flags?.includes('SUCCESSFUL') && tsB.flags?.includes('SUCCESSFUL'));

  // Later rounds must not appear in the restores.
  await ddWrite(rig.dir, da, pattern('a-3', P), 3);
  await ddWrite(rig.dir, db, pattern('b-3', P), 3);
  await ddWrite(rig.dir, da, pattern('a-new', P), 0);

  const restored: Record<string, string> = {};
  for (const s of g.snapshots as { snapshot_id: string; source_volume_id: string }[]) {
    const r = await rig.createVolume(uniq('pvc-gr'), 32, { source: { snapshot: { snapshot_id: s.snapshot_id } } });
    restored[s.source_volume_id] = rig.device(r.volume_id);
  }
  const ra = restored[a.volume_id] as string;
  const rb = restored[b.volume_id] as string;
  for (let round = 0; round < 3; round++) {
    assert.is(sha(await ddRead(ra, P, round)), sha(pattern(`a-${round}`, P)), `A round ${round}`);
    assert.is(sha(await ddRead(rb, P, round)), sha(pattern(`b-${round}`, P)), `B round ${round}`);
  }
  assert.is(sha(await ddRead(ra, P, 3)), sha(Buffer.alloc(P)), 'A has no round 3');
  assert.is(sha(await ddRead(rb, P, 3)), sha(Buffer.alloc(P)), 'B has no round 3');

  // Idempotent; the same name with another set of volumes is ALREADY_EXISTS.
  const again = await rig.group.CreateVolumeGroupSnapshot({ name, source_volume_ids: [b.volume_id, a.volume_id], parameters: {} });
  assert.equal(again.group_snapshot, g);
  assert.is(await code(rig.group.CreateVolumeGroupSnapshot({ name, source_volume_ids: [a.volume_id], parameters: {} })), 6);
  // A single CreateSnapshot cannot take a group's name.
  assert.is(await code(rig.controller.CreateSnapshot({ name, source_volume_id: a.volume_id, parameters: {} })), 6);

  // Get: the group; members are listed with their group id.
  const got = await rig.group.GetVolumeGroupSnapshot({ group_snapshot_id: g.group_snapshot_id, snapshot_ids: ids });
  assert.equal(got.group_snapshot, g);
  const listed = await rig.controller.ListSnapshots({ snapshot_id: ids[0] });
  assert.is(listed.entries[0].snapshot.group_snapshot_id, g.group_snapshot_id);

  // A snapshot outside the group named in Delete is FAILED_PRECONDITION.
  const lone = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: a.volume_id, parameters: {} })).snapshot;
  assert.is(await code(rig.group.DeleteVolumeGroupSnapshot({ group_snapshot_id: g.group_snapshot_id, snapshot_ids: [...ids, lone.snapshot_id] })), 9);

  await rig.group.DeleteVolumeGroupSnapshot({ group_snapshot_id: g.group_snapshot_id, snapshot_ids: ids });
  assert.equal((await rig.controller.ListSnapshots({ snapshot_id: ids[0] })).entries, []);
  assert.equal((await rig.controller.ListSnapshots({ snapshot_id: ids[1] })).entries, []);
  await rig.group.DeleteVolumeGroupSnapshot({ group_snapshot_id: g.group_snapshot_id, snapshot_ids: ids }); // idempotent
  assert.is(await code(rig.group.GetVolumeGroupSnapshot({ group_snapshot_id: g.group_snapshot_id, snapshot_ids: [] })), 5);
  // The restores outlive the group snapshot.
  assert.is(sha(await ddRead(ra, P, 1)), sha(pattern('a-1', P)));
});

test('group snapshot errors: missing source NOT_FOUND, bad arguments, remote types', async ({ rig }) => {
  const a = await rig.createVolume(uniq('pvc-ge'), 32);
  assert.is(await code(rig.group.CreateVolumeGroupSnapshot({ name: uniq('g'), source_volume_ids: [a.volume_id, 'pvc-missing'], parameters: {} })), 5);
  assert.equal(await rig.linstor.snapshots.list(a.volume_id), [], 'nothing taken when a member is missing');
  assert.is(await code(rig.group.CreateVolumeGroupSnapshot({ name: uniq('g'), source_volume_ids: [], parameters: {} })), 3);
  assert.is(await code(rig.group.CreateVolumeGroupSnapshot({ name: '', source_volume_ids: [a.volume_id], parameters: {} })), 3);
  assert.is(await code(rig.group.CreateVolumeGroupSnapshot({ name: uniq('g'), source_volume_ids: [a.volume_id, a.volume_id], parameters: {} })), 3);
  assert.is(
    await code(rig.group.CreateVolumeGroupSnapshot({ name: uniq('g'), source_volume_ids: [a.volume_id], parameters: { 'snap.linstor.csi.linbit.com/type': 'S3' } })),
    3,
  );
  await rig.group.DeleteVolumeGroupSnapshot({ group_snapshot_id: 'snapshot-unknown', snapshot_ids: [] });
  assert.is(await code(rig.group.GetVolumeGroupSnapshot({ group_snapshot_id: 'no such group!', snapshot_ids: [] })), 5);
});

test('a failed multi-snapshot action leaves no member behind', async ({ rig }) => {
  const a = await rig.createVolume(uniq('pvc-gf'), 32);
  const b = await rig.createVolume(uniq('pvc-gf'), 32);
  const name = uniq('g');
  await rig.emu.control.failNext({ method: 'POST', path: '/v1/actions/snapshot/multi' });
  assert.is(await code(rig.group.CreateVolumeGroupSnapshot({ name, source_volume_ids: [a.volume_id, b.volume_id], parameters: {} })), 13);
  assert.equal(await rig.linstor.snapshots.list(a.volume_id), []);
  assert.equal(await rig.linstor.snapshots.list(b.volume_id), []);
  const ok = await rig.group.CreateVolumeGroupSnapshot({ name, source_volume_ids: [a.volume_id, b.volume_id], parameters: {} });
  assert.ok(ok.group_snapshot.ready_to_use);
});

test.run();
