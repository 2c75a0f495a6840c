/**
 * Replica placement of restored and cloned volumes, with the accessibility requirements
 * csi-provisioner sends once CSINode objects exist (every node requisite, one node preferred
 * first): a restore into a `placementCount: "2"` class gets two replicas, one of them on the
 * preferred node; a clone gets the replica count of its own class, not its source's.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MiB, startSnapRig, uniq, type SnapRig } from './snapshot-harness.js';

const test = suite<{ rig: SnapRig }>('snapshot placement');

test.before(async (ctx) => {
  ctx.rig = await startSnapRig();
});
test.after(async (ctx) => {
  await ctx.rig?.stop();
});

const KEY = 'linbit.com/hostname';
const seg = (node: string) => ({ segments: { [KEY]: node } });

/** What csi-provisioner sends for an Immediate PVC: all nodes requisite, preferred starting at `first`. */
function provisionerTopology(first: string) {
  const all = ['node-a', 'node-b', 'node-c'];
  const rest = all.filter((n) => n !== first);
  return { requisite: all.map(seg), preferred: [first, ...rest].map(seg) };
}

const mountCap = { access_mode: { mode: 'SINGLE_NODE_WRITER' }, mount: { fs_type: 'ext4', mount_flags: [] } };

async function diskfulNodes(rig: SnapRig, rd: string): Promise<string[]> {
  const view = await rig.linstor.resources.view({ resources: [rd] });
  return view
    .filter((r) => r.name === rd && !(r.flags ?? []).some((f) => f === 'DISKLESS' || f === 'TIE_BREAKER' || f === 'DRBD_DISKLESS'))
    .map((r) => r.node_name)
    .sort();
}

async function create(rig: SnapRig, name: string, placementCount: string, first: string, source?: object) {
  const res = await rig.controller.CreateVolume({
    name,
    capacity_range: { required_bytes: String(32 * MiB) },
    volume_capabilities: [mountCap],
    parameters: { placementCount, 'csi.storage.k8s.io/pvc/name': name, 'csi.storage.k8s.io/pvc/namespace': 'default' },
    accessibility_requirements: provisionerTopology(first),
    ...(source ? { volume_content_source: source } : {}),
  });
  return res.volume as { volume_id: string };
}

test('a restore into a placementCount "2" class with topology gets two replicas, one on the preferred node', async ({ rig }) => {
  const src = await create(rig, uniq('pvc-src'), '2', 'node-a');
  const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  // The preferred node holds the snapshot: the restore lands there, the second replica elsewhere.
  const holder = (await diskfulNodes(rig, src.volume_id))[0] as string;
  const restored = await create(rig, uniq('pvc-restore'), '2', holder, { snapshot: { snapshot_id: snap.snapshot_id } });
  const nodes = await diskfulNodes(rig, restored.volume_id);
  assert.is(nodes.length, 2, `two diskful replicas, got ${nodes.join(',')}`);
  assert.ok(nodes.includes(holder), `one replica on the preferred node ${holder}, got ${nodes.join(',')}`);
});

test('a restore whose preferred node lacks the snapshot still prefers it for the second replica', async ({ rig }) => {
  const src = await create(rig, uniq('pvc-src1'), '1', 'node-b');
  assert.equal(await diskfulNodes(rig, src.volume_id), ['node-b']);
  const snap = (await rig.controller.CreateSnapshot({ name: uniq('snapshot'), source_volume_id: src.volume_id, parameters: {} })).snapshot;
  const restored = await create(rig, uniq('pvc-restore1'), '2', 'node-c', { snapshot: { snapshot_id: snap.snapshot_id } });
  assert.equal(await diskfulNodes(rig, restored.volume_id), ['node-b', 'node-c']);
});

test('a clone takes the replica count of its own StorageClass (3 → 2, 1 → 2)', async ({ rig }) => {
  const three = await create(rig, uniq('pvc-three'), '3', 'node-a');
  assert.is((await diskfulNodes(rig, three.volume_id)).length, 3);
  const clone = await create(rig, uniq('pvc-clone'), '2', 'node-b', { volume: { volume_id: three.volume_id } });
  const nodes = await diskfulNodes(rig, clone.volume_id);
  assert.is(nodes.length, 2, `the clone has its class's 2 replicas, got ${nodes.join(',')}`);
  assert.ok(nodes.includes('node-b'), `the preferred node keeps a replica, got ${nodes.join(',')}`);
  assert.is((await diskfulNodes(rig, three.volume_id)).length, 3, 'the source keeps its 3');

  const one = await create(rig, uniq('pvc-one'), '1', 'node-c');
  const clone2 = await create(rig, uniq('pvc-clone2'), '2', 'node-c', { volume: { volume_id: one.volume_id } });
  assert.is((await diskfulNodes(rig, clone2.volume_id)).length, 2);
});

test.run();
