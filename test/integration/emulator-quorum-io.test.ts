// A Primary that loses quorum behaves as DRBD 9 with `on-no-quorum`: io-error makes its mounted
// filesystem fail every write with EIO, suspend-io makes writes block until quorum returns. The
// minority writes nothing, so healing resyncs without split brain. Real loop devices and mounts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';

let emu: TempEmulator;
const mounts: string[] = [];
test.before(async () => {
  emu = await tempEmulator({ resyncMs: 0 });
});
test.after(async () => {
  // stop() thaws whatever is still frozen; only then can the mounts go.
  await emu.cleanup();
  for (const mp of mounts) {
    await execa('umount', [mp], { reject: false, timeout: 30_000 });
    await rm(mp, { recursive: true, force: true });
  }
});

const link = (node: string, rsc: string): string => join(emu.handle.nodeDevRoot(node), 'drbd', 'by-res', rsc, '0');
const adm = (node: string, ...args: string[]) => emu.handle.control.drbd(node, 'drbdadm', args);
async function ok(node: string, ...args: string[]): Promise<void> {
  const r = await adm(node, ...args);
  assert.is(r.code, 0, `${node}: drbdadm ${args.join(' ')}: ${r.stderr}`);
}
async function digest(node: string, rsc: string): Promise<string> {
  const { stdout } = await execa('dd', [`if=${link(node, rsc)}`, 'bs=1M', 'iflag=direct', 'status=none'], { encoding: 'buffer' });
  return createHash('sha256').update(stdout).digest('hex');
}
async function status(node: string, rsc: string): Promise<{ 'suspended-quorum': boolean; 'force-io-failures': boolean; connections: { name: string; 'connection-state': string; peer_devices: { 'peer-disk-state': string }[] }[] }> {
  const r = await emu.handle.control.drbd(node, 'drbdsetup', ['status', rsc, '--json']);
  return JSON.parse(r.stdout)[0];
}

