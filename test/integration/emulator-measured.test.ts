import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FAIL_EXISTS_RSC_DFN,
  FAIL_INVLD_PROP,
  FAIL_NOT_FOUND_KVS,
  FAIL_NOT_FOUND_NODE,
  FAIL_NOT_FOUND_SNAPSHOT,
  MASK_CRT,
  MASK_RSC_GRP,
  MASK_SNAPSHOT,
  MODIFIED,
  WARN_NOT_FOUND,
  codeOf,
  isSuccess,
  objOf,
  opOf,
  retCodeIs,
} from '../../src/linstor/apicallrc.js';
import { type ApiReply, type TempEmulator, entries, tempEmulator } from '../helpers/emulator.js';

// Each difference issue 13 measured between the emulator and a real LINSTOR 1.33.1 controller
// (REST API 1.28.0): the real server's status, field set, ret_code bits and message.
let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator();
});
test.after(async () => {
  await emu.cleanup();
});

const messages = (r: ApiReply): string[] => entries(r).map((e) => e.message);
const find = (r: ApiReply, re: RegExp) => entries(r).find((e) => re.test(e.message));

async function rdWithVolume(name: string, kib = 4096): Promise<void> {
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name } })).status, 201);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: kib } })).status, 200);
}

test('whitelist: RD keys as properties.json says, controller-only keys refused with the real cause', async () => {
  await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'wl' } });
  const okKeys = { BalanceResourcesEnabled: 'false', 'DrbdOptions/SkipDisk': 'True', 'FileSystem/User': 'root', 'AutoSnapshot/Keep': '10', 'sys/fs/blkio_throttle_read': '1048576' };
  const ok = await emu.api('PUT', '/v1/resource-definitions/wl', { override_props: okKeys });
  assert.is(ok.status, 200, ok.text);
  for (const key of ['MaxOversubscriptionRatio', 'TcpPortAutoRange', 'Sys/Fs/blkio_throttle_read']) {
    const bad = await emu.api('PUT', '/v1/resource-definitions/wl', { override_props: { [key]: '2' } });
    assert.is(bad.status, 500, key);
    const e = entries(bad)[0];
    assert.ok(retCodeIs(e?.ret_code ?? 0n, FAIL_INVLD_PROP), key);
    assert.is(e?.message, `Invalid property key: ${key}`);
    assert.is((e as { cause?: string } | undefined)?.cause, `The key '${key}' is not whitelisted.`);
  }
  const badValue = await emu.api('PUT', '/v1/resource-definitions/wl', { override_props: { 'DrbdOptions/SkipDisk': 'yes' } });
  assert.is(badValue.status, 500);
  assert.ok(retCodeIs(entries(badValue)[0]?.ret_code ?? 0n, FAIL_INVLD_PROP));
});

test('endpoints: remotes, key-value store, error reports, volume groups', async () => {
  const remotes = await emu.api('GET', '/v1/remotes');
  assert.is(remotes.status, 200);
  assert.is(remotes.text, '{}');
  for (const path of ['/v1/remotes/s3', '/v1/key-value-store', '/v1/error-reports']) {
    const r = await emu.api('GET', path);
    assert.is(r.status, 200, path);
    assert.is(r.text, '[]', path);
  }
  const kvs = await emu.api('GET', '/v1/key-value-store/nope');
  assert.is(kvs.status, 404);
  assert.ok(retCodeIs(entries(kvs)[0]?.ret_code ?? 0n, FAIL_NOT_FOUND_KVS));
  assert.match(entries(kvs)[0]?.message ?? '', /^Could not find key value store instance/);
  const vg0 = await emu.api('GET', '/v1/resource-groups/DfltRscGrp/volume-groups');
  assert.is(vg0.text, '[]');
  await emu.api('POST', '/v1/resource-groups', { name: 'vg-rg' });
  const made = await emu.api('POST', '/v1/resource-groups/vg-rg/volume-groups', {});
  assert.is(made.status, 201);
  const vgs = (await emu.api('GET', '/v1/resource-groups/vg-rg/volume-groups')).body as { volume_number: number; uuid: string }[];
  assert.is(vgs.length, 1);
  assert.is(vgs[0]?.volume_number, 0);
});

