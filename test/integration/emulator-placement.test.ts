import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAIL_IN_USE, FAIL_NOT_ENOUGH_NODES, INFO_RSC_ALREADY_EXISTS, INFO_TIE_BREAKER_CREATED, MASK_CRT, MASK_RSC, makeRetCode, retCodeIs } from '../../src/linstor/apicallrc.js';
import { type TempEmulator, entries, retCode, tempEmulator } from '../helpers/emulator.js';

let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator({ nodes: ['n1', 'n2', 'n3', 'n4'], poolSize: 256 * 1024 * 1024 });
});
test.after(async () => {
  await emu.cleanup();
});

async function rd(name: string, sizeKib = 8192): Promise<void> {
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name } })).status, 201);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: sizeKib } })).status, 200);
}
interface R {
  node_name: string;
  flags?: string[];
  state?: { in_use: boolean };
}
async function rscs(name: string): Promise<R[]> {
  return (await emu.api('GET', `/v1/resource-definitions/${name}/resources`)).body as R[];
}

test('two replicas get an automatic tie-breaker and quorum majority', async () => {
  await rd('tb1');
  const r = await emu.api('POST', '/v1/resource-definitions/tb1/autoplace', { select_filter: { place_count: 2 } });
  assert.is(r.status, 201);
  assert.ok(entries(r).some((e) => e.ret_code === makeRetCode(INFO_TIE_BREAKER_CREATED, MASK_CRT, MASK_RSC)));
  const list = await rscs('tb1');
  assert.is(list.length, 3);
  const tb = list.filter((x) => x.flags?.includes('TIE_BREAKER'));
  assert.is(tb.length, 1);
  assert.equal(tb[0]?.flags, ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER']);
  const d = (await emu.api('GET', '/v1/resource-definitions/tb1')).body as { props: Record<string, string> };
  assert.is(d.props['DrbdOptions/Resource/quorum'], 'majority');
  // make-available on the tie-breaker node turns it into a normal diskless client
  const node = tb[0]?.node_name ?? '';
  const ma = await emu.api('POST', `/v1/resource-definitions/tb1/resources/${node}/make-available`, { diskful: false });
  assert.is(ma.status, 200);
  const after = (await rscs('tb1')).find((x) => x.node_name === node);
  assert.equal(after?.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  // make-available again: no-op
  const again = await emu.api('POST', `/v1/resource-definitions/tb1/resources/${node}/make-available`, {});
  assert.is(entries(again)[0]?.message, 'Resource already deployed as requested');
  // delete with keep_tiebreaker turns it back into a tie-breaker
  const del = await emu.api('DELETE', `/v1/resource-definitions/tb1/resources/${node}?keep_tiebreaker=true`);
  assert.is(del.status, 200);
  const back = (await rscs('tb1')).find((x) => x.node_name === node);
  assert.equal(back?.flags, ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER']);
});

test('already deployed, place_count too high, no space: real codes, nothing half-created', async () => {
  const again = await emu.api('POST', '/v1/resource-definitions/tb1/autoplace', { select_filter: { place_count: 2 } });
  assert.is(again.status, 201);
  assert.ok(entries(again)[0]?.message.includes('already deployed on 2 nodes'));
  await rd('big', 300 * 1024);
  const sp = await emu.api('POST', '/v1/resource-definitions/big/autoplace', { select_filter: { place_count: 2 } });
  assert.is(sp.status, 500);
  assert.ok(retCodeIs(retCode(sp) ?? 0n, FAIL_NOT_ENOUGH_NODES));
  assert.is(entries(sp)[0]?.message, 'Not enough available nodes');
  assert.equal(await rscs('big'), []);
  await rd('five');
  const many = await emu.api('POST', '/v1/resource-definitions/five/autoplace', { select_filter: { place_count: 5 } });
  assert.is(many.status, 500);
  assert.equal(await rscs('five'), []);
  const pool = await emu.api('POST', '/v1/resource-definitions/five/autoplace', { select_filter: { place_count: 1, storage_pool: 'nope-pool' } });
  assert.is(pool.status, 500);
});

test('replicas_on_different / replicas_on_same / node_name_list / not_place_with_rsc', async () => {
  for (const [n, zone] of [['n1', 'z1'], ['n2', 'z1'], ['n3', 'z2'], ['n4', 'z2']] as const) {
    assert.is((await emu.api('PUT', `/v1/nodes/${n}`, { override_props: { 'Aux/zone': zone } })).status, 200);
  }
  await rd('diff');
  const r = await emu.api('POST', '/v1/resource-definitions/diff/autoplace', { select_filter: { place_count: 2, replicas_on_different: ['Aux/zone'] } });
  assert.is(r.status, 201);
  const nodes = (await rscs('diff')).filter((x) => !x.flags?.includes('DISKLESS')).map((x) => x.node_name);
  const zones = new Set(nodes.map((n) => (n === 'n1' || n === 'n2' ? 'z1' : 'z2')));
  assert.is(zones.size, 2);
  await rd('same');
  const s = await emu.api('POST', '/v1/resource-definitions/same/autoplace', { select_filter: { place_count: 2, replicas_on_same: ['Aux/zone=z2'] } });
  assert.is(s.status, 201);
  assert.equal((await rscs('same')).filter((x) => !x.flags?.includes('DISKLESS')).map((x) => x.node_name).sort(), ['n3', 'n4']);
  await rd('three-diff');
  const t = await emu.api('POST', '/v1/resource-definitions/three-diff/autoplace', { select_filter: { place_count: 3, replicas_on_different: ['Aux/zone'] } });
  assert.is(t.status, 500, 'only two zones');
  await rd('pinned');
  const p = await emu.api('POST', '/v1/resource-definitions/pinned/autoplace', { select_filter: { place_count: 1, node_name_list: ['n2'] } });
  assert.is(p.status, 201);
  assert.equal((await rscs('pinned')).map((x) => x.node_name), ['n2']);
  await rd('apart');
  const a = await emu.api('POST', '/v1/resource-definitions/apart/autoplace', { select_filter: { place_count: 3, not_place_with_rsc: ['pinned'] } });
  assert.is(a.status, 201);
  assert.not.ok((await rscs('apart')).some((x) => x.node_name === 'n2' && !x.flags?.includes('DISKLESS')));
  await rd('xmap');
  const x = await emu.api('POST', '/v1/resource-definitions/xmap/autoplace', { select_filter: { place_count: 4, x_replicas_on_different_map: { 'Aux/zone': 2 } } });
  assert.is(x.status, 201);
  await rd('xmap2');
  const x2 = await emu.api('POST', '/v1/resource-definitions/xmap2/autoplace', { select_filter: { place_count: 3, x_replicas_on_different_map: { 'Aux/zone': 1 } } });
  assert.is(x2.status, 500);
});

test('offline nodes are never chosen; diskless_on_remaining; manual create', async () => {
  await emu.handle.control.setNodeOnline('n1', false);
  try {
    await rd('off');
    const r = await emu.api('POST', '/v1/resource-definitions/off/autoplace', { select_filter: { place_count: 3 } });
    assert.is(r.status, 201);
    assert.not.ok((await rscs('off')).some((x) => x.node_name === 'n1'));
    const four = await emu.api('POST', '/v1/resource-definitions/off/autoplace', { select_filter: { additional_place_count: 1 } });
    assert.is(four.status, 500);
  } finally {
    await emu.handle.control.setNodeOnline('n1', true);
  }
  await rd('rem');
  const rr = await emu.api('POST', '/v1/resource-definitions/rem/autoplace', { diskless_on_remaining: true, select_filter: { place_count: 2 } });
  assert.is(rr.status, 201);
  const all = await rscs('rem');
  assert.is(all.length, 4);
  assert.is(all.filter((x) => x.flags?.includes('TIE_BREAKER')).length, 0);
  await rd('manual');
  const c = await emu.api('POST', '/v1/resource-definitions/manual/resources/n1', { resource: { props: { StorPoolName: 'thin-pool' } } });
  assert.is(c.status, 201);
  const dup = await emu.api('POST', '/v1/resource-definitions/manual/resources/n1', { resource: { props: { StorPoolName: 'thin-pool' } } });
  assert.is(dup.status, 201);
  assert.is(retCode(dup), makeRetCode(INFO_RSC_ALREADY_EXISTS, MASK_CRT, MASK_RSC));
  const dl = await emu.api('POST', '/v1/resource-definitions/manual/resources/n2', { resource: { flags: ['DISKLESS'] } });
  assert.is(dl.status, 201);
  const client = (await rscs('manual')).find((x) => x.node_name === 'n2');
  assert.equal(client?.flags, ['DISKLESS', 'DRBD_DISKLESS']);
  const nn = await emu.api('POST', '/v1/resource-definitions/manual/resources/zz', {});
  assert.is(nn.status, 404);
  const np = await emu.api('POST', '/v1/resource-definitions/manual/resources/n3', { resource: { props: { StorPoolName: 'nope-pool' } } });
  assert.is(np.status, 404);
  const last = await emu.api('DELETE', '/v1/resource-definitions/manual/resources/n1');
  assert.is(last.status, 500, 'last diskful while a diskless client exists');
  assert.ok(retCodeIs(retCode(last) ?? 0n, FAIL_IN_USE));
});

test('in use: resource and RD delete refused with FAIL_IN_USE', async () => {
  const r = await emu.handle.control.drbd('n2', 'drbdadm', ['primary', 'pinned']);
  assert.is(r.code, 0, r.stderr);
  const list = await rscs('pinned');
  assert.is(list[0]?.state?.in_use, true);
  const d = await emu.api('DELETE', '/v1/resource-definitions/pinned/resources/n2');
  assert.is(d.status, 500);
  assert.is(entries(d)[0]?.message, "Resource 'pinned' is still in use.");
  const rdDel = await emu.api('DELETE', '/v1/resource-definitions/pinned');
  assert.is(rdDel.status, 500);
  assert.ok(retCodeIs(retCode(rdDel) ?? 0n, FAIL_IN_USE));
  await emu.handle.control.drbd('n2', 'drbdadm', ['secondary', 'pinned']);
  assert.is((await emu.api('DELETE', '/v1/resource-definitions/pinned')).status, 200);
});

test.run();
