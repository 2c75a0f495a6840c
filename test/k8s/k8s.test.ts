/**
 * Kubernetes in the loop: a real kube-apiserver (RBAC on) and kube-controller-manager, the
 * chart installed by `helm install`, the chart's CSI sidecars (built from their Go modules at
 * the chart's pins) running as the chart's ServiceAccount with the chart's arguments, the
 * snapshot-controller, and `linstor-csi dev` (controller + node-a/b/c on the emulator). The
 * tests play the kubelet, the scheduler's node choice and the attach-detach controller.
 * Every scenario is checked in Kubernetes and in LINSTOR.
 */
import { CoreV1Api, type KubernetesObject, StorageV1Api, type V1PersistentVolume, setHeaderOptions, PatchStrategy } from '@kubernetes/client-node';
import { execa } from 'execa';
import { readFile, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sidecarPins } from '../helpers/chart-pins.js';
import { tail, tool } from './cluster.js';
import { type Kubelet, quantityBytes } from './kubelet.js';
import { NS, attach, bound, createObject, createPvc, deletePvc, detach, diskful, eventsFor, rdExists, readObject, readPvc, resourcesOf, uniq, until } from './objects.js';
import { DRIVER, NAMESPACE, NODES, POOL, SNAPSHOT_CLASS, type Stack, startStack } from './stack.js';

const test = suite<{ s: Stack }>('kubernetes');
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const HOSTNAME_KEY = 'linbit.com/hostname';

