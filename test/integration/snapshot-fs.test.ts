/**
 * Snapshots through real filesystems (ext4, xfs) staged by the node service over the socket:
 * a file written before the snapshot is what the restore holds; the origin keeps the newer
 * content; the xfs restore is mounted beside its origin (same filesystem UUID).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MiB, pattern, sha, startSnapRig, uniq, writeFileSynced, type SnapRig } from './snapshot-harness.js';

const test = suite<{ rig: SnapRig }>('snapshot data (ext4, xfs)');

test.before(async (ctx) => {
  ctx.rig = await startSnapRig();
});
test.after(async (ctx) => {
  await ctx.rig?.stop();
});

const SIZE_MIB: Record<string, number> = { ext4: 64, xfs: 320 };

for (const fs of ['ext4', 'xfs']) {
  test(`${fs}: restore holds the file as of the snapshot, mounted beside the origin`, async ({ rig }) => {
    const size = SIZE_MIB[fs] as number;
    const src = await rig.createVolume(uniq(`pvc-${fs}`), size, { fs });
    const mnt = await rig.stage(src.volume_id, fs);
    const first = pattern(`${fs}-first`, 3 * MiB + 123);
    const second = pattern(`${fs}-second`, 2 * MiB + 7);
    await writeFileSynced(join(mnt, 'data.bin'), first);
    await writeFileSynced(join(mnt, 'keep.txt'), Buffer.from('written before the snapshot\n'));
    const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
    assert.ok(snap.ready_to_use);
    await writeFileSynced(join(mnt, 'data.bin'), second);
    await writeFileSynced(join(mnt, 'after.txt'), Buffer.from('written after the snapshot\n'));

    // Restored while the origin stays mounted on the same node.
    const restored = await rig.createVolume(uniq(`pvc-${fs}-r`), size, { fs, source: { snapshot: { snapshot_id: snap.snapshot_id } } });
    const rmnt = await rig.stage(restored.volume_id, fs);
    const got = await readFile(join(rmnt, 'data.bin'));
    assert.is(got.length, first.length);
    assert.is(sha(got), sha(first), 'restored file holds the first content');
    assert.is(await readFile(join(rmnt, 'keep.txt'), 'utf8'), 'written before the snapshot\n');
    await readFile(join(rmnt, 'after.txt')).then(
      () => assert.unreachable('a file written after the snapshot must not be in the restore'),
      (e: NodeJS.ErrnoException) => assert.is(e.code, 'ENOENT'),
    );
    assert.is(sha(await readFile(join(mnt, 'data.bin'))), sha(second), 'origin holds the second content');

    // Both stay writable and independent.
    await writeFileSynced(join(rmnt, 'restore-only.txt'), Buffer.from('x'));
    await readFile(join(mnt, 'restore-only.txt')).then(
      () => assert.unreachable('origin must not see the restore\'s writes'),
      (e: NodeJS.ErrnoException) => assert.is(e.code, 'ENOENT'),
    );

    // A clone of the mounted origin holds its current content.
    const clone = await rig.createVolume(uniq(`pvc-${fs}-c`), size, { fs, source: { volume: { volume_id: src.volume_id } } });
    const cmnt = await rig.stage(clone.volume_id, fs);
    assert.is(sha(await readFile(join(cmnt, 'data.bin'))), sha(second));

    for (const v of [clone.volume_id, restored.volume_id, src.volume_id]) await rig.unstage(v);
    await rig.controller.DeleteSnapshot({ snapshot_id: snap.snapshot_id });
    for (const v of [clone.volume_id, restored.volume_id, src.volume_id]) await rig.controller.DeleteVolume({ volume_id: v });
  });
}

test('restoring an ext4 snapshot as xfs is refused (it could never be mounted)', async ({ rig }) => {
  const src = await rig.createVolume(uniq('pvc-fsx'), 320, { fs: 'ext4' });
  const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  const err = await rig.createVolume(uniq('pvc-fsx-r'), 320, { fs: 'xfs', source: { snapshot: { snapshot_id: snap.snapshot_id } } }).then(
    () => undefined,
    (e: { code: number; details: string }) => e,
  );
  assert.is(err?.code, 3, `INVALID_ARGUMENT expected: ${err?.details}`);
  assert.match(err?.details ?? '', /ext4/);
});

test.run();