/** node-a Primary with ext4 mounted on a 2-replica volume (node-b; tie-breaker node-c). */
let seq = 0;
async function mountedPrimary(onNoQuorum: string): Promise<{ rsc: string; mp: string }> {
  const rsc = `q${++seq}-${onNoQuorum}`;
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: rsc, props: { 'DrbdOptions/Resource/on-no-quorum': onNoQuorum } } })).status, 201);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${rsc}/volume-definitions`, { volume_definition: { size_kib: 16 * 1024 } })).status, 200);
  const r = await emu.api('POST', `/v1/resource-definitions/${rsc}/autoplace`, { select_filter: { place_count: 2, node_name_list: ['node-a', 'node-b'] } });
  assert.is(r.status, 201, r.text);
  await ok('node-a', 'primary', rsc);
  await execa('mkfs.ext4', ['-q', '-F', link('node-a', rsc)]);
  const mp = await mkdtemp(join(tmpdir(), 'quorum-io-'));
  await execa('mount', [link('node-a', rsc), mp]);
  mounts.push(mp);
  await execa('sh', ['-c', 'echo before > "$1/before" && sync', 'sh', mp]);
  return { rsc, mp };
}
const isolateA = () => emu.handle.control.setPartition([['node-a'], ['node-b', 'node-c']]);
const heal = () => emu.handle.control.setPartition(null);

async function healthy(rsc: string): Promise<void> {
  for (const node of ['node-a', 'node-b']) {
    const st = await status(node, rsc);
    assert.is(st['suspended-quorum'], false);
    for (const c of st.connections) {
      assert.is(c['connection-state'], 'Connected', `${node} → ${c.name}`);
      if (c.name !== 'node-c') assert.is(c.peer_devices[0]?.['peer-disk-state'], 'UpToDate');
    }
  }
}

async function unmount(mp: string): Promise<void> {
  await execa('umount', [mp], { timeout: 30_000 });
  mounts.splice(mounts.indexOf(mp), 1);
  await rm(mp, { recursive: true, force: true });
}

test('on-no-quorum io-error: the cut-off Primary: writes fail with EIO; the majority keeps its bytes; no split brain', async () => {
  const { rsc, mp } = await mountedPrimary('io-error');
  const majority = await digest('node-b', rsc);
  await isolateA();
  assert.is((await status('node-a', rsc))['force-io-failures'], true);
  const w = await execa('sh', ['-c', 'echo after > "$1/after" && sync "$1/after"', 'sh', mp], { reject: false, timeout: 20_000 });
  assert.is.not(w.exitCode, 0, 'the write must fail');
  assert.match(w.stderr, /Input\/output error/);
  assert.is(await digest('node-b', rsc), majority, 'the majority side is untouched');
  await heal();
  await healthy(rsc);
  assert.is((await status('node-a', rsc))['force-io-failures'], false);
  // A shut-down filesystem needs an unmount (and a new mount), as on real DRBD after I/O errors.
  await unmount(mp);
  assert.is(await digest('node-a', rsc), await digest('node-b', rsc), 'one data generation again');
  await ok('node-a', 'secondary', rsc);
});

test('on-no-quorum suspend-io: the write blocks while quorum is lost and completes after healing; no split brain', async () => {
  const { rsc, mp } = await mountedPrimary('suspend-io');
  const majority = await digest('node-b', rsc);
  await isolateA();
  assert.is((await status('node-a', rsc))['suspended-quorum'], true);
  const child = execa('sh', ['-c', 'echo after > "$1/after" && sync "$1/after"', 'sh', mp], { reject: false, timeout: 60_000 });
  let exited = false;
  void child.then(() => (exited = true));
  await new Promise((r) => setTimeout(r, 1500));
  assert.not.ok(exited, 'the write blocks while the Primary has no quorum');
  assert.is(await digest('node-b', rsc), majority, 'the majority side is untouched');
  await heal();
  const done = await child;
  assert.is(done.exitCode, 0, `the write completes after healing: ${done.stderr}`);
  assert.is(await readFile(join(mp, 'after'), 'utf8'), 'after\n');
  await healthy(rsc);
  await unmount(mp);
  assert.is(await digest('node-a', rsc), await digest('node-b', rsc), 'node-b resynced from node-a');
  await ok('node-a', 'secondary', rsc);
});

/** The record of what was applied to node-a's replica of `rsc`, as persisted in the state. */
async function record(rsc: string): Promise<unknown> {
  const st = JSON.parse(await readFile(join(emu.dir, 'state.json'), 'utf8')) as { rds: { name: string; resources: { node: string; drbd: { quorumIo?: unknown } }[] }[] };
  return st.rds.find((r) => r.name === rsc)?.resources.find((r) => r.node === 'node-a')?.drbd.quorumIo;
}

// Last: releaseIo() stops applying the policy for the rest of this emulator's life.
test('the record is kept in the state; releaseIo (the shutdown paths) thaws so an unmount cannot hang', async () => {
  const { rsc, mp } = await mountedPrimary('suspend-io');
  assert.is(await record(rsc), undefined);
  await isolateA();
  assert.equal(await record(rsc), { mode: 'suspend-io', mounts: [mp] });
  await emu.handle.releaseIo();
  assert.is(await record(rsc), undefined, 'undone once, and the record gone');
  const w = await execa('sh', ['-c', 'echo after > "$1/after" && sync "$1/after"', 'sh', mp], { reject: false, timeout: 20_000 });
  assert.is(w.exitCode, 0, 'thawed: writes go through');
  const u = await execa('umount', [mp], { reject: false, timeout: 20_000 });
  assert.is(u.exitCode, 0, u.stderr);
  mounts.splice(mounts.indexOf(mp), 1);
  await rm(mp, { recursive: true, force: true });
  await heal();
  await ok('node-a', 'secondary', rsc);
});

test.run();
