import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';

let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator();
});
test.after(async () => {
  await emu.cleanup();
});

const link = (node: string, rsc: string, vol = 0): string => join(emu.handle.nodeDevRoot(node), 'drbd', 'by-res', rsc, String(vol));

async function write(dev: string, pattern: string): Promise<void> {
  const buf = Buffer.alloc(1024 * 1024, pattern);
  await execa('dd', [`of=${dev}`, 'bs=1M', 'count=1', 'iflag=fullblock', 'oflag=direct', 'conv=notrunc'], { input: buf });
}
async function read(dev: string): Promise<Buffer> {
  const { stdout } = await execa('dd', [`if=${dev}`, 'bs=1M', 'count=1', 'iflag=direct', 'status=none'], { encoding: 'buffer' });
  return Buffer.from(stdout);
}
async function volume(name: string, sizeKib: number, place = 2): Promise<void> {
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name } })).status, 201);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: sizeKib } })).status, 200);
  const r = await emu.api('POST', `/v1/resource-definitions/${name}/autoplace`, { select_filter: { place_count: place } });
  assert.is(r.status, 201, r.text);
}

test('volume: written on one node, read on the others (shared backing file), device_path /dev/drbd1000+', async () => {
  await volume('data1', 16 * 1024);
  const devA = await readlink(link('node-a', 'data1'));
  assert.ok(devA.startsWith('/dev/loop'));
  assert.is(await readlink(link('node-c', 'data1')), devA, 'diskless tie-breaker node reads the same data');
  await write(link('node-a', 'data1'), 'A');
  assert.ok((await read(link('node-b', 'data1'))).equals(Buffer.alloc(1024 * 1024, 'A')));
  const view = await emu.api('GET', '/v1/view/resources?resources=data1&nodes=node-a');
  const v = (view.body as { volumes: { device_path: string; state: { disk_state: string } }[] }[])[0]?.volumes[0];
  assert.match(v?.device_path ?? '', /^\/dev\/drbd1\d{3}$/);
  assert.is(v?.state.disk_state, 'UpToDate');
});

test('snapshot, overwrite, restore into a new RD: exact bytes; rollback', async () => {
  const s = await emu.api('POST', '/v1/resource-definitions/data1/snapshots', { name: 'snap1' });
  assert.is(s.status, 201, s.text);
  const snap = (await emu.api('GET', '/v1/resource-definitions/data1/snapshots/snap1')).body as {
    flags: string[];
    volume_definitions: { size_kib: number }[];
    snapshots: { create_timestamp: number }[];
  };
  assert.equal(snap.flags, ['SUCCESSFUL']);
  assert.is(snap.volume_definitions[0]?.size_kib, 16 * 1024);
  assert.ok((snap.snapshots[0]?.create_timestamp ?? 0) > 1_600_000_000_000);
  await write(link('node-a', 'data1'), 'B');
  // restore recipe: RD, restore VDs, restore resources
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'restored' } })).status, 201);
  const rv = await emu.api('POST', '/v1/resource-definitions/data1/snapshot-restore-volume-definition/snap1', { to_resource: 'restored' });
  assert.is(rv.status, 200, rv.text);
  const rr = await emu.api('POST', '/v1/resource-definitions/data1/snapshot-restore-resource/snap1', { to_resource: 'restored' });
  assert.is(rr.status, 200, rr.text);
  const nodes = ((await emu.api('GET', '/v1/resource-definitions/restored/resources')).body as { node_name: string }[]).map((x) => x.node_name);
  assert.ok(nodes.length >= 2);
  assert.ok((await read(link(nodes[0] ?? '', 'restored'))).equals(Buffer.alloc(1024 * 1024, 'A')));
  assert.ok((await read(link('node-a', 'data1'))).equals(Buffer.alloc(1024 * 1024, 'B')));
  const again = await emu.api('POST', '/v1/resource-definitions/data1/snapshot-restore-resource/snap1', { to_resource: 'restored' });
  assert.is(again.status, 500, 'target already has resources');
  // rollback refused while Primary, then works
  assert.is((await emu.handle.control.drbd('node-a', 'drbdadm', ['primary', 'data1'])).code, 0);
  const refused = await emu.api('POST', '/v1/resource-definitions/data1/snapshot-rollback/snap1', {});
  assert.is(refused.status, 500);
  assert.is((await emu.handle.control.drbd('node-a', 'drbdadm', ['secondary', 'data1'])).code, 0);
  const rb = await emu.api('POST', '/v1/resource-definitions/data1/snapshot-rollback/snap1', {});
  assert.is(rb.status, 200, rb.text);
  assert.ok((await read(link('node-b', 'data1'))).equals(Buffer.alloc(1024 * 1024, 'A')));
  // RD with snapshots cannot be deleted
  const del = await emu.api('DELETE', '/v1/resource-definitions/data1');
  assert.is(del.status, 500);
  assert.ok(del.text.includes('because it has snapshots'));
});

