/**
 * The node service through the real CLI over its unix socket, against the LINSTOR emulator: real
 * loop devices, real mkfs and mounts, the emulator's drbdadm/drbdsetup stand-ins per node. Each
 * emulated node runs its own `linstor-csi serve --mode=node` child process with that node's device
 * root and PATH (test/helpers/emulated-cluster.ts). Every test gets a fresh emulator and fresh
 * drivers, and tears them down (processes, mounts, loop devices) even when it fails.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { startCluster, mountsUnder, type Cluster, withDriverLogs } from '../helpers/emulated-cluster.js';
import { Status } from '../helpers/grpc-clients.js';
import { EmuApi, blockCap, failure, mountCap, pubReq, rejects, sh, stageReq, writeMbr } from './node-fixtures.js';

interface Ctx {
  cluster: Cluster | undefined;
  api: EmuApi;
}

const NODES = ['node-a', 'node-b'];

/** The Node client of `node`'s driver process as it runs now (a restart replaces it). */
const nodeOf = (c: Cluster, node: string) => c.driver(node).node;

async function role(c: Cluster, node: string, rsc: string): Promise<string> {
  return (await c.emu.control.drbd(node, 'drbdadm', ['role', rsc])).stdout.trim();
}

const devOf = (c: Cluster, node: string, rsc: string): string => `${c.emu.nodeDevRoot(node)}/drbd/by-res/${rsc}/0`;

async function uuidOf(c: Cluster, node: string, rsc: string): Promise<string> {
  return (await sh('blkid', ['-p', '-s', 'UUID', '-o', 'value', devOf(c, node, rsc)])).trim();
}

/** The directory a kubelet would have created for the staging mount. */
async function stagingDir(c: Cluster, ...parts: string[]): Promise<string> {
  const p = c.path(...parts);
  await mkdir(p, { recursive: true });
  return p;
}

const mounted = (c: Cluster): string[] => mountsUnder(c.dir);

const t = suite<Ctx>('node-service (real CLI over the socket, emulator)');

t.before.each(async (ctx) => {
  ctx.cluster = undefined;
  ctx.cluster = await startCluster({
    prefix: 'lcsi-nodesvc-',
    nodes: NODES,
    emulator: { nodes: ['node-a', 'node-b', 'node-c'], resyncMs: 0 },
    args: ['--device-wait-timeout=2s', '--max-volumes-per-node=1000', '--shutdown-timeout=5s', '--log-level=debug'],
  });
  ctx.api = new EmuApi(ctx.cluster.emu.url);
});

t.after.each(async (ctx) => {
  const c = ctx.cluster;
  ctx.cluster = undefined;
  // Stops the drivers, unmounts what a failed test left, clears read-only flags, stops the emulator (detaching its loop devices).
  await c?.stop();
});

/** A test whose failure also prints the tail of every driver's log. */
function it(name: string, fn: (c: Cluster, api: EmuApi) => Promise<void>): void {
  t(name, async (ctx) => {
    const c = ctx.cluster;
    if (!c) throw new Error('the cluster did not start');
    await withDriverLogs(c, name, () => fn(c, ctx.api));
  });
}

