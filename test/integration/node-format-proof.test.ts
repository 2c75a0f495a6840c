/**
 * Format only with proof (issue 11, item 2), through the real CLI over its socket on real loop
 * devices: each case is written onto the device, NodeStageVolume is asked to stage it as a
 * filesystem, and the device's bytes must be exactly what they were (sha256 of the whole device).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { open, writeFile } from 'node:fs/promises';
import { startCluster, mountsUnder, type Cluster, withDriverLogs } from '../helpers/emulated-cluster.js';
import { Status } from '../helpers/grpc-clients.js';
import { EmuApi, blockCap, failure, mountCap, pubReq, sh, stageReq } from './node-fixtures.js';

interface Ctx {
  cluster: Cluster | undefined;
  api: EmuApi;
}

const t = suite<Ctx>('format only with proof (real CLI, loop devices)');

t.before.each(async (ctx) => {
  ctx.cluster = undefined;
  ctx.cluster = await startCluster({
    prefix: 'lcsi-fmtproof-',
    nodes: ['node-a'],
    emulator: { nodes: ['node-a', 'node-b'], resyncMs: 0 },
    args: ['--device-wait-timeout=2s', '--shutdown-timeout=5s', '--log-level=debug'],
  });
  ctx.api = new EmuApi(ctx.cluster.emu.url);
});

t.after.each(async (ctx) => {
  const c = ctx.cluster;
  ctx.cluster = undefined;
  await c?.stop();
});

function it(name: string, fn: (c: Cluster, api: EmuApi) => Promise<void>): void {
  t(name, async (ctx) => {
    const c = ctx.cluster;
    if (!c) throw new Error('the cluster did not start');
    await withDriverLogs(c, name, () => fn(c, ctx.api));
  });
}

const devOf = (c: Cluster, rsc: string): string => `${c.emu.nodeDevRoot('node-a')}/drbd/by-res/${rsc}/0`;
const sha = async (dev: string): Promise<string> => (await sh('sha256sum', [dev])).split(' ')[0] as string;

async function writeAt(dev: string, offset: number, data: Buffer): Promise<void> {
  const fh = await open(dev, 'r+');
  try {
    await fh.write(data, 0, data.length, offset);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function rdProps(api: EmuApi, rsc: string): Promise<Record<string, string>> {
  return ((await api.call('GET', `/v1/resource-definitions/${rsc}`)) as { props?: Record<string, string> }).props ?? {};
}

/** Stages `rsc` as `fs`, expects FAILED_PRECONDITION matching `re`, and checks nothing changed. */
async function refused(c: Cluster, rsc: string, fs: string, re: RegExp): Promise<void> {
  const dev = devOf(c, rsc);
  const before = await sha(dev);
  const e = await failure(c.driver('node-a').node.NodeStageVolume(stageReq(rsc, c.path('st', rsc), mountCap(fs))));
  assert.is(e.code, Status.FAILED_PRECONDITION, e.message);
  assert.match(e.message, re);
  assert.is(await sha(dev), before, 'the device bytes are unchanged');
  assert.equal(mountsUnder(c.dir), [], 'nothing mounted');
}

