// Split brain end to end with real bytes: a mounted volume on node-a, a partition, node-b forced
// Primary and written, the network back → the node (NodeGetVolumeStats), the controller
// (ControllerGetVolume) and the CLI see it; bad resolves are refused with nothing changed; the
// resolve keeping node-a snapshots node-b's data, gives node-b node-a's bytes and heals the volume.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/driver.js';
import { emulatedNodeEnv } from '../helpers/emulated-cluster.js';
import { MiB, eventually, startRig, type Rig } from './harness.js';
import { attach, conditions, createVolume, detach, publish } from './lifecycle-steps.js';

let rig: Rig;
test.before(async () => {
  rig = await startRig({ nodes: ['node-a'] });
});
test.after(async () => {
  await rig?.stop();
});

const link = (node: string, rsc: string): string => join(rig.emu.nodeDevRoot(node), 'drbd', 'by-res', rsc, '0');
const FAR_MiB = 60; // where node-b writes: past what ext4 touches in a 64 MiB volume's first use
async function readMiB(dev: string, at: number): Promise<Buffer> {
  const { stdout } = await execa('dd', [`if=${dev}`, 'bs=1M', 'count=1', `skip=${at}`, 'iflag=direct', 'status=none'], { encoding: 'buffer' });
  return Buffer.from(stdout);
}
const cli = (args: string[], node?: string) =>
  runCli(['split-brain', ...args, '--linstor-endpoint', rig.emu.url], { LINSTOR_CSI_FROM_SOURCE: '1', ...(node ? emulatedNodeEnv(rig.emu, node) : {}) }, 60_000);
const adm = (node: string, ...args: string[]) => rig.emu.control.drbd(node, 'drbdadm', args);
async function snapshots(rsc: string): Promise<string[]> {
  const r = await fetch(`${rig.emu.url}/v1/resource-definitions/${rsc}/snapshots`);
  return ((await r.json()) as { name: string }[]).map((s) => s.name);
}