it('ext4: stage formats once; two publishes; data survives unstage, restage and a move to another node', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  const b = nodeOf(c, 'node-b');
  await api.volume('pvc-ext4', 64, ['node-a', 'node-b']);
  const cap = mountCap('ext4');
  const stA = await stagingDir(c, 'a/stage-ext4');
  await a.NodeStageVolume(stageReq('pvc-ext4', stA, cap));
  assert.is(await role(c, 'node-a', 'pvc-ext4'), 'Primary');
  const uuid = await uuidOf(c, 'node-a', 'pvc-ext4');
  assert.ok(uuid.length > 0, 'formatted');
  await a.NodeStageVolume(stageReq('pvc-ext4', stA, cap)); // idempotent

  const p1 = c.path('a/pods/p1/vol');
  const p2 = c.path('a/pods/p2/vol');
  await a.NodePublishVolume(pubReq('pvc-ext4', stA, p1, cap));
  await a.NodePublishVolume(pubReq('pvc-ext4', stA, p1, cap)); // idempotent
  await a.NodePublishVolume(pubReq('pvc-ext4', stA, p2, cap)); // two pods, one node
  await writeFile(`${p1}/data`, 'precious');
  assert.is(await readFile(`${p2}/data`, 'utf8'), 'precious');

  const stats = await a.NodeGetVolumeStats({ volume_id: 'pvc-ext4', volume_path: p1, staging_target_path: stA });
  const bytes = stats.usage?.find((u: { unit: string }) => u.unit === 'BYTES');
  assert.ok(Number(bytes?.total) > 50 << 20 && Number(bytes?.used) > 0);
  assert.ok(Number(stats.usage?.find((u: { unit: string }) => u.unit === 'INODES')?.total) > 0);
  assert.is(stats.volume_condition?.abnormal, false);

  // Unstage while published is refused: demoting would pull the device from under the pods.
  const still = await failure(a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA }));
  assert.is(still.code, Status.FAILED_PRECONDITION);
  assert.match(still.message, /still published/);

  for (const p of [p1, p2]) {
    await a.NodeUnpublishVolume({ volume_id: 'pvc-ext4', target_path: p });
    await a.NodeUnpublishVolume({ volume_id: 'pvc-ext4', target_path: p }); // idempotent, already gone
    assert.is(mounted(c).includes(p), false);
    await rejects(() => readFile(`${p}/data`), /ENOENT/);
  }
  await a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA });
  await a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA }); // idempotent
  assert.is(await role(c, 'node-a', 'pvc-ext4'), 'Secondary');
  assert.is(mounted(c).includes(stA), false);

  // Same node again: mounted, not reformatted.
  await a.NodeStageVolume(stageReq('pvc-ext4', stA, cap));
  assert.is(await readFile(`${stA}/data`, 'utf8'), 'precious');
  assert.is(await uuidOf(c, 'node-a', 'pvc-ext4'), uuid);
  await a.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stA });
  assert.is(await role(c, 'node-a', 'pvc-ext4'), 'Secondary');

  // Another node after the first demoted.
  const stB = await stagingDir(c, 'b/stage-ext4');
  await b.NodeStageVolume(stageReq('pvc-ext4', stB, cap));
  assert.is(await role(c, 'node-b', 'pvc-ext4'), 'Primary');
  assert.is(await readFile(`${stB}/data`, 'utf8'), 'precious');
  assert.is(await uuidOf(c, 'node-b', 'pvc-ext4'), uuid);
  await b.NodeUnstageVolume({ volume_id: 'pvc-ext4', staging_target_path: stB });
  assert.is(await role(c, 'node-b', 'pvc-ext4'), 'Secondary');
});

it('xfs: data survives unstage, restage and a move to another node, never reformatted', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  const b = nodeOf(c, 'node-b');
  await api.volume('pvc-xfsmove', 320, ['node-a', 'node-b']);
  const cap = mountCap('xfs');
  const stA = await stagingDir(c, 'a/stage-xfsmove');
  await a.NodeStageVolume(stageReq('pvc-xfsmove', stA, cap));
  const uuid = await uuidOf(c, 'node-a', 'pvc-xfsmove');
  assert.ok(uuid.length > 0, 'formatted');
  const tgt = c.path('a/pods/xm/vol');
  await a.NodePublishVolume(pubReq('pvc-xfsmove', stA, tgt, cap));
  await writeFile(`${tgt}/data`, 'xfs-precious');
  await a.NodeUnpublishVolume({ volume_id: 'pvc-xfsmove', target_path: tgt });
  await a.NodeUnstageVolume({ volume_id: 'pvc-xfsmove', staging_target_path: stA });
  assert.is(await role(c, 'node-a', 'pvc-xfsmove'), 'Secondary');

  await a.NodeStageVolume(stageReq('pvc-xfsmove', stA, cap));
  assert.is(await readFile(`${stA}/data`, 'utf8'), 'xfs-precious');
  assert.is(await uuidOf(c, 'node-a', 'pvc-xfsmove'), uuid);
  await a.NodeUnstageVolume({ volume_id: 'pvc-xfsmove', staging_target_path: stA });

  const stB = await stagingDir(c, 'b/stage-xfsmove');
  await b.NodeStageVolume(stageReq('pvc-xfsmove', stB, cap));
  assert.is(await role(c, 'node-b', 'pvc-xfsmove'), 'Primary');
  assert.is(await readFile(`${stB}/data`, 'utf8'), 'xfs-precious');
  assert.is(await uuidOf(c, 'node-b', 'pvc-xfsmove'), uuid);
  await b.NodeUnstageVolume({ volume_id: 'pvc-xfsmove', staging_target_path: stB });
});

