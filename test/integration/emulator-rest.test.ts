import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FAIL_EXISTS_RSC_DFN,
  FAIL_INVLD_PROP,
  FAIL_INVLD_RSC_NAME,
  FAIL_NOT_FOUND_RSC_GRP,
  MASK_CRT,
  MASK_RSC_DFN,
  WARN_NOT_FOUND,
  makeRetCode,
  retCodeIs,
} from '../../src/linstor/apicallrc.js';
import { type TempEmulator, entries, retCode, tempEmulator } from '../helpers/emulator.js';

let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator();
});
test.after(async () => {
  await emu.cleanup();
});

test('controller version and health', async () => {
  const v = await emu.api('GET', '/v1/controller/version');
  assert.is(v.status, 200);
  assert.ok(String((v.body as { rest_api_version: string }).rest_api_version).startsWith('1.'));
  const h = await emu.api('GET', '/health');
  assert.is(h.status, 200);
  assert.is(h.text, '');
});

test('RD create 201 with exact ret_code; duplicate is 500 FAIL_EXISTS_RSC_DFN', async () => {
  const c = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'Pvc-Rest1' } });
  assert.is(c.status, 201);
  assert.is(retCode(c), 20447233n);
  assert.is(entries(c)[0]?.message, "New resource definition 'Pvc-Rest1' created.");
  const d = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'pvc-rest1' } });
  assert.is(d.status, 500);
  assert.is(retCode(d), -4611686018406940171n);
  assert.ok(d.text.includes('-4611686018406940171'));
  assert.ok(retCodeIs(retCode(d) ?? 0n, FAIL_EXISTS_RSC_DFN));
  // case-insensitive lookup, display case kept; no volume_definitions on the single GET
  const g = await emu.api('GET', '/v1/resource-definitions/PVC-REST1');
  assert.is(g.status, 200);
  const rd = g.body as Record<string, unknown>;
  assert.is(rd['name'], 'Pvc-Rest1');
  assert.is(rd['resource_group_name'], 'DfltRscGrp');
  assert.not.ok('props' in rd, 'empty props are omitted');
  assert.not.ok('volume_definitions' in rd);
  assert.not.ok('flags' in rd);
});

test('not found, invalid names, bad JSON, unknown path', async () => {
  const g = await emu.api('GET', '/v1/resource-definitions/nope-x');
  assert.is(g.status, 404);
  assert.is(retCode(g), -4611686018427387603n);
  assert.is(entries(g)[0]?.message, "Resource definition 'nope-x' not found.");
  const bad = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: '1abc' } });
  assert.is(bad.status, 500);
  assert.is(retCode(bad), makeRetCode(FAIL_INVLD_RSC_NAME, MASK_CRT, MASK_RSC_DFN));
  for (const name of ['a', 'all', 'x'.repeat(49), 'has space']) {
    const r = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name } });
    assert.is(r.status, 500, name);
  }
  const p = await emu.api('POST', '/v1/resource-definitions', undefined, '{not json');
  assert.is(p.status, 400);
  assert.is(entries(p)[0]?.message, 'Unable to parse input json.');
  const u = await emu.api('GET', '/v1/nothing-here');
  assert.is(u.status, 404);
  assert.is(entries(u)[0]?.message, "Path '/v1/nothing-here' not found on server.");
  const rg = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'rg-missing', resource_group_name: 'nope' } });
  assert.is(rg.status, 404);
  assert.ok(retCodeIs(retCode(rg) ?? 0n, FAIL_NOT_FOUND_RSC_GRP));
  const list = await emu.api('GET', '/v1/resource-definitions?resource_definitions=rg-missing');
  assert.equal(list.body, [], 'nothing half-created');
});

