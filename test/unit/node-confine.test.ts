// confinePath: staging/target paths resolved with every symlink and kept beneath the root (no root needed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinePath } from '../../src/node-service/confine.js';
import { createFs } from '../../src/node-ops/fs.js';
import { CsiError, Code } from '../../src/csi/errors.js';

const fs = createFs();
let base = '';
let root = '';
test.before.each(async () => {
  base = await mkdtemp(join(tmpdir(), 'lcsi-confine-unit-'));
  root = join(base, 'kubelet');
  await mkdir(join(root, 'pods'), { recursive: true });
  await mkdir(join(base, 'elsewhere'));
});
test.after.each(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refused(p: string, re: RegExp): Promise<void> {
  try {
    await confinePath(fs, root, 'target_path', p);
  } catch (e) {
    assert.ok(e instanceof CsiError && e.code === Code.INVALID_ARGUMENT, String(e));
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`${p} was accepted`);
}

test('paths beneath the root are accepted (existing or not), resolved', async () => {
  assert.is(await confinePath(fs, root, 'target_path', join(root, 'pods', 'p1', 'vol')), join(root, 'pods', 'p1', 'vol'));
  // A link to a place inside the root, as a parent, resolves inside.
  await symlink(join(root, 'pods'), join(root, 'pods-link'));
  assert.is(await confinePath(fs, root, 'target_path', join(root, 'pods-link', 'x')), join(root, 'pods', 'x'));
});

test('outside, the root itself, links leading out, /proc/self/root, dangling links and a link as the last part are refused', async () => {
  await refused('/etc/x', /not beneath the kubelet directory/);
  await refused(root, /not beneath/);
  await refused(`${root}-sibling/x`, /not beneath/);
  await symlink(join(base, 'elsewhere'), join(root, 'out'));
  await refused(join(root, 'out', 'x'), /resolves to .*elsewhere/);
  await symlink('/', join(root, 'to-root'));
  await refused(join(root, 'to-root'), /not beneath|symlink/);
  await refused(`/proc/self/root/etc/x`, /not beneath/);
  await symlink(join(base, 'nowhere'), join(root, 'dangling'));
  await refused(join(root, 'dangling', 'x'), /symlink that points nowhere/);
  await mkdir(join(root, 'real'));
  await symlink(join(root, 'real'), join(root, 'pods', 'last'));
  await refused(join(root, 'pods', 'last'), /is a symlink/);
  await refused(`${root}/a/../../etc`, /"\." or "\.\." components/);
});

test.run();