it('promotion is refused while another node is Primary, naming that node', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  const b = nodeOf(c, 'node-b');
  await api.volume('pvc-prim', 32, ['node-a', 'node-b']);
  const cap = mountCap('ext4');
  const stA = c.path('a/stage-prim');
  const stB = c.path('b/stage-prim');
  await a.NodeStageVolume(stageReq('pvc-prim', stA, cap));
  const e = await failure(b.NodeStageVolume(stageReq('pvc-prim', stB, cap)));
  assert.is(e.code, Status.FAILED_PRECONDITION);
  assert.match(e.message, /in use on node node-a/);
  assert.is(mounted(c).includes(stB), false);
  assert.is(await role(c, 'node-b', 'pvc-prim'), 'Secondary');
  await a.NodeUnstageVolume({ volume_id: 'pvc-prim', staging_target_path: stA });
});

it('xfs: nouuid mount, read-only publish rejects writes, online expansion visible in statfs', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-xfs', 320, ['node-a']);
  const cap = mountCap('xfs');
  const st = c.path('a/stage-xfs');
  await a.NodeStageVolume(stageReq('pvc-xfs', st, cap));
  const m = (await sh('findmnt', ['-n', '-o', 'FSTYPE,OPTIONS', '--mountpoint', st])).trim();
  assert.match(m, /^xfs .*nouuid/);
  const rw = c.path('a/pods/x1/vol');
  const ro = c.path('a/pods/x2/vol');
  await a.NodePublishVolume(pubReq('pvc-xfs', st, rw, cap));
  await a.NodePublishVolume(pubReq('pvc-xfs', st, ro, cap, true));
  await writeFile(`${rw}/f`, 'x');
  assert.is(await readFile(`${ro}/f`, 'utf8'), 'x');
  await rejects(() => writeFile(`${ro}/g`, 'y'), /EROFS/);
  // Same target, other read-only flag: ALREADY_EXISTS.
  assert.is((await failure(a.NodePublishVolume(pubReq('pvc-xfs', st, ro, cap, false)))).code, Status.ALREADY_EXISTS);

  const before = Number((await a.NodeGetVolumeStats({ volume_id: 'pvc-xfs', volume_path: rw, staging_target_path: st })).usage?.[0]?.total);
  await api.resize('pvc-xfs', 512);
  const r = await a.NodeExpandVolume({ volume_id: 'pvc-xfs', volume_path: rw, staging_target_path: st, capacity_range: { required_bytes: String(512 << 20), limit_bytes: '0' }, volume_capability: cap, secrets: {} });
  assert.is(Number(r.capacity_bytes), 512 << 20);
  const after = Number((await a.NodeGetVolumeStats({ volume_id: 'pvc-xfs', volume_path: rw, staging_target_path: st })).usage?.[0]?.total);
  assert.ok(after > before + (150 << 20), `${before} -> ${after}`);

  for (const p of [rw, ro]) await a.NodeUnpublishVolume({ volume_id: 'pvc-xfs', target_path: p });
  await a.NodeUnstageVolume({ volume_id: 'pvc-xfs', staging_target_path: st });
  assert.is(mounted(c).length, 0);
});