test('ret_code bits: not-found snapshot/node without object bits; RG delete with the CREATE bit', async () => {
  await rdWithVolume('bits');
  const snap = await emu.api('GET', '/v1/resource-definitions/bits/snapshots/none');
  assert.is(snap.status, 404);
  const se = entries(snap)[0]?.ret_code ?? 0n;
  assert.ok(retCodeIs(se, FAIL_NOT_FOUND_SNAPSHOT));
  assert.is(objOf(se), 0n);
  const node = await emu.api('GET', '/v1/nodes/no-node');
  assert.is(node.status, 404);
  const ne = entries(node)[0]?.ret_code ?? 0n;
  assert.ok(retCodeIs(ne, FAIL_NOT_FOUND_NODE));
  assert.is(objOf(ne), 0n);
  await emu.api('POST', '/v1/resource-groups', { name: 'del-rg' });
  await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'del-rg-user', resource_group_name: 'del-rg' } });
  const inUse = await emu.api('DELETE', '/v1/resource-groups/del-rg');
  assert.is(inUse.status, 500);
  assert.ok(retCodeIs(entries(inUse)[0]?.ret_code ?? 0n, FAIL_EXISTS_RSC_DFN));
  await emu.api('DELETE', '/v1/resource-definitions/del-rg-user');
  const gone = await emu.api('DELETE', '/v1/resource-groups/del-rg');
  const missing = await emu.api('DELETE', '/v1/resource-groups/del-rg');
  assert.ok(retCodeIs(entries(missing)[0]?.ret_code ?? 0n, WARN_NOT_FOUND));
  for (const r of [inUse, gone, missing]) assert.is(opOf(entries(r)[0]?.ret_code ?? 0n), MASK_CRT, r.text);
});

test('entry lists: create, spawn, snapshot steps, restore, delete, resize in the real order and bits', async () => {
  await rdWithVolume('order');
  const c = await emu.api('POST', '/v1/resource-definitions/order/resources', [{ resource: { node_name: 'node-a', props: { StorPoolName: 'thin-pool' } } }]);
  assert.is(c.status, 201, c.text);
  const m = messages(c);
  assert.is(m[0], "New resource 'order' on node 'node-a' registered.");
  assert.equal(m.slice(-2), ["(node-a) Volume number 0 of resource 'order' [LVM-Thin] created", "Created resource 'order' on 'node-a'"]);
  assert.is(codeOf(entries(c).at(-1)?.ret_code ?? 0n), Number(MODIFIED));

  await emu.api('POST', '/v1/resource-groups', { name: 'sp-rg', select_filter: { place_count: 2, storage_pool: 'thin-pool' } });
  const sp = await emu.api('POST', '/v1/resource-groups/sp-rg/spawn', { resource_definition_name: 'spawned', volume_sizes: [4096] });
  assert.is(sp.status, 201, sp.text);
  const sm = messages(sp);
  const vdAt = sm.findIndex((x) => x.startsWith('Volume definition with number'));
  const rdAt = sm.findIndex((x) => x.startsWith("New resource definition 'spawned'"));
  assert.ok(vdAt >= 0 && vdAt < rdAt, 'the volume definition is listed before the resource definition');
  assert.ok(sm.includes('Successfully set property key(s): StorPoolName'));
  assert.is(objOf(find(sp, /successfully autoplaced/)?.ret_code ?? 0n), MASK_RSC_GRP);
  for (const e of entries(sp).filter((x) => x.message.startsWith('Created resource'))) assert.is(codeOf(e.ret_code), Number(MODIFIED));
  const empty = await emu.api('POST', '/v1/resource-groups/sp-rg/spawn', { resource_definition_name: 'spawned-empty' });
  const warn = find(empty, /^No volumes have been defined for resource 'spawned-empty'/);
  assert.ok(warn && retCodeIs(warn.ret_code, WARN_NOT_FOUND), empty.text);

  const s = await emu.api('POST', '/v1/resource-definitions/spawned/snapshots', { name: 's1' });
  assert.is(s.status, 201, s.text);
  for (const re of [/^Suspended IO/, /^Took snapshot/, /^Resumed IO/]) {
    const e = find(s, re);
    assert.ok(e && isSuccess(e.ret_code) && codeOf(e.ret_code) === Number(MODIFIED), String(re));
  }
  await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'restored' } });
  const rv = await emu.api('POST', '/v1/resource-definitions/spawned/snapshot-restore-volume-definition/s1', { to_resource: 'restored' });
  assert.is(rv.status, 200, rv.text);
  for (const e of entries(rv)) assert.is(opOf(e.ret_code) | objOf(e.ret_code), MASK_CRT | MASK_SNAPSHOT, e.message);
  assert.match(messages(rv).at(-1) ?? '', /^Volume definitions of resource definition 'restored' restored from /);
  const rr = await emu.api('POST', '/v1/resource-definitions/spawned/snapshot-restore-resource/s1', { to_resource: 'restored' });
  assert.ok(messages(rr).includes("Resource 'restored' restored from resource 'spawned', snapshot 's1'."), rr.text);

  const grow = await emu.api('PUT', '/v1/resource-definitions/order/volume-definitions/0', { size_kib: 8192 });
  assert.ok(messages(grow).some((x) => x.startsWith('(node-a) Updated volume 0')), grow.text);
  assert.ok(messages(grow).includes("Resized resource 'order' on 'node-a'"));
  const del = await emu.api('DELETE', '/v1/resource-definitions/order/resources/node-a');
  const dm = messages(del);
  assert.match(dm[0] ?? '', /marked for deletion\.$/);
  assert.match(dm.at(-1) ?? '', /deletion complete\.$/);
});

