// Read-only publishes: the pod cannot write, the data is there, and a read-write publish beside it still writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRig, type Rig } from './harness.js';
import { attach, createVolume, deleteVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a', 'node-b'] });
});
test.after(async () => {
  await rig?.stop();
});

async function writeFails(path: string): Promise<string | undefined> {
  try {
    await writeFile(path, 'nope');
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
}

test('readonly=true on a read-write staged volume: that target refuses writes, the other writes', async () => {
  const vol = await createVolume(rig, 'pvc-ro-flag');
  const at = await attach(rig, vol, 'node-a');
  const rw = await publish(rig, vol, at, 'writer');
  await writeFile(join(rw, 'data.txt'), 'from the writer\n');
  const ro = await publish(rig, vol, at, 'reader', { readonly: true });
  assert.is(await readFile(join(ro, 'data.txt'), 'utf8'), 'from the writer\n', 'the reader sees the data');
  assert.is(await writeFails(join(ro, 'other.txt')), 'EROFS', 'the read-only target refuses writes');
  await writeFile(join(rw, 'more.txt'), 'still writable\n');
  await detach(rig, vol, at);
  await deleteVolume(rig, vol);
});

test('a read-only access mode (MULTI_NODE_READER_ONLY) stages read-only: no promotion, no writes', async () => {
  const vol = await createVolume(rig, 'pvc-ro-mode');
  // Put a filesystem and a file on it first, read-write on node-a.
  const w = await attach(rig, vol, 'node-a');
  const t = await publish(rig, vol, w, 'seed');
  await writeFile(join(t, 'seed.txt'), 'seeded\n');
  await detach(rig, vol, w);

  // Emulated nodes share this host's mount table, so the readers take turns rather than
  // staging on two nodes at once (each node would see the other's mounts as its own targets).
  for (const node of ['node-b', 'node-a']) {
    const r = await attach(rig, vol, node, { mode: 'MULTI_NODE_READER_ONLY', readonly: true });
    const ta = await publish(rig, vol, r, 'reader-1', { mode: 'MULTI_NODE_READER_ONLY', readonly: true });
    const tb = await publish(rig, vol, r, 'reader-2', { mode: 'MULTI_NODE_READER_ONLY', readonly: true });
    assert.is(await readFile(join(ta, 'seed.txt'), 'utf8'), 'seeded\n', `${node} reads the data`);
    assert.is(await readFile(join(tb, 'seed.txt'), 'utf8'), 'seeded\n');
    assert.is(await writeFails(join(ta, 'x')), 'EROFS', `${node}: no writes`);
    assert.is(await writeFails(join(r.staging, 'x')), 'EROFS', `${node}: the staging mount itself is read-only`);
    const role = await rig.emu.control.drbd(node, 'drbdadm', ['role', vol.id]);
    assert.match(role.stdout, /Secondary/, `${node} was not promoted`);
    await detach(rig, vol, r);
  }
  await deleteVolume(rig, vol);
});

test.run();