test('idempotent deletes answer 200 + WARN_NOT_FOUND', async () => {
  const r = await emu.api('DELETE', '/v1/resource-definitions/ghost/resources/node-a');
  assert.is(r.status, 200);
  assert.is(retCode(r), -9223372036801033288n);
  assert.is(entries(r)[0]?.message, 'Node: node-a, Resource: ghost not found.');
  const d = await emu.api('DELETE', '/v1/resource-definitions/ghost');
  assert.is(d.status, 200);
  assert.ok(retCodeIs(retCode(d) ?? 0n, WARN_NOT_FOUND));
  const s = await emu.api('DELETE', '/v1/resource-definitions/ghost/snapshots/s1');
  assert.is(s.status, 200);
  assert.ok(retCodeIs(retCode(s) ?? 0n, WARN_NOT_FOUND));
  const l = await emu.api('GET', '/v1/resource-definitions/ghost/resources');
  assert.is(l.status, 404);
});

test('VD create is 200 (double space message); resize rules', async () => {
  await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'vd-test' } });
  const v = await emu.api('POST', '/v1/resource-definitions/vd-test/volume-definitions', { volume_definition: { size_kib: 4096 } });
  assert.is(v.status, 200);
  assert.is(entries(v)[0]?.message, "Volume definition with number '0' successfully  created in resource definition 'vd-test'.");
  const dup = await emu.api('POST', '/v1/resource-definitions/vd-test/volume-definitions', { volume_definition: { volume_number: 0, size_kib: 4096 } });
  assert.is(dup.status, 500);
  const zero = await emu.api('POST', '/v1/resource-definitions/vd-test/volume-definitions', { volume_definition: { size_kib: 0 } });
  assert.is(zero.status, 500);
  const shrink = await emu.api('PUT', '/v1/resource-definitions/vd-test/volume-definitions/0', { size_kib: 1024 });
  assert.is(shrink.status, 500);
  const same = await emu.api('PUT', '/v1/resource-definitions/vd-test/volume-definitions/0', { size_kib: 4096 });
  assert.is(same.status, 200);
  const one = await emu.api('GET', '/v1/resource-definitions/vd-test/volume-definitions/0');
  assert.is((one.body as { size_kib: number }).size_kib, 4096);
  const layer = (one.body as { layer_data: { type: string; data?: { minor_number?: number } }[] }).layer_data;
  assert.ok((layer[0]?.data?.minor_number ?? 0) >= 1000);
  const missing = await emu.api('GET', '/v1/resource-definitions/vd-test/volume-definitions/7');
  assert.is(missing.status, 404);
  const withVds = await emu.api('GET', '/v1/resource-definitions?resource_definitions=vd-test&with_volume_definitions=true');
  assert.is((withVds.body as { volume_definitions: unknown[] }[])[0]?.volume_definitions.length, 1);
});

test('props: whitelist, filter, limit/offset, repeated params', async () => {
  const bad = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'p-bad', props: { 'Foo/bar': 'x' } } });
  assert.is(bad.status, 500);
  assert.ok(retCodeIs(retCode(bad) ?? 0n, FAIL_INVLD_PROP));
  assert.is(entries(bad)[0]?.message, 'Invalid property key: Foo/bar');
  const badVal = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'p-bad2', props: { 'DrbdOptions/Net/protocol': 'D' } } });
  assert.is(badVal.status, 500);
  for (const n of ['p-one', 'p-two', 'p-three']) {
    const r = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: n, props: { 'Aux/team': n === 'p-three' ? 'b' : 'a' } } });
    assert.is(r.status, 201);
  }
  const f = await emu.api('GET', '/v1/resource-definitions?props=Aux/team=a');
  assert.equal((f.body as { name: string }[]).map((x) => x.name).sort(), ['p-one', 'p-two']);
  const k = await emu.api('GET', '/v1/resource-definitions?props=Aux/team');
  assert.is((k.body as unknown[]).length, 3);
  const rep = await emu.api('GET', '/v1/resource-definitions?resource_definitions=p-one&resource_definitions=p-three');
  assert.is((rep.body as unknown[]).length, 2);
  const pg = await emu.api('GET', '/v1/resource-definitions?props=Aux/team&limit=1&offset=1');
  assert.is((pg.body as unknown[]).length, 1);
  const mod = await emu.api('PUT', '/v1/resource-definitions/p-one', { override_props: { 'Aux/x': '1' }, delete_props: ['Aux/team'] });
  assert.is(mod.status, 200);
  const got = await emu.api('GET', '/v1/resource-definitions/p-one');
  assert.equal((got.body as { props: Record<string, string> }).props, { 'Aux/x': '1' });
  const nodes = await emu.api('GET', '/v1/nodes?nodes=node-a&nodes=NODE-B');
  assert.equal((nodes.body as { name: string }[]).map((n) => n.name), ['node-a', 'node-b']);
  const n = (nodes.body as { props: Record<string, string>; connection_status: string; type: string }[])[0];
  assert.is(n?.props['Aux/topology/kubernetes.io/hostname'], 'node-a');
  assert.is(n?.connection_status, 'ONLINE');
  assert.is(n?.type, 'SATELLITE');
  const nm = await emu.api('GET', '/v1/nodes/node-x');
  assert.is(nm.status, 404);
});