test.before(async (ctx) => {
  const t0 = Date.now();
  // uvu does not print why a before hook failed: say it here, or every test just counts as failed.
  ctx.s = await startStack().catch((e: unknown) => {
    console.error(`  the Kubernetes stack did not start: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  });
  console.log(`  k8s: control plane, chart, sidecars and drivers up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});

const kubelet = (s: Stack, node: string): Kubelet => s.kubelets.get(node) as Kubelet;
const handle = (pv: V1PersistentVolume): string => pv.spec?.csi?.volumeHandle as string;

/** Attach, stage and publish on `node` as the kubelet would, run `fn` on the mount, then undo it all. */
async function withMounted<T>(s: Stack, pv: V1PersistentVolume, node: string, fn: (dir: string) => Promise<T>): Promise<T> {
  await attach(s, pv, node);
  const k = kubelet(s, node);
  await k.stage(pv);
  const p = await k.publish(pv, { name: 'app', namespace: NS });
  try {
    return await fn(p.targetPath);
  } finally {
    await k.unpublish(pv, p);
    await k.unstage(pv);
    await detach(s, pv, node);
  }
}

test('the chart is installed and every sidecar runs the pinned version as the chart ServiceAccount', async ({ s }) => {
  const storage = s.kc.makeApiClient(StorageV1Api);
  const driver = await storage.readCSIDriver({ name: DRIVER });
  assert.is(driver.spec.attachRequired, true);
  assert.is(driver.spec.storageCapacity, true);
  const classes = (await storage.listStorageClass()).items.filter((c) => c.provisioner === DRIVER).map((c) => c.metadata?.name);
  for (const n of ['linstor-replicated', 'linstor-immediate']) assert.ok(classes.includes(n), `StorageClass ${n} from the chart's values`);
  await readObject(s, 'snapshot.storage.k8s.io/v1', 'VolumeSnapshotClass', SNAPSHOT_CLASS);
  const pins = sidecarPins();
  for (const p of s.sidecars) {
    const pin = pins.get(p.name);
    if (!pin) continue; // snapshot-controller: the cluster's, not the chart's
    const { stdout } = await execa('go', ['version', '-m', tool(p.name)], { timeout: 30_000 });
    assert.match(stdout, new RegExp(`\\s${pin.tag.replace(/\./g, '\\.')}\\s`), `${p.name} built at the chart's pin ${pin.tag}`);
    assert.ok((s.sidecarArgs.get(p.name) ?? []).some((a) => a.startsWith('--kubeconfig=') && a.includes(`sa-${NAMESPACE}-`)), `${p.name} authenticates as the ServiceAccount`);
  }
  // Leader election (a Lease in the release namespace) proves the sidecars talk to the API as that account.
  const leases = await until(
    'a Lease per sidecar',
    async () => (await s.objects.list('coordination.k8s.io/v1', 'Lease', NAMESPACE)).items.map((l: KubernetesObject) => l.metadata?.name ?? ''),
    (names) => ['external-attacher', 'external-resizer', 'external-snapshotter', DRIVER.replace(/\./g, '-')].every((n) => names.some((x) => x.includes(n))),
  );
  assert.ok(leases.length >= 4);
});

test('6. CSIStorageCapacity per topology segment agrees with the LINSTOR pools', async ({ s }) => {
  const pools = (await s.linstor.storagePools.view({})).filter((p) => p.storage_pool_name === POOL);
  assert.is(pools.length, NODES.length);
  const freeKib = pools.map((p) => p.free_capacity ?? 0);
  const sum = BigInt(freeKib.reduce((a, b) => a + b, 0)) * 1024n;
  const second = BigInt([...freeKib].sort((a, b) => b - a)[1] as number) * 1024n;
  const storage = s.kc.makeApiClient(StorageV1Api);
  const caps = await until(
    'CSIStorageCapacity objects of linstor-replicated for node-a, node-b and node-c',
    async () => (await storage.listNamespacedCSIStorageCapacity({ namespace: NAMESPACE })).items.filter((c) => c.storageClassName === 'linstor-replicated'),
    (l) => NODES.every((n) => l.some((c) => c.nodeTopology?.matchLabels?.[HOSTNAME_KEY] === n && c.capacity !== undefined)),
  );
  for (const n of NODES) {
    const c = caps.find((x) => x.nodeTopology?.matchLabels?.[HOSTNAME_KEY] === n);
    // Remote access is allowed by default: every node's segment can use all three pools.
    assert.is(quantityBytes(String(c?.capacity)), sum, `${n}: capacity ${c?.capacity} = the sum of the free space of the ${POOL} pools`);
    assert.is(quantityBytes(String(c?.maximumVolumeSize)), second, `${n}: maximumVolumeSize = the 2nd largest pool (2 replicas)`);
  }
});

test('1. README StorageClass, Immediate: PVC Bound, PV matches, LINSTOR has 2 replicas', async ({ s }) => {
  const name = uniq('imm');
  await createPvc(s, { name, storageClass: 'linstor-immediate' });
  const { pv } = await bound(s, name);
  assert.is(pv.spec?.csi?.driver, DRIVER);
  assert.is(pv.spec?.csi?.fsType, 'ext4');
  assert.match(handle(pv), /^pvc-/);
  assert.is(pv.spec?.csi?.volumeAttributes?.['linstor.csi.linbit.com/uses-volume-context'], 'true');
  // allowRemoteVolumeAccess defaults to true: reachable from every node, so no node affinity.
  assert.is(pv.spec?.nodeAffinity, undefined);
  assert.is((await diskful(s, handle(pv))).length, 2);
  const rd = (await s.linstor.resourceDefinitions.list({ resourceDefinitions: [handle(pv)] }))[0];
  assert.is(rd?.props?.['Aux/csi.storage.k8s.io/pvc/name'], name, 'LINSTOR records the PVC (--extra-create-metadata)');
});

test('1. README StorageClass, WaitForFirstConsumer: a replica on the selected node', async ({ s }) => {
  for (const node of ['node-b', 'node-c']) {
    const name = uniq('wffc');
    await createPvc(s, { name, storageClass: 'linstor-replicated', selectedNode: node });
    const { pv } = await bound(s, name);
    const nodes = await diskful(s, handle(pv));
    assert.is(nodes.length, 2, `2 replicas, got ${nodes.join(',')}`);
    assert.ok(nodes.includes(node), `a replica on the selected node ${node}, got ${nodes.join(',')}`);
  }
});

test('1. a node-local class: the PV node affinity names exactly the replica nodes', async ({ s }) => {
  const name = uniq('local');
  await createPvc(s, { name, storageClass: 'linstor-local', selectedNode: 'node-c' });
  const { pv } = await bound(s, name);
  assert.equal(await diskful(s, handle(pv)), ['node-c']);
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  const values = terms.flatMap((t) => (t.matchExpressions ?? []).filter((e) => e.key === HOSTNAME_KEY).flatMap((e) => e.values ?? []));
  assert.equal(values, ['node-c']);
});

test('2. VolumeAttachment: diskless attach on the tie-breaker node, tie-breaker kept after detach', async ({ s }) => {
  const name = uniq('att');
  await createPvc(s, { name, storageClass: 'linstor-immediate' });
  const { pv } = await bound(s, name);
  const rd = handle(pv);
  const replicas = await diskful(s, rd);
  const other = NODES.find((n) => !replicas.includes(n)) as string;
  const before = (await resourcesOf(s, rd)).find((r) => r.node_name === other);
  assert.ok(before?.flags?.includes('TIE_BREAKER'), `LINSTOR placed a tie-breaker on ${other}: ${JSON.stringify(before?.flags)}`);
  const meta = await attach(s, pv, other);
  assert.ok(Object.keys(meta).length > 0, 'csi-attacher stored the publish context');
  const during = (await resourcesOf(s, rd)).find((r) => r.node_name === other);
  assert.ok(during?.flags?.includes('DISKLESS') || during?.flags?.includes('DRBD_DISKLESS'), `diskless client on ${other}: ${JSON.stringify(during?.flags)}`);
  assert.not.ok(during?.flags?.includes('TIE_BREAKER'), 'no longer a tie-breaker while attached');
  assert.equal(await diskful(s, rd), replicas, 'the attach adds no replica');
  const vaNode = (await s.kc.makeApiClient(StorageV1Api).listVolumeAttachment()).items.find((v) => v.spec.source.persistentVolumeName === pv.metadata?.name);
  assert.is(vaNode?.spec.nodeName, other);
  await detach(s, pv, other);
  const after = await until('the tie-breaker back on ' + other, async () => (await resourcesOf(s, rd)).find((r) => r.node_name === other), (r) => !!r?.flags?.includes('TIE_BREAKER'));
  assert.ok(after);
  // Attach/detach on a replica node keeps the replica.
  await attach(s, pv, replicas[0] as string);
  await detach(s, pv, replicas[0] as string);
  assert.equal(await diskful(s, rd), replicas);
});

test('3. snapshot, restore into placementCount 2, clone with its own replica count; data survives', async ({ s }) => {
  // The source: 3 replicas through a VolumeAttributesClass on the 2-replica class.
  const vac = uniq('three');
  await createObject(s, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: { name: vac }, driverName: DRIVER, parameters: { placementCount: '3' } } as KubernetesObject);
  const src = uniq('src');
  await createPvc(s, { name: src, storageClass: 'linstor-immediate', vac });
  const { pv: srcPv } = await bound(s, src);
  assert.is((await diskful(s, handle(srcPv))).length, 3, 'the source has 3 replicas');
  const payload = `written through the kubelet role at ${new Date().toISOString()}\n`;
  await withMounted(s, srcPv, 'node-a', async (dir) => {
    await writeFile(join(dir, 'data.txt'), payload);
  });

  const snap = uniq('snap');
  await createObject(s, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: snap, namespace: NS },
    spec: { volumeSnapshotClassName: SNAPSHOT_CLASS, source: { persistentVolumeClaimName: src } },
  } as KubernetesObject);
  type Snap = KubernetesObject & { status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string } };
  const ready = await until(`VolumeSnapshot ${snap} readyToUse`, () => readObject<Snap>(s, 'snapshot.storage.k8s.io/v1', 'VolumeSnapshot', snap, NS), (v) => v.status?.readyToUse === true);
  type Content = KubernetesObject & { status?: { snapshotHandle?: string } };
  const content = await readObject<Content>(s, 'snapshot.storage.k8s.io/v1', 'VolumeSnapshotContent', ready.status?.boundVolumeSnapshotContentName as string);
  const snapId = content.status?.snapshotHandle as string;
  assert.match(snapId, /\//);
  const linstorSnaps = await s.linstor.snapshots.view({ resources: [handle(srcPv)] });
  assert.ok(linstorSnaps.length >= 1, 'LINSTOR has the snapshot');

  // The restore: csi-provisioner sends accessibility requirements (CSINodes exist).
  const restored = uniq('restore');
  await createPvc(s, { name: restored, storageClass: 'linstor-immediate', dataSource: { kind: 'VolumeSnapshot', name: snap } });
  const { pv: rPv } = await bound(s, restored);
  assert.is((await diskful(s, handle(rPv))).length, 2, 'the restore has its class\'s 2 replicas');

  const clone = uniq('clone');
  await createPvc(s, { name: clone, storageClass: 'linstor-immediate', dataSource: { kind: 'PersistentVolumeClaim', name: src } });
  const { pv: cPv } = await bound(s, clone);
  assert.is((await diskful(s, handle(cPv))).length, 2, 'the clone has its own class\'s 2 replicas, not its source\'s 3');

  for (const [pv, node] of [[rPv, 'node-b'], [cPv, 'node-c']] as const) {
    const text = await withMounted(s, pv, node, (dir) => readFile(join(dir, 'data.txt'), 'utf8'));
    assert.is(text, payload, `${pv.metadata?.name} holds the data written before the snapshot`);
  }
});

