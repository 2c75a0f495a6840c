/**
 * The node plugin acts only beneath --kubelet-dir (issue 11, item 1), refuses mount options that
 * are command-line flags (item 5), and cleans up what is not there without DRBD (item 6): through
 * the real CLI over its socket, against the emulator, on real loop devices.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, emulatedNodeArgs, mountsUnder, type Cluster } from '../helpers/emulated-cluster.js';
import { startDriver } from '../helpers/driver.js';
import { Status } from '../helpers/grpc-clients.js';
import { EmuApi, failure, mountCap, pubReq, sh, stageReq } from './node-fixtures.js';

interface Ctx {
  cluster: Cluster | undefined;
  api: EmuApi;
  outside: string;
}

const t = suite<Ctx>('node plugin confinement and validation (real CLI)');

t.before.each(async (ctx) => {
  ctx.cluster = undefined;
  ctx.outside = await mkdtemp(join(tmpdir(), 'lcsi-outside-'));
  ctx.cluster = await startCluster({
    prefix: 'lcsi-confine-',
    nodes: ['node-a'],
    emulator: { nodes: ['node-a', 'node-b'], resyncMs: 0 },
    args: ['--device-wait-timeout=2s', '--shutdown-timeout=5s'],
  });
  ctx.api = new EmuApi(ctx.cluster.emu.url);
});

t.after.each(async (ctx) => {
  const c = ctx.cluster;
  ctx.cluster = undefined;
  await c?.stop();
  for (const m of mountsUnder(ctx.outside).reverse()) await sh('umount', [m]).catch(() => undefined);
  await rm(ctx.outside, { recursive: true, force: true });
});

const role = async (c: Cluster, rsc: string): Promise<string> => (await c.emu.control.drbd('node-a', 'drbdadm', ['role', rsc])).stdout.trim();

t('staging and target paths outside the kubelet dir are INVALID_ARGUMENT naming path and root; nothing created or mounted', async (ctx) => {
  const c = ctx.cluster as Cluster;
  const a = c.driver('node-a').node;
  await ctx.api.volume('pvc-conf', 16, ['node-a']);
  const cap = mountCap('ext4');
  const st = c.path('plugins', 'st');
  // Symlinks inside the root that lead out of it: to /, to another directory, as a parent.
  await mkdir(c.path('pods'), { recursive: true });
  await symlink('/', c.path('pods', 'to-root'));
  await symlink(ctx.outside, c.path('pods', 'to-outside'));
  const uniq = `lcsi-confine-${process.pid}`;
  const stagingCases = [`/etc/${uniq}`, `/usr/local/${uniq}/st`, `/proc/self/root/etc/${uniq}`, c.path('pods', 'to-outside', 'st'), `/proc/self/root${ctx.outside}/st`];
  for (const p of stagingCases) {
    const e = await failure(a.NodeStageVolume(stageReq('pvc-conf', p, cap)));
    assert.is(e.code, Status.INVALID_ARGUMENT, `${p}: ${e.message}`);
    assert.ok(e.message.includes(p) && e.message.includes(c.dir), `${p}: the message names the path and the root: ${e.message}`);
  }
  assert.is(await role(c, 'pvc-conf'), 'Secondary', 'never promoted');
  await a.NodeStageVolume(stageReq('pvc-conf', st, cap));
  const targetCases = [`/etc/${uniq}`, `/usr/local/${uniq}/vol`, c.path('pods', 'to-root'), c.path('pods', 'to-root', 'etc', uniq), c.path('pods', 'to-outside', 'pod', 'vol'), `/proc/1/root/etc/${uniq}`];
  for (const p of targetCases) {
    const e = await failure(a.NodePublishVolume(pubReq('pvc-conf', st, p, cap)));
    assert.is(e.code, Status.INVALID_ARGUMENT, `${p}: ${e.message}`);
  }
  // A symlink as the last component is refused even when it points inside the root.
  await mkdir(c.path('pods', 'real'), { recursive: true });
  await symlink(c.path('pods', 'real'), c.path('pods', 'link-in'));
  assert.is((await failure(a.NodePublishVolume(pubReq('pvc-conf', st, c.path('pods', 'link-in'), cap)))).code, Status.INVALID_ARGUMENT);
  // A dangling symlink on the way would make mkdir create outside.
  await symlink(join(ctx.outside, 'not-yet'), c.path('pods', 'dangling'));
  assert.is((await failure(a.NodePublishVolume(pubReq('pvc-conf', st, c.path('pods', 'dangling', 'vol'), cap)))).code, Status.INVALID_ARGUMENT);
  for (const p of [`/etc/${uniq}`, `/usr/local/${uniq}`, join(ctx.outside, 'pod'), join(ctx.outside, 'st'), join(ctx.outside, 'not-yet')]) assert.not.ok(existsSync(p), `${p} was not created`);
  assert.equal(mountsUnder(ctx.outside), [], 'nothing mounted outside');
  assert.equal(mountsUnder(c.dir), [st], 'only the staging mount');
  await a.NodeUnstageVolume({ volume_id: 'pvc-conf', staging_target_path: st });
});

t('unpublish and unstage never unmount or remove outside the kubelet dir', async (ctx) => {
  const c = ctx.cluster as Cluster;
  const a = c.driver('node-a').node;
  const victim = join(ctx.outside, 'mnt');
  await mkdir(victim);
  await sh('mount', ['-t', 'tmpfs', 'tmpfs', victim]);
  const e1 = await failure(a.NodeUnpublishVolume({ volume_id: 'pvc-x', target_path: victim }));
  assert.is(e1.code, Status.INVALID_ARGUMENT);
  assert.match(e1.message, /not beneath the kubelet directory/);
  const e2 = await failure(a.NodeUnstageVolume({ volume_id: 'pvc-x', staging_target_path: victim }));
  assert.is(e2.code, Status.INVALID_ARGUMENT);
  await symlink(ctx.outside, c.path('escape'));
  assert.is((await failure(a.NodeUnpublishVolume({ volume_id: 'pvc-x', target_path: c.path('escape', 'mnt') }))).code, Status.INVALID_ARGUMENT);
  assert.equal(mountsUnder(ctx.outside), [victim], 'still mounted');
});

t('NodeGetVolumeStats and NodeExpandVolume confine volume_path and staging_target_path; nothing is grown outside the root', async (ctx) => {
  const c = ctx.cluster as Cluster;
  const a = c.driver('node-a').node;
  await ctx.api.volume('pvc-grow', 320, ['node-a']);
  const cap = mountCap('xfs');
  const st = c.path('plugins', 'st-grow');
  await a.NodeStageVolume(stageReq('pvc-grow', st, cap));
  // The volume's own filesystem, bind-mounted outside the root: growing it there must be refused.
  const victim = join(ctx.outside, 'grow');
  await mkdir(victim);
  await sh('mount', ['--bind', st, victim]);
  await mkdir(c.path('pods'), { recursive: true });
  await symlink(ctx.outside, c.path('pods', 'to-outside'));
  const sizeOf = async (): Promise<number> => Number((await a.NodeGetVolumeStats({ volume_id: 'pvc-grow', volume_path: st, staging_target_path: st })).usage?.[0]?.total);
  const before = await sizeOf();
  await ctx.api.resize('pvc-grow', 512);
  const uniq = `lcsi-confine-${process.pid}`;
  const outsidePaths = [victim, c.path('pods', 'to-outside', 'grow'), `/proc/self/root${victim}`, `/proc/self/root/etc/${uniq}`, '/etc'];
  const expand = (volume_path: string, staging_target_path: string) =>
    a.NodeExpandVolume({ volume_id: 'pvc-grow', volume_path, staging_target_path, capacity_range: { required_bytes: String(512 << 20), limit_bytes: '0' }, volume_capability: cap, secrets: {} });
  const stats = (volume_path: string, staging_target_path: string) => a.NodeGetVolumeStats({ volume_id: 'pvc-grow', volume_path, staging_target_path });
  for (const p of outsidePaths) {
    for (const [field, call] of [
      ['volume_path', () => expand(p, st)],
      ['staging_target_path', () => expand(st, p)],
      ['volume_path', () => stats(p, st)],
      ['staging_target_path', () => stats(st, p)],
    ] as const) {
      const e = await failure(call());
      assert.is(e.code, Status.INVALID_ARGUMENT, `${field} ${p}: ${e.message}`);
      assert.ok(e.message.includes(field) && e.message.includes(p) && e.message.includes(c.dir), `${field} ${p}: the message names the field, the path and the root: ${e.message}`);
    }
  }
  assert.is(await sizeOf(), before, 'xfs_growfs never ran: the filesystem has its old size');
  assert.not.ok(existsSync(`/etc/${uniq}`));
  await sh('umount', [victim]);
  // Beneath the root the same volume grows.
  const r = await expand(st, st);
  assert.is(Number(r.capacity_bytes), 512 << 20);
  assert.ok((await sizeOf()) > before + (150 << 20), `${before} -> ${await sizeOf()}`);
  await a.NodeUnstageVolume({ volume_id: 'pvc-grow', staging_target_path: st });
});

t('mount_flags and mount-options that look like command-line flags are INVALID_ARGUMENT', async (ctx) => {
  const c = ctx.cluster as Cluster;
  const a = c.driver('node-a').node;
  await ctx.api.volume('pvc-flags', 16, ['node-a']);
  const st = c.path('st-flags');
  for (const flags of [['--bind'], ['-o'], ['--move'], ['noatime', '-r'], ['-oremount']]) {
    const e = await failure(a.NodeStageVolume(stageReq('pvc-flags', st, mountCap('ext4', 'SINGLE_NODE_WRITER', flags))));
    assert.is(e.code, Status.INVALID_ARGUMENT, `${flags.join(' ')}: ${e.message}`);
    assert.match(e.message, /mount_flags: mount option ".*" starts with "-"/);
  }
  const e = await failure(a.NodeStageVolume(stageReq('pvc-flags', st, mountCap('ext4'), { 'linstor.csi.linbit.com/mount-options': 'noatime,--bind' })));
  assert.is(e.code, Status.INVALID_ARGUMENT);
  assert.match(e.message, /mount-options: mount option "--bind" starts with "-"/);
  assert.is(await role(c, 'pvc-flags'), 'Secondary');
});

t('NodeUnstage/NodeUnpublish of what is not staged or published succeed even when drbdsetup cannot run', async (ctx) => {
  const c = ctx.cluster as Cluster;
  const empty = join(ctx.outside, 'bin');
  await mkdir(empty);
  // A driver whose PATH has no DRBD tools at all (nor anything else).
  const drv = await startDriver({ args: [...emulatedNodeArgs(c.emu, 'node-a'), `--kubelet-dir=${c.dir}`], env: { PATH: empty }, dir: ctx.outside });
  try {
    await drv.node.NodeUnstageVolume({ volume_id: 'pvc-gone', staging_target_path: c.path('never', 'staged') });
    await drv.node.NodeUnpublishVolume({ volume_id: 'pvc-gone', target_path: c.path('never', 'published') });
    // Twice: idempotent.
    await drv.node.NodeUnstageVolume({ volume_id: 'pvc-gone', staging_target_path: c.path('never', 'staged') });
  } finally {
    assert.is(await drv.stop(), 0);
  }
});

t.run();
