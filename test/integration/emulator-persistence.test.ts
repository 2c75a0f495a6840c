import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log/logger.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';

let dir = '';
let emu: TempEmulator | undefined;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linstor-emu-persist-'));
});
test.after(async () => {
  await emu?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

test('a restarted emulator keeps objects, data, roles and links; stop detaches loops', async () => {
  emu = await tempEmulator({ nodes: ['alpha', 'beta', 'gamma'], poolName: 'pool-x' }, dir);
  await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'keep', props: { 'Aux/k': 'v' } } });
  await emu.api('POST', '/v1/resource-definitions/keep/volume-definitions', { volume_definition: { size_kib: 8192 } });
  assert.is((await emu.api('POST', '/v1/resource-definitions/keep/autoplace', { select_filter: { place_count: 2, storage_pool: 'pool-x' } })).status, 201);
  await emu.api('POST', '/v1/resource-definitions/keep/snapshots', { name: 's1' });
  const l = join(emu.handle.nodeDevRoot('alpha'), 'drbd', 'by-res', 'keep', '0');
  await execa('dd', [`of=${l}`, 'bs=4096', 'count=1', 'oflag=direct', 'conv=notrunc'], { input: Buffer.alloc(4096, 'P') });
  assert.is((await emu.handle.control.drbd('alpha', 'drbdadm', ['primary', 'keep'])).code, 0);
  const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { rds: unknown[] };
  assert.is(state.rds.length, 1, 'state.json written after every mutation');
  const dev = await readlink(l);
  await emu.handle.stop();
  emu = undefined;
  const { stdout } = await execa('losetup', ['-l', '-n', '-O', 'NAME,BACK-FILE']);
  assert.not.ok(stdout.split('\n').some((x) => x.includes(dir)), `loop devices detached (${dev})`);
  // The detached /dev/loopN goes to the next user: no link may keep pointing at it.
  for (const n of ['alpha', 'beta', 'gamma']) {
    assert.equal(await readdir(join(dir, 'nodes', n, 'dev', 'drbd', 'by-res')), [], `no links left on ${n}`);
  }

  let logText = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (logText += d.toString()));
  emu = await tempEmulator({ nodes: ['ignored'], log: createLogger({ level: 'warn', format: 'json', destination: sink }) }, dir);
  assert.equal(emu.handle.nodes, ['alpha', 'beta', 'gamma']);
  assert.match(logText, /state dir already holds a cluster/, 'the ignored --nodes is reported');
  assert.match(logText, /nodes ignored/);
  const rd = await emu.api('GET', '/v1/resource-definitions/keep');
  assert.is((rd.body as { props: Record<string, string> }).props['Aux/k'], 'v');
  const pools = await emu.api('GET', '/v1/view/storage-pools?storage_pools=pool-x');
  assert.is((pools.body as unknown[]).length, 3);
  const snaps = await emu.api('GET', '/v1/resource-definitions/keep/snapshots');
  assert.is((snaps.body as unknown[]).length, 1);
  const r = await emu.api('GET', '/v1/resource-definitions/keep/resources/alpha');
  assert.is((r.body as { state: { in_use: boolean } }).state.in_use, true, 'DRBD role kept');
  const l2 = join(emu.handle.nodeDevRoot('beta'), 'drbd', 'by-res', 'keep', '0');
  const { stdout: data } = await execa('dd', [`if=${l2}`, 'bs=4096', 'count=1', 'iflag=direct', 'status=none'], { encoding: 'buffer' });
  assert.ok(Buffer.from(data).equals(Buffer.alloc(4096, 'P')));
  await emu.handle.control.drbd('alpha', 'drbdadm', ['secondary', 'keep']);
});

test.run();
