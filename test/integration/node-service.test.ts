/**
 * The node service (factory, real node-ops) against the LINSTOR emulator: real loop devices,
 * real mkfs and mounts, the emulator's drbdadm/drbdsetup stand-ins per node. Two services in
 * one process act as node-a and node-b through their own PATH and device root.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { CsiError, Code } from '../../src/csi/errors.js';
import type { NodeHandlers, VolumeCapability__Output } from '../../src/csi/types.js';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { createNodeOps } from '../../src/node-ops/index.js';
import { createNodeService } from '../../src/node-service/index.js';
import { InFlight } from '../../src/server/inflight.js';
import { systemClock } from '../../src/util/clock.js';
import { EmuApi, Sandbox, rejects, sh, writeMbr } from './node-fixtures.js';

type Svc = Required<Pick<NodeHandlers, 'NodeStageVolume' | 'NodeUnstageVolume' | 'NodePublishVolume' | 'NodeUnpublishVolume' | 'NodeGetVolumeStats' | 'NodeExpandVolume' | 'NodeGetInfo' | 'NodeGetCapabilities'>>;

interface Ctx {
  box: Sandbox;
  emu: EmulatorHandle;
  api: EmuApi;
  a: Svc;
  b: Svc;
}

const log = silentLogger();
const call = { log, requestId: 't', signal: new AbortController().signal };

function service(emu: EmulatorHandle, api: EmuApi, node: string): Svc {
  return createNodeService({
    config: {
      nodeName: node,
      propertyNamespace: 'Aux/topology',
      devicePathTemplate: `${emu.nodeDevRoot(node)}/drbd/by-res/{resource}/{volume}`,
      deviceWaitTimeoutMs: 2000,
      maxVolumesPerNode: 1000,
    },
    ops: createNodeOps({ clock: systemClock, binDirs: [emu.nodeBinDir(node)] }),
    topology: { nodeProps: (n) => api.nodeProps(n) },
    clock: systemClock,
    log,
    inflight: new InFlight(),
    tuning: { unmountBusyRetries: 2, unmountRetryDelayMs: 50, devicePollMs: 50 },
  }) as Svc;
}

const mountCap = (fs_type: string, mode = 'SINGLE_NODE_WRITER', mount_flags: string[] = []): VolumeCapability__Output =>
  ({ access_type: 'mount', mount: { fs_type, mount_flags, volume_mount_group: '' }, access_mode: { mode } }) as VolumeCapability__Output;
const blockCap = (mode = 'SINGLE_NODE_WRITER'): VolumeCapability__Output => ({ access_type: 'block', block: {}, access_mode: { mode } }) as VolumeCapability__Output;

const stageReq = (volume_id: string, staging_target_path: string, volume_capability: VolumeCapability__Output, volume_context: Record<string, string> = {}) => ({
  volume_id,
  staging_target_path,
  volume_capability,
  volume_context,
  publish_context: {},
  secrets: {},
});
const pubReq = (volume_id: string, staging_target_path: string, target_path: string, volume_capability: VolumeCapability__Output, readonly = false) => ({
  volume_id,
  staging_target_path,
  target_path,
  volume_capability,
  readonly,
  volume_context: {},
  publish_context: {},
  secrets: {},
});

async function code(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  const e = await rejects(() => p);
  if (!(e instanceof CsiError)) throw e;
  return { code: e.code, message: e.message };
}

async function role(emu: EmulatorHandle, node: string, rsc: string): Promise<string> {
  return (await emu.control.drbd(node, 'drbdadm', ['role', rsc])).stdout.trim();
}

async function uuidOf(emu: EmulatorHandle, node: string, rsc: string): Promise<string> {
  return (await sh('blkid', ['-p', '-s', 'UUID', '-o', 'value', `${emu.nodeDevRoot(node)}/drbd/by-res/${rsc}/0`])).trim();
}

const t = suite<Ctx>('node-service (emulator)');

t.before(async (ctx) => {
  ctx.box = await Sandbox.create('lcsi-nodesvc-');
  ctx.emu = await startEmulator({ stateDir: ctx.box.path('emu'), nodes: ['node-a', 'node-b', 'node-c'], resyncMs: 0 });
  ctx.api = new EmuApi(ctx.emu.url);
  ctx.a = service(ctx.emu, ctx.api, 'node-a');
  ctx.b = service(ctx.emu, ctx.api, 'node-b');
});

t.after(async (ctx) => {
  // Unmount first and keep the backing files, so the emulator can detach its own loop devices.
  await ctx.box.unmountAll().catch(() => undefined);
  // A failed read-only test could leave the kernel ro flag on a loop device, which outlives the detach.
  for (const node of ['node-a', 'node-b']) {
    const root = `${ctx.emu.nodeDevRoot(node)}/drbd/by-res`;
    for (const r of await readdir(root).catch(() => [] as string[])) await sh('blockdev', ['--setrw', `${root}/${r}/0`]).catch(() => undefined);
  }
  await ctx.emu?.stop();
  await ctx.box.cleanup();
});

t('ext4: stage formats once; two publishes; data survives unstage, restage and a move to another node', async ({ box, emu, api, a, b }) => {
  await api.volume('pvc-ext4', 64, ['node-a', 'node-b']);
  const cap = mountCap('ext4');
  const stA = box.path('a/stage-ext4');
  await mkdir(stA, { recursive: true });
  await a.NodeStageVolume(stageReq('pvc-ext4', stA, cap), call);
  assert.is(await role(emu, 'node-a', 'pvc-ext4'), 'Primary');
  const uuid = await uuidOf(emu, 'node-a', 'pvc-ext4');
  await a.NodeStageVolume(stageReq('pvc-ext4', stA, cap), call); // idempotent

  const p1 = box.path('a/pods/p1/vol');
  const p2 = box.path('a/pods/p2/vol');
  await a.NodePublishVolume(pubReq('pvc-ext4', stA, p1, cap), call);
  await a.NodePublishVolume(pubReq('pvc-ext4', stA, p1, cap), call); // idempotent
  await a.NodePublishVolume(pubReq('pvc-ext4', stA, p2, cap), call); // two pods, one node
  await writeFile(`${p1}/data`, 'precious');
  assert.is(await readFile(`${p2}/data`, 'utf8'), 'precious');

  const stats = await a.NodeGetVolumeStats({ volume_id: 'pvc-ext4', volume_path: p1, staging_target_path: stA }, call);
  const bytes = stats.usage?.find((u) => u.unit === 'BYTES');
  assert.ok(Number(bytes?.total) > 50 << 20 && Number(bytes?.used) > 0);
  assert.ok(Number(stats.usage?.find((u) => u.unit === 'INODES')?.total) > 0);
  assert.is(stats.volume_condition?.abnormal, false);

  // Unstage while published is refused: demoting would pull the device from under the pods.
  const still = await code(a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA }, call));
  assert.is(still.code, Code.FAILED_PRECONDITION);
  assert.match(still.message, /still published/);

  for (const p of [p1, p2]) {
    await a.NodeUnpublishVolume({ volume_id: 'pvc-ext4', target_path: p }, call);
    await a.NodeUnpublishVolume({ volume_id: 'pvc-ext4', target_path: p }, call); // idempotent, already gone
    assert.is(await box.ourMounts().then((m) => m.includes(p)), false);
    await rejects(() => readFile(`${p}/data`), /ENOENT/);
  }
  await a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA }, call); // idempotent
  assert.is(await role(emu, 'node-a', 'pvc-ext4'), 'Secondary');

  // Same node again: mounted, not reformatted.
  await a.NodeStageVolume(stageReq('pvc-ext4', stA, cap), call);
  assert.is(await readFile(`${stA}/data`, 'utf8'), 'precious');
  assert.is(await uuidOf(emu, 'node-a', 'pvc-ext4'), uuid);
  await a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA }, call);

  // Another node after the first demoted.
  const stB = box.path('b/stage-ext4');
  await mkdir(stB, { recursive: true });
  await b.NodeStageVolume(stageReq('pvc-ext4', stB, cap), call);
  assert.is(await role(emu, 'node-b', 'pvc-ext4'), 'Primary');
  assert.is(await readFile(`${stB}/data`, 'utf8'), 'precious');
  assert.is(await uuidOf(emu, 'node-b', 'pvc-ext4'), uuid);
  await b.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stB }, call);
});

t('promotion is refused while another node is Primary, naming that node', async ({ box, api, a, b }) => {
  await api.volume('pvc-prim', 32, ['node-a', 'node-b']);
  const cap = mountCap('ext4');
  const stA = box.path('a/stage-prim');
  const stB = box.path('b/stage-prim');
  await a.NodeStageVolume(stageReq('pvc-prim', stA, cap), call);
  const e = await code(b.NodeStageVolume(stageReq('pvc-prim', stB, cap), call));
  assert.is(e.code, Code.FAILED_PRECONDITION);
  assert.match(e.message, /in use on node node-a/);
  assert.is((await box.ourMounts()).includes(stB), false);
  await a.NodeUnstageVolume({ volume_id: 'pvc-prim', staging_target_path: stA }, call);
});

t('xfs: nouuid mount, read-only publish rejects writes, online expansion visible in statfs', async ({ box, api, a }) => {
  await api.volume('pvc-xfs', 320, ['node-a']);
  const cap = mountCap('xfs');
  const st = box.path('a/stage-xfs');
  await a.NodeStageVolume(stageReq('pvc-xfs', st, cap), call);
  const m = (await sh('findmnt', ['-n', '-o', 'FSTYPE,OPTIONS', '--mountpoint', st])).trim();
  assert.match(m, /^xfs .*nouuid/);
  const rw = box.path('a/pods/x1/vol');
  const ro = box.path('a/pods/x2/vol');
  await a.NodePublishVolume(pubReq('pvc-xfs', st, rw, cap), call);
  await a.NodePublishVolume(pubReq('pvc-xfs', st, ro, cap, true), call);
  await writeFile(`${rw}/f`, 'x');
  assert.is(await readFile(`${ro}/f`, 'utf8'), 'x');
  await rejects(() => writeFile(`${ro}/g`, 'y'), /EROFS/);
  // Same target, other read-only flag: ALREADY_EXISTS.
  assert.is((await code(a.NodePublishVolume(pubReq('pvc-xfs', st, ro, cap, false), call))).code, Code.ALREADY_EXISTS);

  const before = Number((await a.NodeGetVolumeStats({ volume_id: 'pvc-xfs', volume_path: rw, staging_target_path: st }, call)).usage?.[0]?.total);
  await api.resize('pvc-xfs', 512);
  const r = await a.NodeExpandVolume({ volume_id: 'pvc-xfs', volume_path: rw, staging_target_path: st, capacity_range: { required_bytes: String(512 << 20), limit_bytes: '0' }, volume_capability: cap, secrets: {} }, call);
  assert.is(Number(r.capacity_bytes), 512 << 20);
  const after = Number((await a.NodeGetVolumeStats({ volume_id: 'pvc-xfs', volume_path: rw, staging_target_path: st }, call)).usage?.[0]?.total);
  assert.ok(after > before + (150 << 20), `${before} -> ${after}`);

  for (const p of [rw, ro]) await a.NodeUnpublishVolume({ volume_id: 'pvc-xfs', target_path: p }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-xfs', staging_target_path: st }, call);
});

t('block: no filesystem, bind of the device onto a file, read-only block publish, stats and expand report the size', async ({ box, emu, api, a }) => {
  await api.volume('pvc-blk', 16, ['node-a']);
  const cap = blockCap();
  const st = box.path('a/stage-blk');
  await a.NodeStageVolume(stageReq('pvc-blk', st, cap), call);
  await a.NodeStageVolume(stageReq('pvc-blk', st, cap), call);
  const tgt = box.path('a/pods/b1/dev');
  const rot = box.path('a/pods/b2/dev');
  await a.NodePublishVolume(pubReq('pvc-blk', st, tgt, cap), call);
  await a.NodePublishVolume(pubReq('pvc-blk', st, tgt, cap), call);
  await a.NodePublishVolume(pubReq('pvc-blk', st, rot, cap, true), call);
  const fh = await open(tgt, 'r+');
  await fh.write(Buffer.from('block-bytes'), 0, 11, 4096);
  await fh.sync();
  await fh.close();
  const dev = await open(`${emu.nodeDevRoot('node-a')}/drbd/by-res/pvc-blk/0`, 'r');
  const buf = Buffer.alloc(11);
  await dev.read(buf, 0, 11, 4096);
  await dev.close();
  assert.is(buf.toString(), 'block-bytes');
  assert.ok((await sh('findmnt', ['-n', '-o', 'OPTIONS', '--mountpoint', rot])).split(',').includes('ro'));
  assert.equal((await a.NodeGetVolumeStats({ volume_id: 'pvc-blk', volume_path: tgt, staging_target_path: st }, call)).usage, [{ unit: 'BYTES', total: String(16 << 20) }]);
  const r = await a.NodeExpandVolume({ volume_id: 'pvc-blk', volume_path: tgt, staging_target_path: st, capacity_range: null, volume_capability: cap, secrets: {} }, call);
  assert.is(r.capacity_bytes, String(16 << 20));
  // Never formatted.
  assert.is((await sh('blkid', ['-p', '-o', 'export', `${emu.nodeDevRoot('node-a')}/drbd/by-res/pvc-blk/0`]).catch(() => '')).includes('TYPE='), false);
  // A filesystem stage on the same path: ALREADY_EXISTS.
  assert.is((await code(a.NodeStageVolume(stageReq('pvc-blk', st, mountCap('ext4')), call))).code, Code.ALREADY_EXISTS);
  for (const p of [tgt, rot]) await a.NodeUnpublishVolume({ volume_id: 'pvc-blk', target_path: p }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-blk', staging_target_path: st }, call);
  assert.is((await box.ourMounts()).filter((m) => m.startsWith(st)).length, 0);
});

t('block, read-only access mode: never promoted, device set read-only, writes through the target fail', async ({ box, emu, api, a }) => {
  await api.volume('pvc-blkro', 16, ['node-a']);
  const cap = blockCap('MULTI_NODE_READER_ONLY');
  const st = box.path('a/stage-blkro');
  const tgt = box.path('a/pods/bro/dev');
  await a.NodeStageVolume(stageReq('pvc-blkro', st, cap), call);
  assert.is(await role(emu, 'node-a', 'pvc-blkro'), 'Secondary');
  await a.NodePublishVolume(pubReq('pvc-blkro', st, tgt, cap, true), call);
  // The kernel refuses the open for writing, or (newer kernels) every write.
  await rejects(async () => {
    const fh = await open(tgt, 'r+');
    try {
      await fh.write(Buffer.from('x'), 0, 1, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }, /EROFS|EACCES|EPERM/);
  await a.NodeUnpublishVolume({ volume_id: 'pvc-blkro', target_path: tgt }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-blkro', staging_target_path: st }, call);
  // A later read-write stage makes the device writable again.
  await a.NodeStageVolume(stageReq('pvc-blkro', st, blockCap()), call);
  await a.NodePublishVolume(pubReq('pvc-blkro', st, tgt, blockCap()), call);
  const w = await open(tgt, 'r+');
  await w.write(Buffer.from('x'), 0, 1, 0);
  await w.close();
  await a.NodeUnpublishVolume({ volume_id: 'pvc-blkro', target_path: tgt }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-blkro', staging_target_path: st }, call);
});

t('a device holding another filesystem or a partition table is refused, never formatted', async ({ box, emu, api, a }) => {
  await api.volume('pvc-other', 320, ['node-a']);
  await api.volume('pvc-pt', 16, ['node-a']);
  const devOther = `${emu.nodeDevRoot('node-a')}/drbd/by-res/pvc-other/0`;
  const devPt = `${emu.nodeDevRoot('node-a')}/drbd/by-res/pvc-pt/0`;
  await sh('mkfs.xfs', ['-q', devOther]);
  const uuid = await uuidOf(emu, 'node-a', 'pvc-other');
  await writeMbr(devPt);
  const e1 = await code(a.NodeStageVolume(stageReq('pvc-other', box.path('a/st-other'), mountCap('ext4')), call));
  assert.is(e1.code, Code.FAILED_PRECONDITION);
  assert.match(e1.message, /holds a xfs filesystem .* but ext4 was requested/);
  assert.is(await uuidOf(emu, 'node-a', 'pvc-other'), uuid);
  const e2 = await code(a.NodeStageVolume(stageReq('pvc-pt', box.path('a/st-pt'), mountCap('ext4')), call));
  assert.is(e2.code, Code.FAILED_PRECONDITION);
  assert.match(e2.message, /dos partition table/);
  assert.match(await sh('blkid', ['-p', '-o', 'export', devPt]), /PTTYPE=dos/);
  // The xfs one staged as xfs mounts what is there.
  await a.NodeStageVolume(stageReq('pvc-other', box.path('a/st-other'), mountCap('xfs')), call);
  assert.is(await uuidOf(emu, 'node-a', 'pvc-other'), uuid);
  await a.NodeUnstageVolume({ volume_id: 'pvc-other', staging_target_path: box.path('a/st-other') }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-pt', staging_target_path: box.path('a/st-pt') }, call);
});

t('no format while the DRBD disk is not UpToDate', async ({ box, emu, api, a }) => {
  await api.volume('pvc-sync', 16, ['node-a', 'node-b']);
  await emu.control.setDiskState('pvc-sync', 'node-a', 'Inconsistent');
  const e = await code(a.NodeStageVolume(stageReq('pvc-sync', box.path('a/st-sync'), mountCap('ext4')), call));
  assert.is(e.code, Code.FAILED_PRECONDITION);
  assert.match(e.message, /not UpToDate \(Inconsistent\)/);
  await emu.control.setDiskState('pvc-sync', 'node-a', null);
  await a.NodeUnstageVolume({ volume_id: 'pvc-sync', staging_target_path: box.path('a/st-sync') }, call);
});

t('a busy mount is retried a bounded number of times, then FAILED_PRECONDITION; succeeds once released', async ({ box, api, a }) => {
  await api.volume('pvc-busy', 16, ['node-a']);
  const cap = mountCap('ext4');
  const st = box.path('a/st-busy');
  const tgt = box.path('a/pods/busy/vol');
  await a.NodeStageVolume(stageReq('pvc-busy', st, cap), call);
  await a.NodePublishVolume(pubReq('pvc-busy', st, tgt, cap), call);
  const fh = await open(`${tgt}/held`, 'w');
  const e = await code(a.NodeUnpublishVolume({ volume_id: 'pvc-busy', target_path: tgt }, call));
  assert.is(e.code, Code.FAILED_PRECONDITION);
  assert.match(e.message, /busy/);
  await fh.close();
  await a.NodeUnpublishVolume({ volume_id: 'pvc-busy', target_path: tgt }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-busy', staging_target_path: st }, call);
});

t('a restarted plugin (fresh service, no memory) carries on mid-lifecycle', async ({ box, emu, api, a }) => {
  await api.volume('pvc-restart', 16, ['node-a']);
  const cap = mountCap('ext4');
  const st = box.path('a/st-restart');
  const tgt = box.path('a/pods/r/vol');
  await a.NodeStageVolume(stageReq('pvc-restart', st, cap), call);
  const fresh = service(emu, api, 'node-a');
  await fresh.NodeStageVolume(stageReq('pvc-restart', st, cap), call);
  await fresh.NodePublishVolume(pubReq('pvc-restart', st, tgt, cap), call);
  const again = service(emu, api, 'node-a');
  await again.NodePublishVolume(pubReq('pvc-restart', st, tgt, cap), call);
  assert.is((await again.NodeGetVolumeStats({ volume_id: 'pvc-restart', volume_path: tgt, staging_target_path: st }, call)).volume_condition?.abnormal, false);
  await again.NodeUnpublishVolume({ volume_id: 'pvc-restart', target_path: tgt }, call);
  await service(emu, api, 'node-a').NodeUnstageVolume({ volume_id: 'pvc-restart', staging_target_path: st }, call);
  assert.is(await role(emu, 'node-a', 'pvc-restart'), 'Secondary');
});

t('errors: not staged, incompatible restage, unknown paths, missing device, bad ids', async ({ box, api, a }) => {
  await api.volume('pvc-err', 16, ['node-a']);
  const cap = mountCap('ext4');
  const st = box.path('a/st-err');
  assert.is((await code(a.NodePublishVolume(pubReq('pvc-err', st, box.path('a/pods/e/vol'), cap), call))).code, Code.FAILED_PRECONDITION);
  await a.NodeStageVolume(stageReq('pvc-err', st, cap), call);
  assert.is((await code(a.NodeStageVolume(stageReq('pvc-err', st, mountCap('xfs')), call))).code, Code.ALREADY_EXISTS);
  assert.is((await code(a.NodeStageVolume(stageReq('pvc-err', st, mountCap('ext4', 'SINGLE_NODE_READER_ONLY')), call))).code, Code.ALREADY_EXISTS);
  assert.is((await code(a.NodeGetVolumeStats({ volume_id: 'pvc-err', volume_path: box.path('nope'), staging_target_path: '' }, call))).code, Code.NOT_FOUND);
  assert.is((await code(a.NodeExpandVolume({ volume_id: 'pvc-err', volume_path: box.path('nope'), staging_target_path: '', capacity_range: null, volume_capability: cap, secrets: {} }, call))).code, Code.NOT_FOUND);
  const missing = await code(a.NodeStageVolume(stageReq('pvc-nowhere', box.path('a/st-nowhere'), cap), call));
  assert.is(missing.code, Code.NOT_FOUND);
  assert.match(missing.message, /did not appear/);
  assert.is((await code(a.NodeStageVolume(stageReq('../etc', st, cap), call))).code, Code.INVALID_ARGUMENT);
  assert.is((await code(a.NodeStageVolume(stageReq('pvc-err', 'relative', cap), call))).code, Code.INVALID_ARGUMENT);
  await a.NodeUnstageVolume({ volume_id: 'pvc-err', staging_target_path: st }, call);
  const bad = await code(a.NodeStageVolume(stageReq('pvc-err', st, cap, { 'linstor.csi.linbit.com/fs-opts': '-F' }), call));
  assert.is(bad.code, Code.INVALID_ARGUMENT);
});

t('volume condition: disk state, quorum, split brain, and a vanished mount', async ({ box, emu, api, a }) => {
  await api.volume('pvc-health', 16, ['node-a', 'node-b']);
  const cap = mountCap('ext4');
  const st = box.path('a/st-health');
  const tgt = box.path('a/pods/h/vol');
  await a.NodeStageVolume(stageReq('pvc-health', st, cap), call);
  await a.NodePublishVolume(pubReq('pvc-health', st, tgt, cap), call);
  const cond = async () => (await a.NodeGetVolumeStats({ volume_id: 'pvc-health', volume_path: tgt, staging_target_path: st }, call)).volume_condition;
  assert.is((await cond())?.abnormal, false);
  await emu.control.setDiskState('pvc-health', 'node-a', 'Outdated');
  assert.match((await cond())?.message ?? '', /local DRBD disk is Outdated/);
  await emu.control.setDiskState('pvc-health', 'node-a', null);
  await emu.control.setQuorumLost('pvc-health', 'node-a', true);
  assert.match((await cond())?.message ?? '', /lost quorum/);
  await emu.control.setQuorumLost('pvc-health', 'node-a', false);
  await emu.control.setConnectionState('pvc-health', 'node-a', 'StandAlone', 'node-b');
  const sb = await cond();
  assert.ok(sb?.abnormal);
  assert.match(sb?.message ?? '', /node-b is StandAlone \(split brain/);
  await emu.control.setConnectionState('pvc-health', 'node-a', null);
  await sh('umount', [tgt]);
  const gone = await cond();
  assert.ok(gone?.abnormal);
  assert.match(gone?.message ?? '', /nothing is mounted/);
  await a.NodeUnpublishVolume({ volume_id: 'pvc-health', target_path: tgt }, call);
  await a.NodeUnstageVolume({ volume_id: 'pvc-health', staging_target_path: st }, call);
});

t('NodeGetInfo: node id, limit, hostname plus the LINSTOR topology properties', async ({ api, a }) => {
  await api.setNodeProps('node-a', { 'Aux/topology/topology.kubernetes.io/zone': 'zone-1', 'Aux/unrelated': 'x' });
  const info = await a.NodeGetInfo({}, call);
  assert.is(info.node_id, 'node-a');
  assert.is(String(info.max_volumes_per_node), '1000');
  assert.is(info.accessible_topology?.segments?.['linbit.com/hostname'], 'node-a');
  assert.is(info.accessible_topology?.segments?.['topology.kubernetes.io/zone'], 'zone-1');
  assert.is(info.accessible_topology?.segments?.['unrelated'], undefined);
  const caps = await a.NodeGetCapabilities({}, call);
  assert.equal(caps.capabilities?.map((c) => c.rpc?.type), ['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME', 'VOLUME_CONDITION', 'SINGLE_NODE_MULTI_WRITER']);
});

t.run();
