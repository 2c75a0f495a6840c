/** The node tool adapters on real loop devices, real mkfs, real mounts (root). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, open, writeFile, readFile } from 'node:fs/promises';
import { systemClock } from '../../src/util/clock.js';
import { createNodeOps, createToolRunner, isToolError, MountBusyError, ToolError, type NodeOps } from '../../src/node-ops/index.js';
import { Sandbox, writeMbr, sh, rejects } from './node-fixtures.js';

const t = suite<{ box: Sandbox; ops: NodeOps }>('node-ops');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create('lcsi-nodeops-');
  ctx.ops = createNodeOps({ clock: systemClock });
});
t.after.each(async (ctx) => {
  await ctx.box.cleanup();
});

t('runTool: typed errors carry command, exit code and trimmed stderr; timeouts; missing tools', async () => {
  const tools = createToolRunner({ defaultTimeoutMs: 5000 });
  const e1 = await tools.run('mount', ['-t', 'ext4', '/dev/does-not-exist', '/nonexistent-dir']).catch((e: unknown) => e);
  assert.ok(isToolError(e1));
  assert.is((e1 as ToolError).command, 'mount');
  assert.is((e1 as ToolError).exitCode, 32);
  assert.ok((e1 as ToolError).stderr.length > 0 && !(e1 as ToolError).stderr.endsWith('\n'));
  const e2 = (await tools.run('sleep', ['5'], { timeoutMs: 100 }).catch((e: unknown) => e)) as ToolError;
  assert.ok(e2.timedOut);
  assert.is(e2.exitCode, null);
  const e3 = (await tools.run('no-such-tool-xyz', []).catch((e: unknown) => e)) as ToolError;
  assert.ok(e3.notFound);
  await rejects(() => tools.run('/bin/sh', ['-c', 'true']), /not a plain tool name/);
  // No shell: metacharacters are plain argument bytes.
  const r = await tools.run('echo', ['$(id)', ';', '|']);
  assert.is(r.stdout.trim(), '$(id) ; |');
});

t('probe: blank, ext4, xfs, partition table, unreadable', async ({ box, ops }) => {
  const l = await box.loop(320);
  const blank = await ops.probe.probe(l.dev);
  assert.equal(blank.signature, { kind: 'none' });
  assert.ok(blank.read.readable && blank.read.headZero);
  assert.is(blank.read.sizeBytes, 320 * 1024 * 1024);

  await ops.formatter.format(l.dev, 'ext4', blank.read.sizeBytes, []);
  const e = await ops.probe.probe(l.dev);
  assert.is(e.signature.kind === 'filesystem' && e.signature.type, 'ext4');
  assert.match(await sh('dumpe2fs', ['-h', l.dev]), /Block size:\s+4096/);

  const l2 = await box.loop(320);
  await ops.formatter.format(l2.dev, 'xfs', 320 << 20, ['-L', 'vol']);
  const x = await ops.probe.probe(l2.dev);
  assert.is(x.signature.kind === 'filesystem' && x.signature.type, 'xfs');
  // mkfs.xfs without -f refuses a device that carries a signature: a second guard behind the blank check.
  await rejects(() => ops.formatter.format(l.dev, 'xfs', 320 << 20, []), /existing filesystem/);

  const l3 = await box.loop(64);
  await writeMbr(l3.dev);
  const p = await ops.probe.probe(l3.dev);
  assert.equal(p.signature, { kind: 'partition-table', pttype: 'dos' });

  const gone = await ops.probe.probe(box.path('no-such-device'));
  assert.not.ok(gone.read.readable);
  assert.is(gone.signature.kind, 'error');

  const l4 = await box.loop(16);
  const fh = await open(l4.dev, 'r+');
  await fh.write(Buffer.from('raw database page'), 0, 17, 100);
  await fh.close();
  const raw = await ops.probe.probe(l4.dev);
  assert.equal(raw.signature, { kind: 'none' });
  assert.not.ok(raw.read.headZero);
});

t('mounter: mount, table, read-only bind, busy unmount retries, idempotent unmount', async ({ box, ops }) => {
  const l = await box.loop(64);
  await ops.formatter.format(l.dev, 'ext4', 64 << 20, []);
  const stage = box.path('stage');
  const pub = box.path('pub');
  await mkdir(stage);
  await mkdir(pub);
  await ops.mounter.mount(l.dev, stage, 'ext4', ['noatime']);
  const m = await ops.mounter.at(stage);
  assert.ok(m);
  assert.is(m!.fstype, 'ext4');
  assert.is(m!.majMin, await ops.fs.deviceNumber(l.dev));
  await writeFile(`${stage}/f`, 'x');
  await ops.mounter.bind(stage, pub, true);
  const b = await ops.mounter.at(pub);
  assert.ok(b?.options.includes('ro'));
  assert.is(b?.majMin, m!.majMin);
  assert.is(await readFile(`${pub}/f`, 'utf8'), 'x');
  await rejects(() => writeFile(`${pub}/g`, 'y'), /EROFS/);

  const fh = await open(`${stage}/f`, 'r');
  const started = Date.now();
  const busy = await ops.mounter.unmount(stage, { busyRetries: 2, retryDelayMs: 50 }).catch((e: unknown) => e);
  assert.instance(busy, MountBusyError);
  assert.ok(Date.now() - started >= 100);
  await fh.close();
  assert.is(await ops.mounter.unmount(pub), 'unmounted');
  assert.is(await ops.mounter.unmount(stage), 'unmounted');
  assert.is(await ops.mounter.unmount(stage), 'not-mounted');
});

t('resizer: online xfs growth; offline ext4 growth (online ext4 needs CAP_SYS_RESOURCE)', async ({ box, ops }) => {
  const l = await box.loop(320);
  await ops.formatter.format(l.dev, 'xfs', 320 << 20, []);
  const mnt = box.path('x');
  await mkdir(mnt);
  await ops.mounter.mount(l.dev, mnt, 'xfs', ['nouuid']);
  const before = await ops.fs.statfs(mnt);
  await box.grow(l, 480);
  assert.is(await ops.blockdev.sizeBytes(l.dev), 480 << 20);
  await ops.resizer.grow('xfs', l.dev, mnt);
  assert.is(await ops.resizer.fsSizeBytes('xfs', l.dev, mnt), 480 << 20);
  assert.ok((await ops.fs.statfs(mnt)).totalBytes > before.totalBytes + (150 << 20));

  const e = await box.loop(64);
  await ops.formatter.format(e.dev, 'ext4', 64 << 20, []);
  await box.grow(e, 128);
  await ops.resizer.growOffline(e.dev);
  assert.is(await ops.resizer.fsSizeBytes('ext4', e.dev, ''), 128 << 20);
});

t('blockdev: size and the read-only flag', async ({ box, ops }) => {
  const l = await box.loop(8);
  assert.is(await ops.blockdev.sizeBytes(l.dev), 8 << 20);
  assert.is(await ops.blockdev.isReadOnly(l.dev), false);
  await ops.blockdev.setReadOnly(l.dev, true);
  assert.is((await sh('blockdev', ['--getro', l.dev])).trim(), '1');
  assert.is(await ops.blockdev.isReadOnly(l.dev), true);
  await ops.blockdev.setReadOnly(l.dev, false);
  assert.is((await sh('blockdev', ['--getro', l.dev])).trim(), '0');
  assert.is(await ops.blockdev.isReadOnly(l.dev), false);
});

t.run();