it('block: no filesystem, bind of the device onto a file, read-only publish of a read-write stage refused, stats and expand report the size', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-blk', 16, ['node-a']);
  const cap = blockCap();
  const st = c.path('a/stage-blk');
  await a.NodeStageVolume(stageReq('pvc-blk', st, cap));
  await a.NodeStageVolume(stageReq('pvc-blk', st, cap));
  assert.is(await role(c, 'node-a', 'pvc-blk'), 'Primary');
  const tgt = c.path('a/pods/b1/dev');
  const rot = c.path('a/pods/b2/dev');
  await a.NodePublishVolume(pubReq('pvc-blk', st, tgt, cap));
  await a.NodePublishVolume(pubReq('pvc-blk', st, tgt, cap));
  // readonly=true on a read-write staged block volume: a read-only bind of a device node would
  // still accept writes, so it is refused and nothing is bound at the target.
  const roRefused = await failure(a.NodePublishVolume(pubReq('pvc-blk', st, rot, cap, true)));
  assert.is(roRefused.code, Status.FAILED_PRECONDITION);
  assert.match(roRefused.message, /staged read-write/);
  assert.is(mounted(c).includes(rot), false, 'no bind left at the refused target');
  const fh = await open(tgt, 'r+');
  await fh.write(Buffer.from('block-bytes'), 0, 11, 4096);
  await fh.sync();
  await fh.close();
  const dev = await open(devOf(c, 'node-a', 'pvc-blk'), 'r');
  const buf = Buffer.alloc(11);
  await dev.read(buf, 0, 11, 4096);
  await dev.close();
  assert.is(buf.toString(), 'block-bytes');
  // On the wire, unset int64 fields read as "0": only the total is reported.
  assert.equal((await a.NodeGetVolumeStats({ volume_id: 'pvc-blk', volume_path: tgt, staging_target_path: st })).usage, [
    { unit: 'BYTES', total: String(16 << 20), available: '0', used: '0' },
  ]);
  const r = await a.NodeExpandVolume({ volume_id: 'pvc-blk', volume_path: tgt, staging_target_path: st, volume_capability: cap, secrets: {} });
  assert.is(r.capacity_bytes, String(16 << 20));
  // Never formatted.
  assert.is((await sh('blkid', ['-p', '-o', 'export', devOf(c, 'node-a', 'pvc-blk')]).catch(() => '')).includes('TYPE='), false);
  // A filesystem stage on the same path: ALREADY_EXISTS.
  assert.is((await failure(a.NodeStageVolume(stageReq('pvc-blk', st, mountCap('ext4'))))).code, Status.ALREADY_EXISTS);
  for (const p of [tgt, rot]) await a.NodeUnpublishVolume({ volume_id: 'pvc-blk', target_path: p });
  await a.NodeUnstageVolume({ volume_id: 'pvc-blk', staging_target_path: st });
  assert.is(mounted(c).filter((m) => m.startsWith(st)).length, 0);
  assert.is(await role(c, 'node-a', 'pvc-blk'), 'Secondary');

  // Staged again: the bytes written through the first publish are still there.
  await a.NodeStageVolume(stageReq('pvc-blk', st, cap));
  await a.NodePublishVolume(pubReq('pvc-blk', st, tgt, cap));
  const again = await open(tgt, 'r');
  const buf2 = Buffer.alloc(11);
  await again.read(buf2, 0, 11, 4096);
  await again.close();
  assert.is(buf2.toString(), 'block-bytes');
  await a.NodeUnpublishVolume({ volume_id: 'pvc-blk', target_path: tgt });
  await a.NodeUnstageVolume({ volume_id: 'pvc-blk', staging_target_path: st });
});

it('block, read-only access mode: never promoted, device set read-only, writes through the target fail', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-blkro', 16, ['node-a']);
  const cap = blockCap('MULTI_NODE_READER_ONLY');
  const st = c.path('a/stage-blkro');
  const tgt = c.path('a/pods/bro/dev');
  await a.NodeStageVolume(stageReq('pvc-blkro', st, cap));
  assert.is(await role(c, 'node-a', 'pvc-blkro'), 'Secondary');
  await a.NodePublishVolume(pubReq('pvc-blkro', st, tgt, cap, true));
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
  await a.NodeUnpublishVolume({ volume_id: 'pvc-blkro', target_path: tgt });
  await a.NodeUnstageVolume({ volume_id: 'pvc-blkro', staging_target_path: st });
  // A later read-write stage makes the device writable again.
  await a.NodeStageVolume(stageReq('pvc-blkro', st, blockCap()));
  await a.NodePublishVolume(pubReq('pvc-blkro', st, tgt, blockCap()));
  const w = await open(tgt, 'r+');
  await w.write(Buffer.from('x'), 0, 1, 0);
  await w.close();
  await a.NodeUnpublishVolume({ volume_id: 'pvc-blkro', target_path: tgt });
  await a.NodeUnstageVolume({ volume_id: 'pvc-blkro', staging_target_path: st });
});