test('4. expansion: csi-resizer expands in LINSTOR, the kubelet role grows the filesystem', async ({ s }) => {
  const name = uniq('grow');
  await createPvc(s, { name, storageClass: 'linstor-xfs', size: '320Mi' });
  const { pv } = await bound(s, name);
  await attach(s, pv, 'node-a');
  const k = kubelet(s, 'node-a');
  await k.stage(pv);
  const p = await k.publish(pv, { name: 'app', namespace: NS });
  try {
    const before = await statfs(p.targetPath);
    const core = s.kc.makeApiClient(CoreV1Api);
    await core.patchNamespacedPersistentVolumeClaim({ name, namespace: NS, body: { spec: { resources: { requests: { storage: '640Mi' } } } } }, mergePatch);
    const grown = await until('csi-resizer expanded the PV to 640Mi', () => core.readPersistentVolume({ name: pv.metadata?.name as string }), (v) => quantityBytes(String(v.spec?.capacity?.['storage'])) >= 640n * 1024n * 1024n);
    const vd = (await s.linstor.volumeDefinitions.list(handle(pv)))[0];
    assert.ok((vd?.size_kib ?? 0) >= 640 * 1024, `LINSTOR volume definition grown: ${vd?.size_kib} KiB`);
    const pending = await until('PVC waits for the node (FileSystemResizePending)', () => readPvc(s, name), (c) => (c.status?.conditions ?? []).some((x) => x.type === 'FileSystemResizePending'));
    assert.ok(pending);
    await k.expand(grown, p, { name, namespace: NS });
    const after = await statfs(p.targetPath);
    assert.ok(after.blocks * after.bsize > before.blocks * before.bsize + 256 * 1024 * 1024, `filesystem grew: ${before.blocks * before.bsize} -> ${after.blocks * after.bsize}`);
    const pvc = await readPvc(s, name);
    assert.is(pvc.status?.capacity?.['storage'], '640Mi');
  } finally {
    await k.unpublish(pv, p);
    await k.unstage(pv);
    await detach(s, pv, 'node-a');
  }
});