test('storage pools: cached view, per node, diskless Long.MAX', async () => {
  const v = await emu.api('GET', '/v1/view/storage-pools?cached=true&storage_pools=thin-pool');
  const list = v.body as { node_name: string; free_capacity: number; total_capacity: number; provider_kind: string }[];
  assert.is(list.length, 3);
  assert.is(list[0]?.provider_kind, 'LVM_THIN');
  assert.is(list[0]?.total_capacity, 2 * 1024 * 1024);
  const one = await emu.api('GET', '/v1/nodes/node-a/storage-pools/DfltDisklessStorPool');
  assert.ok(one.text.includes('"free_capacity":9223372036854775807'));
  const missing = await emu.api('GET', '/v1/nodes/node-a/storage-pools/nope');
  assert.is(missing.status, 404);
  const nn = await emu.api('GET', '/v1/nodes/zz/storage-pools');
  assert.is(nn.status, 404);
});

test('resource groups: create, props via PUT, spawn, query-size-info, delete in use', async () => {
  const c = await emu.api('POST', '/v1/resource-groups', { name: 'sc-rg', select_filter: { place_count: 2, storage_pool: 'thin-pool' }, props: { 'Aux/ignored': 'x' } });
  assert.is(c.status, 201);
  const dup = await emu.api('POST', '/v1/resource-groups', { name: 'SC-RG' });
  assert.is(dup.status, 500);
  const got = await emu.api('GET', '/v1/resource-groups/sc-rg');
  const g = got.body as { props?: unknown; select_filter: { place_count: number; storage_pool: string } };
  assert.is(g.props, undefined, 'create ignores props');
  assert.is(g.select_filter.storage_pool, 'thin-pool');
  const m = await emu.api('PUT', '/v1/resource-groups/sc-rg', { override_props: { 'DrbdOptions/Net/protocol': 'C' } });
  assert.is(m.status, 200);
  const q = await emu.api('POST', '/v1/resource-groups/sc-rg/query-size-info', {});
  assert.is(q.status, 200);
  assert.is((q.body as { space_info: { max_vlm_size_in_kib: number } }).space_info.max_vlm_size_in_kib, 2 * 1024 * 1024);
  const s = await emu.api('POST', '/v1/resource-groups/sc-rg/spawn', { resource_definition_name: 'spawned', volume_sizes: [8192] });
  assert.is(s.status, 201, s.text);
  const view = await emu.api('GET', '/v1/view/resources?resources=spawned');
  assert.is((view.body as unknown[]).length, 3, 'two replicas plus tie-breaker');
  const del = await emu.api('DELETE', '/v1/resource-groups/sc-rg');
  assert.is(del.status, 500);
  const rd = await emu.api('DELETE', '/v1/resource-definitions/spawned');
  assert.is(rd.status, 200);
  const del2 = await emu.api('DELETE', '/v1/resource-groups/sc-rg');
  assert.is(del2.status, 200);
});

test.run();