it('a device holding another filesystem or a partition table is refused, never formatted', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-other', 320, ['node-a']);
  await api.volume('pvc-pt', 16, ['node-a']);
  const devOther = devOf(c, 'node-a', 'pvc-other');
  const devPt = devOf(c, 'node-a', 'pvc-pt');
  await sh('mkfs.xfs', ['-q', devOther]);
  const uuid = await uuidOf(c, 'node-a', 'pvc-other');
  await writeMbr(devPt);
  const e1 = await failure(a.NodeStageVolume(stageReq('pvc-other', c.path('a/st-other'), mountCap('ext4'))));
  assert.is(e1.code, Status.FAILED_PRECONDITION);
  assert.match(e1.message, /holds a xfs filesystem .* but ext4 was requested/);
  assert.is(await uuidOf(c, 'node-a', 'pvc-other'), uuid);
  const e2 = await failure(a.NodeStageVolume(stageReq('pvc-pt', c.path('a/st-pt'), mountCap('ext4'))));
  assert.is(e2.code, Status.FAILED_PRECONDITION);
  assert.match(e2.message, /dos partition table/);
  assert.match(await sh('blkid', ['-p', '-o', 'export', devPt]), /PTTYPE=dos/);
  assert.is(mounted(c).length, 0, 'nothing mounted for a refused stage');
  // The xfs one staged as xfs mounts what is there.
  await a.NodeStageVolume(stageReq('pvc-other', c.path('a/st-other'), mountCap('xfs')));
  assert.is(await uuidOf(c, 'node-a', 'pvc-other'), uuid);
  await a.NodeUnstageVolume({ volume_id: 'pvc-other', staging_target_path: c.path('a/st-other') });
  await a.NodeUnstageVolume({ volume_id: 'pvc-pt', staging_target_path: c.path('a/st-pt') });
  assert.is(await role(c, 'node-a', 'pvc-pt'), 'Secondary');
});

it('no format while the DRBD disk is not UpToDate', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-sync', 16, ['node-a', 'node-b']);
  await c.emu.control.setDiskState('pvc-sync', 'node-a', 'Inconsistent');
  const e = await failure(a.NodeStageVolume(stageReq('pvc-sync', c.path('a/st-sync'), mountCap('ext4'))));
  assert.is(e.code, Status.FAILED_PRECONDITION);
  assert.match(e.message, /not UpToDate \(Inconsistent\)/);
  await c.emu.control.setDiskState('pvc-sync', 'node-a', null);
  assert.is((await sh('blkid', ['-p', '-o', 'export', devOf(c, 'node-a', 'pvc-sync')]).catch(() => '')).includes('TYPE='), false);
  await a.NodeUnstageVolume({ volume_id: 'pvc-sync', staging_target_path: c.path('a/st-sync') });
});

it('a busy mount is retried a bounded number of times, then FAILED_PRECONDITION; succeeds once released', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-busy', 16, ['node-a']);
  const cap = mountCap('ext4');
  const st = c.path('a/st-busy');
  const tgt = c.path('a/pods/busy/vol');
  await a.NodeStageVolume(stageReq('pvc-busy', st, cap));
  await a.NodePublishVolume(pubReq('pvc-busy', st, tgt, cap));
  const fh = await open(`${tgt}/held`, 'w');
  try {
    const e = await failure(a.NodeUnpublishVolume({ volume_id: 'pvc-busy', target_path: tgt }));
    assert.is(e.code, Status.FAILED_PRECONDITION);
    assert.match(e.message, /busy/);
    assert.ok(mounted(c).includes(tgt), 'still mounted after the refusal');
  } finally {
    await fh.close();
  }
  await a.NodeUnpublishVolume({ volume_id: 'pvc-busy', target_path: tgt });
  await a.NodeUnstageVolume({ volume_id: 'pvc-busy', staging_target_path: st });
  assert.is(mounted(c).length, 0);
});