test('5. a VolumeAttributesClass changes the replica count through ControllerModifyVolume', async ({ s }) => {
  const vac = uniq('vac3');
  await createObject(s, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: { name: vac }, driverName: DRIVER, parameters: { placementCount: '3' } } as KubernetesObject);
  const name = uniq('mod');
  await createPvc(s, { name, storageClass: 'linstor-immediate' });
  const { pv } = await bound(s, name);
  assert.is((await diskful(s, handle(pv))).length, 2);
  await s.kc.makeApiClient(CoreV1Api).patchNamespacedPersistentVolumeClaim({ name, namespace: NS, body: { spec: { volumeAttributesClassName: vac } } }, mergePatch);
  await until(`PVC ${name} currentVolumeAttributesClassName = ${vac}`, () => readPvc(s, name), (c) => c.status?.currentVolumeAttributesClassName === vac);
  assert.is((await diskful(s, handle(pv))).length, 3, 'LINSTOR has 3 replicas');
});

test('7. a VolumeGroupSnapshot of two PVCs becomes ready', async ({ s }) => {
  const group = uniq('grp');
  const crd = await readObject<KubernetesObject & { spec: { versions: { name: string; served: boolean; storage: boolean }[] } }>(
    s,
    'apiextensions.k8s.io/v1',
    'CustomResourceDefinition',
    'volumegroupsnapshots.groupsnapshot.storage.k8s.io',
  );
  const version = `groupsnapshot.storage.k8s.io/${crd.spec.versions.find((v) => v.storage)?.name}`;
  const gsc = uniq('gsc');
  await createObject(s, { apiVersion: version, kind: 'VolumeGroupSnapshotClass', metadata: { name: gsc }, driver: DRIVER, deletionPolicy: 'Delete' } as KubernetesObject);
  const pvcs = [uniq('g1'), uniq('g2')];
  for (const p of pvcs) await createPvc(s, { name: p, storageClass: 'linstor-immediate', labels: { group } });
  const pvs = await Promise.all(pvcs.map(async (p) => (await bound(s, p)).pv));
  const name = uniq('vgs');
  await createObject(s, {
    apiVersion: version,
    kind: 'VolumeGroupSnapshot',
    metadata: { name, namespace: NS },
    spec: { volumeGroupSnapshotClassName: gsc, source: { selector: { matchLabels: { group } } } },
  } as KubernetesObject);
  type Vgs = KubernetesObject & { status?: { readyToUse?: boolean } };
  await until(`VolumeGroupSnapshot ${name} readyToUse`, () => readObject<Vgs>(s, version, 'VolumeGroupSnapshot', name, NS), (v) => v.status?.readyToUse === true, 120_000);
  for (const pv of pvs) {
    const snaps = await s.linstor.snapshots.view({ resources: [handle(pv)] });
    assert.is(snaps.length, 1, `LINSTOR holds a snapshot of ${handle(pv)}`);
  }
  const members = (await s.objects.list('snapshot.storage.k8s.io/v1', 'VolumeSnapshot', NS)).items.filter((v: KubernetesObject) => v.metadata?.ownerReferences?.some((o) => o.name === name));
  assert.is(members.length, 2, 'one VolumeSnapshot per PVC, owned by the group snapshot');
});

