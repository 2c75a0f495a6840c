/**
 * Snapshot RPCs over the real socket: capabilities, idempotency, ids (incl. legacy), listing
 * and paging, GetSnapshot, and the failure paths (missing source, remote types, bad token,
 * concurrent calls, injected failures, a FAILED snapshot left by LINSTOR, a FAILED clone).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MiB, startSnapRig, uniq, type SnapRig } from './snapshot-harness.js';

const test = suite<{ rig: SnapRig }>('snapshot RPCs');

test.before(async (ctx) => {
  ctx.rig = await startSnapRig();
});
test.after(async (ctx) => {
  await ctx.rig?.stop();
});

async function fails(p: Promise<unknown>, code: number, needle?: RegExp): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: { code: number; details: string }) => e,
  );
  assert.ok(err, `expected code ${code}, the call succeeded`);
  assert.is(err?.code, code, `expected code ${code}, got ${err?.code}: ${err?.details}`);
  if (needle) assert.match(err?.details ?? '', needle);
  return err?.details ?? '';
}

const snapReq = (name: string, source: string, parameters: Record<string, string> = {}) => ({ name, source_volume_id: source, parameters });

test('capabilities: controller and group controller', async ({ rig }) => {
  const caps = (await rig.controller.ControllerGetCapabilities({})).capabilities.map((c: { rpc: { type: string } }) => c.rpc.type);
  for (const c of ['CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME', 'GET_SNAPSHOT', 'CREATE_DELETE_VOLUME']) assert.ok(caps.includes(c), c);
  const g = (await rig.group.GroupControllerGetCapabilities({})).capabilities.map((c: { rpc: { type: string } }) => c.rpc.type);
  assert.equal(g, ['CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT']);
  const plugin = (await rig.drv.identity.GetPluginCapabilities?.({}))?.capabilities ?? [];
  assert.ok(JSON.stringify(plugin).includes('GROUP_CONTROLLER_SERVICE'), 'identity advertises the group controller');
});

test('CreateSnapshot is idempotent; same name with another source is ALREADY_EXISTS', async ({ rig }) => {
  const a = await rig.createVolume(uniq('pvc-idem'), 32);
  const b = await rig.createVolume(uniq('pvc-idem'), 32);
  const name = uniq('snapshot');
  const s1 = (await rig.controller.CreateSnapshot(snapReq(name, a.volume_id))).snapshot;
  const s2 = (await rig.controller.CreateSnapshot(snapReq(name, a.volume_id))).snapshot;
  assert.equal(s2, s1);
  assert.ok(s1.ready_to_use);
  assert.is(s1.snapshot_id, `InCluster:///${a.volume_id}/${name}`);
  // creation_time comes from LINSTOR's create_timestamp.
  const ls = await rig.linstor.snapshots.get(a.volume_id, name);
  const ts = ls.snapshots?.[0]?.create_timestamp as number;
  assert.is(Number(s1.creation_time.seconds), Math.floor(ts / 1000));
  assert.is(s1.creation_time.nanos, (ts % 1000) * 1e6);
  assert.is(ls.snapshot_definition_props?.['Aux/csi-snapshot-name'], name);
  await fails(rig.controller.CreateSnapshot(snapReq(name, b.volume_id)), 6, new RegExp(a.volume_id));
  // A CSI name that is not a LINSTOR name maps to a stable snapshot-<uuid> name.
  const odd = `my.snapshot/${uniq('x')}`;
  const o1 = (await rig.controller.CreateSnapshot(snapReq(odd, a.volume_id))).snapshot;
  const o2 = (await rig.controller.CreateSnapshot(snapReq(odd, a.volume_id))).snapshot;
  assert.is(o1.snapshot_id, o2.snapshot_id);
  assert.match(o1.snapshot_id, /^InCluster:\/\/\/pvc-idem-[a-z0-9]+\/snapshot-[0-9a-f-]{36}$/);
});

test('missing source is NOT_FOUND; missing snapshot or clone source is NOT_FOUND for CreateVolume', async ({ rig }) => {
  await fails(rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), 'pvc-does-not-exist')), 5);
  await fails(rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), 'not a volume id!')), 5);
  await fails(rig.controller.CreateSnapshot(snapReq('', 'x')), 3, /name/);
  await fails(rig.controller.CreateSnapshot(snapReq('x', '')), 3, /source_volume_id/);
  await fails(rig.createVolume(uniq('pvc-r'), 32, { source: { snapshot: { snapshot_id: 'InCluster:///pvc-nope/snapshot-nope' } } }), 5);
  await fails(rig.createVolume(uniq('pvc-r'), 32, { source: { snapshot: { snapshot_id: 'snapshot-legacy-nope' } } }), 5);
  await fails(rig.createVolume(uniq('pvc-r'), 32, { source: { volume: { volume_id: 'pvc-nope' } } }), 5);
  // Nothing was left behind by the refused restores.
  const rds = (await rig.linstor.resourceDefinitions.list()).filter((r) => r.name.startsWith('pvc-r-'));
  assert.equal(rds, []);
  // A deleted (hidden) source cannot be snapshotted again.
  const v = await rig.createVolume(uniq('pvc-hid'), 32);
  const s = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  await rig.controller.DeleteVolume({ volume_id: v.volume_id });
  await fails(rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id)), 5);
  await rig.controller.DeleteSnapshot({ snapshot_id: s.snapshot_id });
});

test('S3 and Linstor snapshot classes are INVALID_ARGUMENT (not supported yet); InCluster works', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-type'), 32);
  await fails(rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id, { 'snap.linstor.csi.linbit.com/type': 'S3', 'snap.linstor.csi.linbit.com/remote-name': 'r' })), 3, /S3.*not supported yet/);
  await fails(rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id, { 'snap.linstor.csi.linbit.com/type': 'Linstor' })), 3, /Linstor.*not supported yet/);
  await fails(rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id, { 'snap.linstor.csi.linbit.com/type': 'tape' })), 3);
  const ok = await rig.controller.CreateSnapshot(
    snapReq(uniq('snapshot'), v.volume_id, {
      'snap.linstor.csi.linbit.com/type': 'incluster',
      'csi.storage.k8s.io/volumesnapshot/name': 'before-upgrade',
      'csi.storage.k8s.io/volumesnapshot/namespace': 'prod',
    }),
  );
  assert.ok(ok.snapshot.ready_to_use);
  const [, , , rd, name] = ok.snapshot.snapshot_id.split('/');
  const ls = await rig.linstor.snapshots.get(rd, name);
  assert.is(ls.snapshot_definition_props?.['Aux/csi.storage.k8s.io/volumesnapshot/name'], 'before-upgrade');
  // Remote snapshot ids are refused where they would need a remote.
  await fails(rig.createVolume(uniq('pvc-s3'), 32, { source: { snapshot: { snapshot_id: `S3://bucket/${v.volume_id}/snap-a` } } }), 3, /not supported yet/);
  await fails(rig.controller.DeleteSnapshot({ snapshot_id: `S3://bucket/${v.volume_id}/snap-a` }), 3);
});

test('ListSnapshots: by id (incl. legacy ids), by source, all, with paging; GetSnapshot', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-list'), 32);
  const w = await rig.createVolume(uniq('pvc-list'), 32);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await rig.controller.CreateSnapshot(snapReq(uniq(`snapshot-${i}`), v.volume_id))).snapshot.snapshot_id);
  const other = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot-w'), w.volume_id))).snapshot.snapshot_id;

  const byId = await rig.controller.ListSnapshots({ snapshot_id: ids[2] });
  assert.equal(byId.entries.map((e: { snapshot: { snapshot_id: string } }) => e.snapshot.snapshot_id), [ids[2]]);
  // Legacy id (bare LINSTOR snapshot name) and a lower-case scheme find the same snapshot.
  const bare = (ids[2] as string).split('/').pop() as string;
  const legacy = await rig.controller.ListSnapshots({ snapshot_id: bare });
  assert.equal(legacy.entries.map((e: { snapshot: { snapshot_id: string } }) => e.snapshot.snapshot_id), [ids[2]]);
  const lower = await rig.controller.ListSnapshots({ snapshot_id: (ids[2] as string).replace('InCluster', 'incluster') });
  assert.is(lower.entries.length, 1);
  assert.equal((await rig.controller.ListSnapshots({ snapshot_id: 'InCluster:///pvc-nope/snapshot-nope' })).entries, []);
  assert.equal((await rig.controller.ListSnapshots({ snapshot_id: 'garbage id!' })).entries, []);
  assert.equal((await rig.controller.ListSnapshots({ snapshot_id: ids[2], source_volume_id: w.volume_id })).entries, []);

  const bySource = await rig.controller.ListSnapshots({ source_volume_id: v.volume_id });
  assert.equal(bySource.entries.map((e: { snapshot: { snapshot_id: string } }) => e.snapshot.snapshot_id).sort(), [...ids].sort());
  assert.equal((await rig.controller.ListSnapshots({ source_volume_id: 'pvc-nope' })).entries, []);

  // Paging through everything, 2 at a time: every snapshot once.
  const seen: string[] = [];
  let token = '';
  let pages = 0;
  do {
    const page = await rig.controller.ListSnapshots({ max_entries: 2, starting_token: token });
    assert.ok(page.entries.length <= 2);
    seen.push(...page.entries.map((e: { snapshot: { snapshot_id: string } }) => e.snapshot.snapshot_id));
    token = page.next_token;
    pages++;
  } while (token !== '' && pages < 100);
  for (const id of [...ids, other]) assert.ok(seen.includes(id), id);
  assert.is(new Set(seen).size, seen.length, 'no snapshot twice');
  const limited = await rig.controller.ListSnapshots({ source_volume_id: v.volume_id, max_entries: 3 });
  assert.is(limited.entries.length, 3);
  assert.ok(limited.next_token !== '');
  await fails(rig.controller.ListSnapshots({ starting_token: 'not-a-token' }), 10);
  await fails(rig.controller.ListSnapshots({ source_volume_id: v.volume_id, starting_token: 'Zm9v' }), 10);

  const got = await rig.controller.GetSnapshot({ snapshot_id: ids[0] });
  assert.is(got.snapshot.snapshot_id, ids[0]);
  assert.ok(got.snapshot.ready_to_use);
  await fails(rig.controller.GetSnapshot({ snapshot_id: 'InCluster:///pvc-nope/snapshot-nope' }), 5);

  // DeleteSnapshot: by id, again (OK), unknown and legacy ids.
  await rig.controller.DeleteSnapshot({ snapshot_id: ids[0] });
  await rig.controller.DeleteSnapshot({ snapshot_id: ids[0] });
  await rig.controller.DeleteSnapshot({ snapshot_id: 'InCluster:///pvc-nope/snapshot-nope' });
  await rig.controller.DeleteSnapshot({ snapshot_id: 'whatever id' });
  await rig.controller.DeleteSnapshot({ snapshot_id: (ids[1] as string).split('/').pop() });
  const left = (await rig.controller.ListSnapshots({ source_volume_id: v.volume_id })).entries.length;
  assert.is(left, 3);
  await fails(rig.controller.DeleteSnapshot({ snapshot_id: '' }), 3);
});

test('a concurrent CreateSnapshot on the same name is ABORTED', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-conc'), 32);
  const name = uniq('snapshot');
  await rig.emu.control.setLatency(600, { method: 'POST', path: '/snapshots$' });
  try {
    const first = rig.controller.CreateSnapshot(snapReq(name, v.volume_id));
    await new Promise((r) => setTimeout(r, 150));
    await fails(rig.controller.CreateSnapshot(snapReq(name, v.volume_id)), 10);
    await fails(rig.controller.DeleteSnapshot({ snapshot_id: `InCluster:///${v.volume_id}/${name}` }), 10);
    assert.ok((await first).snapshot.ready_to_use);
  } finally {
    await rig.emu.control.clearLatency();
  }
});

test('a failed LINSTOR snapshot request leaves nothing behind; the retry succeeds', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-fail'), 32);
  const name = uniq('snapshot');
  await rig.emu.control.failNext({ method: 'POST', path: `/resource-definitions/${v.volume_id}/snapshots$` });
  const msg = await fails(rig.controller.CreateSnapshot(snapReq(name, v.volume_id)), 13);
  assert.ok(!/\n\s+at /.test(msg), 'no stack in the message');
  assert.equal(await rig.linstor.snapshots.list(v.volume_id), []);
  assert.equal((await rig.controller.ListSnapshots({ source_volume_id: v.volume_id })).entries, []);
  const ok = await rig.controller.CreateSnapshot(snapReq(name, v.volume_id));
  assert.ok(ok.snapshot.ready_to_use);
});

test('a snapshot LINSTOR marked FAILED is never ready: reported as not ready, then replaced', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-failed'), 32);
  const name = uniq('snapshot');
  const made = (await rig.controller.CreateSnapshot(snapReq(name, v.volume_id))).snapshot;
  const uuidBefore = (await rig.linstor.snapshots.get(v.volume_id, name)).uuid;
  // Make LINSTOR's record say the snapshot failed (as after a satellite error).
  await rig.restartEmulator((state) => {
    const snaps = state['snapshots'] as { name: string; flags: string[] }[];
    const s = snaps.find((x) => x.name === name);
    if (!s) throw new Error('snapshot not in state.json');
    s.flags = ['FAILED_DEPLOYMENT'];
  });
  const got = await rig.controller.GetSnapshot({ snapshot_id: made.snapshot_id });
  assert.is(got.snapshot.ready_to_use, false);
  const listed = (await rig.controller.ListSnapshots({ snapshot_id: made.snapshot_id })).entries;
  assert.is(listed[0]?.snapshot.ready_to_use, false);
  await fails(rig.createVolume(uniq('pvc-r'), 32, { source: { snapshot: { snapshot_id: made.snapshot_id } } }), 9, /failed/);
  // The CO's retry of CreateSnapshot replaces the failed snapshot with a good one.
  const again = (await rig.controller.CreateSnapshot(snapReq(name, v.volume_id))).snapshot;
  assert.ok(again.ready_to_use);
  assert.is(again.snapshot_id, made.snapshot_id);
  const after = await rig.linstor.snapshots.get(v.volume_id, name);
  assert.is.not(after.uuid, uuidBefore, 'a new LINSTOR snapshot');
  assert.ok(after.flags?.includes('SUCCESSFUL'));
});

test('a clone LINSTOR reports FAILED is a clear error and is removed', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-cf'), 32);
  const holder = (await rig.linstor.resources.view({ resources: [src.volume_id] }))[0]?.node_name as string;
  const target = uniq('pvc-cft');
  await rig.emu.control.setLatency(800, { method: 'GET', path: '/clone/' });
  try {
    const p = rig.createVolume(target, 32, { source: { volume: { volume_id: src.volume_id } } });
    // While the first status poll is on its way, the node holding the clone goes offline.
    for (let i = 0; i < 50; i++) {
      const log = await rig.emu.control.requestLog();
      if (log.some((e) => e.method === 'POST' && e.path.endsWith('/clone'))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await rig.emu.control.setNodeOnline(holder, false);
    await fails(p, 13, /FAILED/);
  } finally {
    await rig.emu.control.clearLatency();
    await rig.emu.control.setNodeOnline(holder, true);
  }
  for (let i = 0; i < 50; i++) {
    const rds = (await rig.linstor.resourceDefinitions.list({ resourceDefinitions: [target] })).filter((r) => r.name === target);
    if (rds.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await rig.linstor.resourceDefinitions.list({ resourceDefinitions: [target] })).filter((r) => r.name === target), []);
  // Once the node is back, the retry clones.
  const ok = await rig.createVolume(target, 32, { source: { volume: { volume_id: src.volume_id } } });
  assert.is(ok.volume_id, target);
});

test('CreateVolume from a snapshot is idempotent; another source for the same name is ALREADY_EXISTS', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-ri'), 32);
  const s1 = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  const s2 = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  const name = uniq('pvc-rt');
  const a = await rig.createVolume(name, 32, { source: { snapshot: { snapshot_id: s1.snapshot_id } } });
  const b = await rig.createVolume(name, 32, { source: { snapshot: { snapshot_id: s1.snapshot_id } } });
  assert.equal(b, a);
  await fails(rig.createVolume(name, 32, { source: { snapshot: { snapshot_id: s2.snapshot_id } } }), 6, /content source/);
  await fails(rig.createVolume(name, 32), 6, /content source/);
  assert.is(Number(a.capacity_bytes), 32 * MiB);
});

test('an interrupted restore (RD left unfinished) is redone by the retry', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-int'), 32);
  const s = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  const name = uniq('pvc-intr');
  // Simulate a controller that died after creating the target RD.
  const rg = (await rig.linstor.resourceDefinitions.get(v.volume_id)).resource_group_name as string;
  await rig.linstor.resourceDefinitions.create({
    resource_definition: {
      name,
      resource_group_name: rg,
      props: { 'Aux/csi-volume-name': name, 'Aux/csi-content-source': `snapshot:${s.snapshot_id}`, 'Aux/csi-volume-mode': 'block' },
    },
  });
  const r = await rig.createVolume(name, 32, { source: { snapshot: { snapshot_id: s.snapshot_id } } });
  assert.is(r.volume_id, name);
  const rd = await rig.linstor.resourceDefinitions.get(name);
  assert.ok(rd.props?.['Aux/csi-provisioning-completed-by']);
  assert.is((await rig.linstor.volumeDefinitions.list(name)).length, 1);
});

const rdExists = async (rig: SnapRig, rd: string): Promise<boolean> =>
  (await rig.linstor.resourceDefinitions.list({ resourceDefinitions: [rd] })).some((r) => r.name === rd);

test('a DeleteVolume interrupted while hiding a volume with snapshots is finished by its retry', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-hid'), 32);
  const s = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  // The RD is marked hidden, then removing its replicas fails.
  await rig.emu.control.failNext({ method: 'DELETE', path: `^/v1/resource-definitions/${v.volume_id}/resources/` });
  await fails(rig.controller.DeleteVolume({ volume_id: v.volume_id }), 13, /Injected/);
  assert.is((await rig.linstor.resourceDefinitions.get(v.volume_id)).props?.['Aux/csi-volume-deleted'], 'true');
  assert.ok((await rig.linstor.resources.view({ resources: [v.volume_id] })).length > 0, 'replicas left by the failed attempt');
  await rig.controller.DeleteVolume({ volume_id: v.volume_id });
  assert.equal(await rig.linstor.resources.view({ resources: [v.volume_id] }), [], 'the retry removed the replicas');
  assert.equal(await rig.linstor.volumeDefinitions.list(v.volume_id), []);
  // The snapshot still restores; deleting it removes the hidden RD.
  const r = await rig.createVolume(uniq('pvc-hidr'), 32, { source: { snapshot: { snapshot_id: s.snapshot_id } } });
  assert.ok(r.volume_id);
  await rig.controller.DeleteSnapshot({ snapshot_id: s.snapshot_id });
  assert.not.ok(await rdExists(rig, v.volume_id));
});

test('a DeleteSnapshot whose hidden-volume cleanup failed finishes it on retry', async ({ rig }) => {
  // A parameter set of its own, so its generated group has no other volume.
  const v = await rig.createVolume(uniq('pvc-hds'), 32, { params: { 'property.linstor.csi.linbit.com/Aux/test-case': uniq('hds') } });
  const rg = (await rig.linstor.resourceDefinitions.get(v.volume_id)).resource_group_name as string;
  const s = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  await rig.controller.DeleteVolume({ volume_id: v.volume_id });
  assert.ok(await rdExists(rig, v.volume_id), 'kept hidden for its snapshot');
  // The snapshot goes, then removing the hidden RD fails.
  await rig.emu.control.failNext({ method: 'DELETE', path: `^/v1/resource-definitions/${v.volume_id}$` });
  await fails(rig.controller.DeleteSnapshot({ snapshot_id: s.snapshot_id }), 13, /Injected/);
  assert.equal(await rig.linstor.snapshots.list(v.volume_id), []);
  assert.ok(await rdExists(rig, v.volume_id));
  // The snapshotter retries: the snapshot is gone, the RD and its generated group go now.
  await rig.controller.DeleteSnapshot({ snapshot_id: s.snapshot_id });
  assert.not.ok(await rdExists(rig, v.volume_id));
  assert.not.ok((await rig.linstor.resourceGroups.list()).some((g) => g.name === rg), `group ${rg} removed`);
});

test('DeleteSnapshot of a live volume\'s snapshot is one LINSTOR request; a retry is OK', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-one'), 32);
  const s = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  // The first DeleteSnapshot of the process also reads which volumes are hidden.
  await rig.controller.DeleteSnapshot({ snapshot_id: s.snapshot_id });
  const s2 = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  await rig.emu.control.clearRequestLog();
  await rig.controller.DeleteSnapshot({ snapshot_id: s2.snapshot_id });
  const calls = (await rig.emu.control.requestLog()).filter((e) => e.path.startsWith('/v1/'));
  assert.equal(calls.map((e) => `${e.method} ${e.path}`), [`DELETE /v1/resource-definitions/${v.volume_id}/snapshots/${s2.snapshot_id.split('/').pop() as string}`]);
  assert.equal(await rig.linstor.snapshots.list(v.volume_id), []);
  await rig.controller.DeleteSnapshot({ snapshot_id: s2.snapshot_id });
  assert.ok(await rdExists(rig, v.volume_id), 'a live volume stays');
});

test.run();

const go = suite<{ rig: SnapRig }>('snapshot RPCs: volumes the Go driver left');
go.before(async (ctx) => {
  ctx.rig = await startSnapRig();
});
go.after(async (ctx) => {
  await ctx.rig?.stop();
});

go('the empty RD the Go driver leaves for a deleted PVC with snapshots goes with its last snapshot', async ({ rig }) => {
  const v = await rig.createVolume(uniq('pvc-go'), 32);
  const s = (await rig.controller.CreateSnapshot(snapReq(uniq('snapshot'), v.volume_id))).snapshot;
  // What linstor-csi (Go) DeleteVolume does when snapshots exist: resources and VDs go, the RD stays
  // as it is. Done before this driver's first DeleteSnapshot, as after a migration from the Go driver.
  for (const r of await rig.linstor.resources.view({ resources: [v.volume_id] })) await rig.linstor.resources.delete(v.volume_id, r.node_name);
  await rig.linstor.volumeDefinitions.delete(v.volume_id, 0);
  assert.ok(await rdExists(rig, v.volume_id));
  await rig.controller.DeleteSnapshot({ snapshot_id: s.snapshot_id });
  assert.not.ok(await rdExists(rig, v.volume_id), 'removed with its last snapshot, as the Go driver does');
});

go.run();