test('fields: os_variant, DfltRscGrp filter, VD and snapshot props, controller defaults, version', async () => {
  const node = (await emu.api('GET', '/v1/nodes/node-a')).body as { os_variant?: string };
  assert.ok(node.os_variant && node.os_variant.length > 0);
  const rg = (await emu.api('GET', '/v1/resource-groups/DfltRscGrp')).body as { select_filter?: unknown };
  assert.equal(rg.select_filter, { place_count: 2 });
  await rdWithVolume('fields');
  await emu.api('POST', '/v1/resource-definitions/fields/autoplace', { select_filter: { place_count: 2 } });
  const vd = (await emu.api('GET', '/v1/resource-definitions/fields/volume-definitions/0')).body as { props: Record<string, string> };
  for (const k of ['DrbdCurrentGi', 'DrbdOptions/Disk/block-size', 'StorDriver/internal/AllocationGranularity']) assert.ok(vd.props[k], k);
  await emu.api('POST', '/v1/resource-definitions/fields/snapshots', { name: 'f1' });
  const snap = (await emu.api('GET', '/v1/resource-definitions/fields/snapshots/f1')).body as {
    snapshot_definition_props: Record<string, string>;
    snapshots: { resource_props?: Record<string, string> }[];
    volume_definitions: { volume_definition_props?: Record<string, string> }[];
  };
  assert.is(snap.snapshot_definition_props['SequenceNumber'], '1');
  assert.is(snap.snapshots[0]?.resource_props?.['StorPoolName'], 'thin-pool');
  assert.ok(snap.volume_definitions[0]?.volume_definition_props?.['DrbdCurrentGi']);
  const props = (await emu.api('GET', '/v1/controller/properties')).body as Record<string, string>;
  assert.is(props['DrbdOptions/Resource/on-no-quorum'], 'suspend-io');
  assert.ok(Object.keys(props).some((k) => k.startsWith('DrbdOptions/auto-')));
  assert.ok(Object.keys(props).some((k) => k.startsWith('NetCom/')));
  const v = (await emu.api('GET', '/v1/controller/version')).body as Record<string, string>;
  assert.match(v['version'] ?? '', /^1\.33\.\d+$/);
  assert.match(v['git_hash'] ?? '', /^[0-9a-f]{40}$/);
  assert.is(v['rest_api_version'], '1.28.0');
});

test.run();