test('8. deleting PVCs: Delete empties LINSTOR, Retain keeps the volume and its data', async ({ s }) => {
  const core = s.kc.makeApiClient(CoreV1Api);
  const del = uniq('del');
  await createPvc(s, { name: del, storageClass: 'linstor-immediate' });
  const { pv: dPv } = await bound(s, del);
  assert.ok(await rdExists(s, handle(dPv)));
  await deletePvc(s, del);
  await until(`PV ${dPv.metadata?.name} deleted`, () => core.listPersistentVolume(), (l) => !l.items.some((p) => p.metadata?.name === dPv.metadata?.name));
  await until(`LINSTOR resource definition ${handle(dPv)} gone`, () => rdExists(s, handle(dPv)), (e) => !e);

  const keep = uniq('keep');
  await createPvc(s, { name: keep, storageClass: 'linstor-retain' });
  const { pv: kPv } = await bound(s, keep);
  await withMounted(s, kPv, 'node-b', (dir) => writeFile(join(dir, 'keep.txt'), 'retained\n'));
  await deletePvc(s, keep);
  await until(`PV ${kPv.metadata?.name} Released`, () => core.readPersistentVolume({ name: kPv.metadata?.name as string }), (p) => p.status?.phase === 'Released');
  assert.ok(await rdExists(s, handle(kPv)), 'LINSTOR keeps the retained volume');
  const text = await withMounted(s, kPv, 'node-a', (dir) => readFile(join(dir, 'keep.txt'), 'utf8'));
  assert.is(text, 'retained\n');
  await core.deletePersistentVolume({ name: kPv.metadata?.name as string });
  await new Promise((r) => setTimeout(r, 2000));
  assert.ok(await rdExists(s, handle(kPv)), 'deleting a Retain PV leaves the LINSTOR volume');
});

test('9. a bad StorageClass parameter: ProvisioningFailed naming it and the fix; nothing in LINSTOR', async ({ s }) => {
  const rdsBefore = (await s.linstor.resourceDefinitions.list({})).map((r) => r.name).sort();
  const rgsBefore = (await s.linstor.resourceGroups.list({})).map((r) => r.name).sort();
  const name = uniq('bad');
  const pvc = await createPvc(s, { name, storageClass: 'linstor-bad' });
  const events = await until(`ProvisioningFailed event on ${name}`, () => eventsFor(s, name), (l) => l.some((e) => e.reason === 'ProvisioningFailed'));
  const msg = events.find((e) => e.reason === 'ProvisioningFailed')?.message ?? '';
  assert.match(msg, /placementCount/, `names the parameter: ${msg}`);
  assert.match(msg, /"two"/, `quotes the bad value: ${msg}`);
  assert.match(msg, /whole number/, `says what is expected: ${msg}`);
  assert.match(msg, /InvalidArgument|invalid/i);
  assert.is((await readPvc(s, name)).status?.phase, 'Pending');
  assert.not.ok(await rdExists(s, `pvc-${pvc.metadata?.uid}`));
  assert.equal((await s.linstor.resourceDefinitions.list({})).map((r) => r.name).sort(), rdsBefore, 'no resource definition appeared');
  assert.equal((await s.linstor.resourceGroups.list({})).map((r) => r.name).sort(), rgsBefore, 'no resource group appeared');
  await deletePvc(s, name);
});

test('no request of any sidecar was refused by the RBAC authorizer', async ({ s }) => {
  const refused = await s.forbidden();
  assert.equal(refused, [], `the chart's RBAC lacks permissions:\n${refused.slice(0, 10).join('\n')}`);
  for (const p of s.sidecars) {
    const alive = p.child.exitCode === null && p.child.signalCode === null;
    assert.ok(alive, `${p.name} is still running:\n${await tail(p.logFile)}`);
  }
  assert.ok((await stat(s.dev.logFile)).size > 0);
});

test.run();