it('ext4 with its first 64 KiB zeroed (4 KiB and 1 KiB blocks) is found by its backup superblocks and never formatted', async (c, api) => {
  await api.volume('pvc-ext4k', 200, ['node-a']);
  await sh('mkfs.ext4', ['-q', '-F', '-b', '4096', devOf(c, 'pvc-ext4k')]);
  await writeAt(devOf(c, 'pvc-ext4k'), 0, Buffer.alloc(64 * 1024));
  assert.match(await sh('blkid', ['-p', '-o', 'export', devOf(c, 'pvc-ext4k')]).catch(() => 'nothing'), /nothing/, 'blkid sees nothing');
  await refused(c, 'pvc-ext4k', 'ext4', /ext2\/3\/4 backup superblock \(block size 4096, group 1.*e2fsck -n -b 32768/);
  await api.volume('pvc-ext1k', 64, ['node-a']);
  await sh('mkfs.ext4', ['-q', '-F', '-b', '1024', devOf(c, 'pvc-ext1k')]);
  await writeAt(devOf(c, 'pvc-ext1k'), 0, Buffer.alloc(64 * 1024));
  await refused(c, 'pvc-ext1k', 'xfs', /ext2\/3\/4 backup superblock \(block size 1024, group 1/);
});

it('xfs with its first 64 KiB zeroed is found by its secondary superblock and never formatted', async (c, api) => {
  await api.volume('pvc-xfs', 320, ['node-a']);
  await sh('mkfs.xfs', ['-q', '-f', devOf(c, 'pvc-xfs')]);
  await writeAt(devOf(c, 'pvc-xfs'), 0, Buffer.alloc(64 * 1024));
  await refused(c, 'pvc-xfs', 'xfs', /xfs secondary superblock/);
});

it('a GPT whose primary header is gone still has its backup header at the end: never formatted', async (c, api) => {
  await api.volume('pvc-gpt', 16, ['node-a']);
  const dev = devOf(c, 'pvc-gpt');
  const size = Number((await sh('blockdev', ['--getsize64', dev])).trim());
  const hdr = Buffer.alloc(512);
  hdr.write('EFI PART', 0, 'latin1');
  await writeAt(dev, size - 512, hdr);
  await refused(c, 'pvc-gpt', 'ext4', /last MiB is not zero|gpt/);
});

it('data at 1 MiB: refused without a record, and after a raw block use of a volume born empty', async (c, api) => {
  await api.volume('pvc-static', 16, ['node-a'], 'thin-pool', null);
  await writeAt(devOf(c, 'pvc-static'), 1024 * 1024, Buffer.alloc(64 * 1024, 0xa5));
  await refused(c, 'pvc-static', 'ext4', /no record that this driver created the volume empty/);
  // Born empty, handed out as a raw block device, written at 1 MiB by the pod, then staged as a filesystem.
  await api.volume('pvc-raw', 16, ['node-a']);
  const a = c.driver('node-a').node;
  const st = c.path('st-raw');
  const target = c.path('pods', 'p', 'dev');
  await a.NodeStageVolume(stageReq('pvc-raw', st, blockCap()));
  await a.NodePublishVolume(pubReq('pvc-raw', st, target, blockCap()));
  await writeAt(target, 1024 * 1024, Buffer.alloc(64 * 1024, 0x5a));
  await a.NodeUnpublishVolume({ volume_id: 'pvc-raw', target_path: target });
  await a.NodeUnstageVolume({ volume_id: 'pvc-raw', staging_target_path: st });
  assert.is((await rdProps(api, 'pvc-raw'))['Aux/csi-block-used'], 'true', 'the block use is recorded');
  await refused(c, 'pvc-raw', 'ext4', /used as a raw block device/);
});

it('born empty: formatted once and recorded; the same volume with its filesystem wiped is never formatted again', async (c, api) => {
  await api.volume('pvc-new', 64, ['node-a']);
  const a = c.driver('node-a').node;
  const st = c.path('st-new');
  await a.NodeStageVolume(stageReq('pvc-new', st, mountCap('ext4')));
  const uuid = (await sh('blkid', ['-p', '-s', 'UUID', '-o', 'value', devOf(c, 'pvc-new')])).trim();
  const props = await rdProps(api, 'pvc-new');
  assert.is(props['Aux/csi-formatted-fs'], 'ext4');
  assert.is(props['Aux/csi-formatted-uuid'], uuid);
  await writeFile(`${st}/data`, 'precious');
  await a.NodeUnstageVolume({ volume_id: 'pvc-new', staging_target_path: st });
  // Damage: the signatures are erased (the data blocks are still there).
  await sh('wipefs', ['-a', '-q', devOf(c, 'pvc-new')]);
  await refused(c, 'pvc-new', 'ext4', new RegExp(`formatted this volume as ext4 \\(UUID ${uuid}\\).*may be damaged`));
});

it('born from a snapshot or a clone without a filesystem: refused, never formatted', async (c, api) => {
  await api.volume('pvc-snap', 16, ['node-a'], 'thin-pool', 'snapshot');
  await refused(c, 'pvc-snap', 'ext4', /created from a snapshot/);
  await api.volume('pvc-clone', 16, ['node-a'], 'thin-pool', 'clone');
  await refused(c, 'pvc-clone', 'ext4', /clone of another volume/);
});

t.run();
