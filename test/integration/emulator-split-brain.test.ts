import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { join } from 'node:path';
import { type TempEmulator, tempEmulator } from '../../src/emulator/testkit.js';

let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator({ resyncMs: 0 });
});
test.after(async () => {
  await emu.cleanup();
});

const MiB = 1024 * 1024;
const link = (node: string, rsc: string): string => join(emu.handle.nodeDevRoot(node), 'drbd', 'by-res', rsc, '0');
async function write(node: string, rsc: string, ch: string, offsetMiB = 0, mib = 1): Promise<void> {
  await execa('dd', [`of=${link(node, rsc)}`, 'bs=1M', `count=${mib}`, `seek=${offsetMiB}`, 'iflag=fullblock', 'oflag=direct', 'conv=notrunc', 'status=none'], { input: Buffer.alloc(mib * MiB, ch) });
}
async function readFirst(node: string, rsc: string): Promise<string> {
  const { stdout } = await execa('dd', [`if=${link(node, rsc)}`, 'bs=1M', 'count=1', 'iflag=direct', 'status=none'], { encoding: 'buffer' });
  const b = Buffer.from(stdout);
  return String.fromCharCode(b[0] ?? 0) + String.fromCharCode(b[MiB - 1] ?? 0);
}
const drbd = (node: string, ...args: string[]) => emu.handle.control.drbd(node, 'drbdadm', args);
async function volume(name: string, props: Record<string, string> = {}): Promise<void> {
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name, props } })).status, 201);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: 16 * 1024 } })).status, 200);
  const r = await emu.api('POST', `/v1/resource-definitions/${name}/autoplace`, { select_filter: { place_count: 2, node_name_list: ['node-a', 'node-b'] } });
  assert.is(r.status, 201, r.text);
}

test('two forced Primaries in a partition → split brain on reconnect, StandAlone both, bytes kept', async () => {
  await volume('sb1');
  await write('node-a', 'sb1', '0');
  assert.is((await drbd('node-a', 'primary', 'sb1')).code, 0);
  await emu.handle.control.setPartition([['node-a', 'node-c'], ['node-b']]);
  const refused = await drbd('node-b', 'primary', 'sb1');
  assert.is(refused.code, 11, refused.stderr);
  assert.match(refused.stderr, /No quorum/);
  assert.is((await drbd('node-b', 'primary', '--force', 'sb1')).code, 0);
  await write('node-a', 'sb1', 'A');
  await write('node-b', 'sb1', 'B');
  assert.is(await readFirst('node-a', 'sb1'), 'AA');
  assert.is(await readFirst('node-b', 'sb1'), 'BB');
  await emu.handle.control.setPartition(null);
  const st = await drbd('node-a', 'status', 'sb1');
  console.log(st.stdout);
  console.log((await drbd('node-b', 'status', 'sb1')).stdout);
  assert.match(st.stdout, /node-b connection:StandAlone/);
  assert.is(await readFirst('node-a', 'sb1'), 'AA');
  assert.is(await readFirst('node-b', 'sb1'), 'BB');
  // manual recovery keeping node-a
  assert.is((await drbd('node-b', 'secondary', 'sb1')).code, 0);
  assert.is((await drbd('node-b', 'disconnect', 'sb1')).code, 0);
  assert.is((await drbd('node-b', 'connect', '--discard-my-data', 'sb1')).code, 0);
  assert.match((await drbd('node-b', 'status', 'sb1')).stdout, /node-a connection:Connecting/);
  assert.is((await drbd('node-a', 'connect', 'sb1')).code, 0);
  const after = await drbd('node-b', 'status', 'sb1');
  console.log(after.stdout);
  assert.not.match(after.stdout, /StandAlone|Connecting/);
  assert.is(await readFirst('node-b', 'sb1'), 'AA');
});

test.run();