it('the plugin process killed (SIGKILL) and restarted mid-lifecycle carries on: idempotent, same data, no reformat', async (c, api) => {
  await api.volume('pvc-restart', 16, ['node-a']);
  const cap = mountCap('ext4');
  const st = c.path('a/st-restart');
  const tgt = c.path('a/pods/r/vol');
  /** SIGKILLs node-a's driver and starts a new process on the same socket. */
  const crash = async () => {
    const old = c.driver('node-a');
    assert.is(await c.stopNode('node-a', 'SIGKILL'), null, 'killed by the signal, no exit code');
    assert.is(old.child.signalCode, 'SIGKILL');
    const fresh = (await c.startNode('node-a')).proc;
    assert.is.not(fresh.child.pid, old.child.pid);
    return fresh.node;
  };

  await nodeOf(c, 'node-a').NodeStageVolume(stageReq('pvc-restart', st, cap));
  const uuid = await uuidOf(c, 'node-a', 'pvc-restart');

  const second = await crash();
  await second.NodeStageVolume(stageReq('pvc-restart', st, cap)); // kubelet retries: same answer
  assert.is(await uuidOf(c, 'node-a', 'pvc-restart'), uuid);
  await second.NodePublishVolume(pubReq('pvc-restart', st, tgt, cap));
  await writeFile(`${tgt}/before-crash`, 'kept');

  const third = await crash();
  await third.NodePublishVolume(pubReq('pvc-restart', st, tgt, cap));
  assert.is(await readFile(`${tgt}/before-crash`, 'utf8'), 'kept');
  assert.is((await third.NodeGetVolumeStats({ volume_id: 'pvc-restart', volume_path: tgt, staging_target_path: st })).volume_condition?.abnormal, false);
  // What the first process staged, the third still refuses to stage differently.
  assert.is((await failure(third.NodeStageVolume(stageReq('pvc-restart', st, mountCap('xfs'))))).code, Status.ALREADY_EXISTS);
  await third.NodeUnpublishVolume({ volume_id: 'pvc-restart', target_path: tgt });

  const fourth = await crash();
  await fourth.NodeUnpublishVolume({ volume_id: 'pvc-restart', target_path: tgt }); // retried: already gone
  await fourth.NodeUnstageVolume({ volume_id: 'pvc-restart', staging_target_path: st });
  assert.is(await role(c, 'node-a', 'pvc-restart'), 'Secondary');
  assert.is(mounted(c).length, 0);
  assert.is(await uuidOf(c, 'node-a', 'pvc-restart'), uuid);
});

it('errors: not staged, incompatible restage, unknown paths, missing device, bad ids', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-err', 16, ['node-a']);
  const cap = mountCap('ext4');
  const st = c.path('a/st-err');
  assert.is((await failure(a.NodePublishVolume(pubReq('pvc-err', st, c.path('a/pods/e/vol'), cap)))).code, Status.FAILED_PRECONDITION);
  await a.NodeStageVolume(stageReq('pvc-err', st, cap));
  assert.is((await failure(a.NodeStageVolume(stageReq('pvc-err', st, mountCap('xfs'))))).code, Status.ALREADY_EXISTS);
  assert.is((await failure(a.NodeStageVolume(stageReq('pvc-err', st, mountCap('ext4', 'SINGLE_NODE_READER_ONLY'))))).code, Status.ALREADY_EXISTS);
  assert.is((await failure(a.NodeGetVolumeStats({ volume_id: 'pvc-err', volume_path: c.path('nope'), staging_target_path: '' }))).code, Status.NOT_FOUND);
  assert.is((await failure(a.NodeExpandVolume({ volume_id: 'pvc-err', volume_path: c.path('nope'), staging_target_path: '', volume_capability: cap, secrets: {} }))).code, Status.NOT_FOUND);
  const missing = await failure(a.NodeStageVolume(stageReq('pvc-nowhere', c.path('a/st-nowhere'), cap)));
  assert.is(missing.code, Status.NOT_FOUND);
  assert.match(missing.message, /did not appear/);
  assert.is((await failure(a.NodeStageVolume(stageReq('../etc', st, cap)))).code, Status.INVALID_ARGUMENT);
  assert.is((await failure(a.NodeStageVolume(stageReq('pvc-err', 'relative', cap)))).code, Status.INVALID_ARGUMENT);
  await a.NodeUnstageVolume({ volume_id: 'pvc-err', staging_target_path: st });
  const bad = await failure(a.NodeStageVolume(stageReq('pvc-err', st, cap, { 'linstor.csi.linbit.com/fs-opts': '-F' })));
  assert.is(bad.code, Status.INVALID_ARGUMENT);
});