test('multi-snapshot action and snapshot view', async () => {
  const m = await emu.api('POST', '/v1/actions/snapshot/multi', { snapshots: [{ name: 'g1', resource_name: 'data1' }, { name: 'g1', resource_name: 'restored' }] });
  assert.is(m.status, 201, m.text);
  const v = await emu.api('GET', '/v1/view/snapshots?resources=data1&resources=restored');
  assert.is((v.body as unknown[]).length, 3);
  const bad = await emu.api('POST', '/v1/actions/snapshot/multi', { snapshots: [{ name: 'g2', resource_name: 'data1' }, { name: 'g2', resource_name: 'nope' }] });
  assert.is(bad.status, 404);
  assert.is(((await emu.api('GET', '/v1/view/snapshots?resources=data1')).body as unknown[]).length, 2, 'nothing half-taken');
  for (const [rd, s] of [['data1', 'g1'], ['restored', 'g1']]) assert.is((await emu.api('DELETE', `/v1/resource-definitions/${rd}/snapshots/${s}`)).status, 200);
});

test('clone: 201 at once, polled to COMPLETE with the source data', async () => {
  const c = await emu.api('POST', '/v1/resource-definitions/data1/clone', { name: 'cloned' });
  assert.is(c.status, 201, c.text);
  assert.is((c.body as { clone_name: string }).clone_name, 'cloned');
  let status = '';
  for (let i = 0; i < 100 && status !== 'COMPLETE'; i++) {
    status = ((await emu.api('GET', '/v1/resource-definitions/data1/clone/cloned')).body as { status: string }).status;
    if (status !== 'COMPLETE') await new Promise((r) => setTimeout(r, 50));
  }
  assert.is(status, 'COMPLETE');
  const d = (await emu.api('GET', '/v1/resource-definitions/cloned')).body as { props: Record<string, string> };
  assert.is(d.props['cloned-from'], 'data1');
  assert.ok((await read(link('node-a', 'cloned'))).equals(Buffer.alloc(1024 * 1024, 'A')));
  const missing = await emu.api('GET', '/v1/resource-definitions/data1/clone/nope');
  assert.is(missing.status, 404);
  assert.ok(missing.text.includes('Cloned resource not found.'));
});

test('resize grows the device; delete removes data and links', async () => {
  const before = (await execa('blockdev', ['--getsize64', link('node-a', 'cloned')])).stdout;
  assert.is(Number(before), 16 * 1024 * 1024);
  const r = await emu.api('PUT', '/v1/resource-definitions/cloned/volume-definitions/0', { size_kib: 32 * 1024 });
  assert.is(r.status, 200, r.text);
  const after = (await execa('blockdev', ['--getsize64', link('node-b', 'cloned')])).stdout;
  assert.is(Number(after), 32 * 1024 * 1024);
  const dev = await readlink(link('node-a', 'cloned'));
  assert.is((await emu.api('DELETE', '/v1/resource-definitions/cloned')).status, 200);
  const { stdout } = await execa('losetup', ['-l', '-n', '-O', 'NAME,BACK-FILE']);
  assert.not.ok(stdout.split('\n').some((l) => l.startsWith(`${dev} `) && l.includes(emu.dir)), 'loop detached');
  let gone = false;
  await readlink(link('node-a', 'cloned')).catch(() => {
    gone = true;
  });
  assert.ok(gone, 'link removed');
});

test.run();