test('partition → two Primaries → reconnect: detected by node, controller, CLI; resolved keeping node-a', async () => {
  const vol = await createVolume(rig, 'pvc-sb', { replicas: 2, sizeMiB: 64 });
  const view = (await (await fetch(`${rig.emu.url}/v1/view/resources?resources=pvc-sb`)).json()) as { node_name: string; flags?: string[] }[];
  const diskful = view.filter((r) => !(r.flags ?? []).includes('DISKLESS')).map((r) => r.node_name).sort();
  assert.equal(diskful, ['node-a', 'node-b'], 'the emulator places the two replicas on node-a and node-b');
  const at = await attach(rig, vol, 'node-a');
  const target = await publish(rig, vol, at, 'pod');
  const { node: nodeCondition, controller: controllerCondition } = conditions(rig, vol, at, target);

  await writeFile(join(target, 'before.txt'), 'written before the split\n');
  await execa('sync');
  await rig.emu.control.setPartition([['node-a', 'node-c'], ['node-b']]);
  await writeFile(join(target, 'side-a.txt'), 'only node-a has this\n');
  await execa('sync');
  assert.is((await adm('node-b', 'primary', 'pvc-sb')).code, 11, 'node-b has no quorum');
  assert.is((await adm('node-b', 'primary', '--force', 'pvc-sb')).code, 0, 'forced anyway');
  await execa('dd', [`of=${link('node-b', 'pvc-sb')}`, 'bs=1M', 'count=1', `seek=${FAR_MiB}`, 'oflag=direct', 'conv=notrunc', 'status=none'], { input: Buffer.alloc(MiB, 'B') });
  const bBytes = await readMiB(link('node-b', 'pvc-sb'), FAR_MiB);
  const aBytes = await readMiB(link('node-a', 'pvc-sb'), FAR_MiB);
  assert.not.ok(aBytes.equals(bBytes), 'the two sides hold different bytes');
  await rig.emu.control.setPartition(null);

  // Seen from the node, the controller and the CLI.
  const nc = await nodeCondition();
  assert.is(nc?.abnormal, true);
  assert.match(nc?.message ?? '', /node-b is StandAlone \(split brain/);
  assert.match(nc?.message ?? '', /the replicas on node-a and node-b may hold different data/);
  assert.match(nc?.message ?? '', /docs\/split-brain\.md/);
  const cc = await eventually('controller to see the split brain', async () => {
    const c = await controllerCondition();
    return c?.abnormal && /split brain/.test(c.message) ? c : undefined;
  });
  assert.match(cc.message, /split brain between nodes node-a and node-b since \d{4}-\d\d-\d\dT/);
  const list = await cli(['list']);
  assert.is(list.code, 0, list.stderr);
  assert.match(list.stdout, /pvc-sb\s+node-a \/ node-b\s+node-a, node-b/);
  const show = await cli(['show', 'pvc-sb']);
  assert.match(show.stdout, /pvc-sb: SPLIT BRAIN between node-a and node-b/);
  assert.match(show.stdout, /node-b\s+2\s+Primary\s+yes\s+UpToDate\s+node-a:StandAlone/);
  assert.match(show.stdout, /No recommendation: every side is in use/);

  // Refusals: nothing changes.
  const busy = await cli(['resolve', 'pvc-sb', '--keep', 'node-a', '--yes', '--node', 'node-b'], 'node-b');
  assert.is(busy.code, 1);
  assert.match(busy.stderr, /refusing to discard the data of node-b: it is Primary and in use/);
  const unknown = await cli(['resolve', 'pvc-sb', '--keep', 'node-x', '--yes', '--node', 'node-b'], 'node-b');
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /--keep node-x: node node-x holds no replica of pvc-sb; choose one of node-a, node-b/);
  const healthy = await createVolume(rig, 'pvc-fine', { replicas: 2, sizeMiB: 16 });
  const fine = await cli(['resolve', healthy.id, '--keep', 'node-a', '--yes', '--node', 'node-a'], 'node-a');
  assert.is(fine.code, 1);
  assert.match(fine.stderr, /volume pvc-fine is not in split brain/);
  assert.equal(await snapshots('pvc-sb'), [], 'no snapshot taken by a refused resolve');
  assert.equal(await readMiB(link('node-b', 'pvc-sb'), FAR_MiB), bBytes, 'node-b keeps its bytes');
  assert.match((await adm('node-a', 'status', 'pvc-sb')).stdout, /node-b connection:StandAlone/);

  // The operator stops using node-b; now node-a is the recommendation.
  assert.is((await adm('node-b', 'secondary', 'pvc-sb')).code, 0);
  const show2 = await cli(['show', 'pvc-sb', '--json']);
  const sb = JSON.parse(show2.stdout) as { recommendation: { keep: string; discard: string[] } };
  assert.is(sb.recommendation.keep, 'node-a');
  assert.equal(sb.recommendation.discard, ['node-b']);

  // Without --yes it asks; no answer (stdin closed) changes nothing.
  const unconfirmed = await cli(['resolve', 'pvc-sb', '--keep', 'node-a', '--node', 'node-b'], 'node-b');
  assert.is(unconfirmed.code, 1);
  assert.match(unconfirmed.stdout, /drbdadm connect --discard-my-data pvc-sb[\s\S]*Proceed\? \[y\/N\]/);
  assert.match(unconfirmed.stderr, /not confirmed; nothing was changed/);
  assert.equal(await snapshots('pvc-sb'), []);
  assert.match((await adm('node-b', 'status', 'pvc-sb')).stdout, /node-a connection:StandAlone/);

  // Resolve on node-b (victim: snapshot + steps), then on node-a (survivor: connect + wait).
  const onB = await cli(['resolve', 'pvc-sb', '--keep', 'node-a', '--yes', '--node', 'node-b'], 'node-b');
  assert.is(onB.code, 0, onB.stderr);
  assert.match(onB.stdout, /on node-b \(victim\):\n {4}drbdadm secondary pvc-sb\n {4}drbdadm disconnect pvc-sb\n {4}drbdadm connect --discard-my-data pvc-sb\n {2}on node-a \(survivor\):\n {4}drbdadm connect pvc-sb/);
  assert.match(onB.stdout, /snapshot split-brain-node-b-\d{8}t\d{6} taken on node-b/);
  assert.match(onB.stdout, /Next, on node-a: linstor-csi split-brain resolve pvc-sb --keep node-a --node node-a --yes/);
  const onA = await cli(['resolve', 'pvc-sb', '--keep', 'node-a', '--yes', '--node', 'node-a'], 'node-a');
  assert.is(onA.code, 0, onA.stderr);
  assert.match(onA.stdout, /pvc-sb: every replica Connected and UpToDate/);

  // node-b holds node-a's bytes; the snapshot holds node-b's.
  await execa('sync');
  assert.ok((await readMiB(link('node-b', 'pvc-sb'), FAR_MiB)).equals(await readMiB(link('node-a', 'pvc-sb'), FAR_MiB)));
  assert.not.ok((await readMiB(link('node-b', 'pvc-sb'), FAR_MiB)).equals(bBytes));
  const [snap] = await snapshots('pvc-sb');
  assert.ok(snap);
  const post = (path: string, body: unknown) => fetch(`${rig.emu.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.is((await post('/v1/resource-definitions', { resource_definition: { name: 'sb-backup' } })).status, 201);
  assert.is((await post(`/v1/resource-definitions/pvc-sb/snapshot-restore-volume-definition/${snap}`, { to_resource: 'sb-backup' })).status, 200);
  assert.is((await post(`/v1/resource-definitions/pvc-sb/snapshot-restore-resource/${snap}`, { to_resource: 'sb-backup' })).status, 200);
  assert.ok((await readMiB(link('node-b', 'sb-backup'), FAR_MiB)).equals(bBytes), 'the snapshot holds the discarded bytes of node-b');

  assert.is((await nodeCondition())?.abnormal, false, 'healthy on the node');
  await eventually('controller to see it healthy', async () => ((await controllerCondition())?.abnormal === false ? true : undefined));
  const none = await cli(['list']);
  assert.match(none.stdout, /no volume is in split brain/);
  await detach(rig, vol, at);
});

test.run();