it('volume condition: disk state, quorum, split brain, and a vanished mount', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.volume('pvc-health', 16, ['node-a', 'node-b']);
  const cap = mountCap('ext4');
  const st = c.path('a/st-health');
  const tgt = c.path('a/pods/h/vol');
  await a.NodeStageVolume(stageReq('pvc-health', st, cap));
  await a.NodePublishVolume(pubReq('pvc-health', st, tgt, cap));
  const cond = async () => (await a.NodeGetVolumeStats({ volume_id: 'pvc-health', volume_path: tgt, staging_target_path: st })).volume_condition;
  assert.is((await cond())?.abnormal, false);
  await c.emu.control.setDiskState('pvc-health', 'node-a', 'Outdated');
  assert.match((await cond())?.message ?? '', /local DRBD disk is Outdated/);
  await c.emu.control.setDiskState('pvc-health', 'node-a', null);
  await c.emu.control.setQuorumLost('pvc-health', 'node-a', true);
  assert.match((await cond())?.message ?? '', /lost quorum/);
  await c.emu.control.setQuorumLost('pvc-health', 'node-a', false);
  await c.emu.control.setConnectionState('pvc-health', 'node-a', 'StandAlone', 'node-b');
  const sb = await cond();
  assert.ok(sb?.abnormal);
  assert.match(sb?.message ?? '', /node-b is StandAlone \(split brain/);
  await c.emu.control.setConnectionState('pvc-health', 'node-a', null);
  await sh('umount', [tgt]);
  const gone = await cond();
  assert.ok(gone?.abnormal);
  assert.match(gone?.message ?? '', /nothing is mounted/);
  await a.NodeUnpublishVolume({ volume_id: 'pvc-health', target_path: tgt });
  await a.NodeUnstageVolume({ volume_id: 'pvc-health', staging_target_path: st });
});

it('NodeGetInfo: node id, limit, hostname plus the LINSTOR topology properties', async (c, api) => {
  const a = nodeOf(c, 'node-a');
  await api.setNodeProps('node-a', { 'Aux/topology/topology.kubernetes.io/zone': 'zone-1', 'Aux/unrelated': 'x' });
  const info = await a.NodeGetInfo({});
  assert.is(info.node_id, 'node-a');
  assert.is(String(info.max_volumes_per_node), '1000');
  assert.is(info.accessible_topology?.segments?.['linbit.com/hostname'], 'node-a');
  assert.is(info.accessible_topology?.segments?.['topology.kubernetes.io/zone'], 'zone-1');
  assert.is(info.accessible_topology?.segments?.['unrelated'], undefined);
  assert.is((await nodeOf(c, 'node-b').NodeGetInfo({})).node_id, 'node-b');
  const caps = await a.NodeGetCapabilities({});
  assert.equal(caps.capabilities?.map((x: { rpc?: { type: string } }) => x.rpc?.type), ['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME', 'VOLUME_CONDITION', 'SINGLE_NODE_MULTI_WRITER']);
  // --mode=node: the controller services are not served by this process.
  const ctrl = await failure(c.driver('node-a').controller.ControllerGetCapabilities({}));
  assert.is(ctrl.code, Status.UNIMPLEMENTED);
});

t.run();
