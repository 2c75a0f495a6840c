/**
 * Node loss and failover against a real API server: `linstor-csi dev` runs an HA agent beside
 * each node's driver, authenticated as the chart's node ServiceAccount (so the real RBAC
 * authorizer checks the chart's node ClusterRole). A StatefulSet's pod (scheduled and set
 * Running through the API, as no scheduler or kubelet runs) uses a PVC that the kubelet role
 * staged and published on the pod's node, with data written; the node is then lost through the
 * emulator's control API. The real statefulset controller recreates the pod; the test plays
 * the scheduler and the kubelet on the survivor and finds the data.
 */
import { AppsV1Api, CoreV1Api, PatchStrategy, StorageV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FAILOVER_TIMEOUT_MS,
  TAINT,
  type Workload,
  attachmentExists,
  haDevArgs,
  loseNode,
  nodeBack,
  podUid,
  runOn,
  setOnline,
  taints,
  workload,
} from './failover-steps.js';
import type { Kubelet } from './kubelet.js';
import { NS, attach, detach, eventsFor, until } from './objects.js';
import { DRIVER, NODES, type Stack, startStack } from './stack.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nothing happened for the timeout plus a margin: no taint, the same pod, the attachment kept. */
async function assertNoFailover(s: Stack, w: Workload, why: string): Promise<void> {
  await sleep(FAILOVER_TIMEOUT_MS + 3000);
  assert.equal(await taints(s, w.owner), [], `${why}: ${w.owner} not tainted`);
  assert.is(await podUid(s, w.pod), w.uid, `${why}: pod ${w.pod} not deleted`);
  assert.ok(await attachmentExists(s, w, w.owner), `${why}: the VolumeAttachment on ${w.owner} kept`);
}

/** Removes the workload and detaches the volume from `attachedOn` (csi-attacher does the detach). */
async function cleanup(s: Stack, w: Workload, attachedOn: string): Promise<void> {
  await s.kc.makeApiClient(AppsV1Api).deleteNamespacedStatefulSet({ name: w.name, namespace: NS }).catch(() => undefined);
  await s.kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: w.pod, namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
  await detach(s, w.pv, attachedOn);
}

const test = suite<{ s: Stack; chartAt: number }>('failover');
/** How long an informer refused by the API waits before it lists again (src/ha/kube.ts). */
const HA_RESTART_MS = 3000;

test.before(async (ctx) => {
  const t0 = Date.now();
  // uvu does not print why a before hook failed: say it here, or every test just counts as failed.
  ctx.s = await startStack({ devArgs: (c) => haDevArgs(c) }).catch((e: unknown) => {
    console.error(`  the Kubernetes stack did not start: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  });
  ctx.chartAt = Date.now();
  // A class whose volumes have two replicas and no tie-breaker: no quorum is possible.
  await ctx.s.kc.makeApiClient(StorageV1Api).createStorageClass({
    body: {
      metadata: { name: 'linstor-no-tiebreaker' },
      provisioner: DRIVER,
      volumeBindingMode: 'Immediate',
      parameters: {
        'linstor.csi.linbit.com/placementCount': '2',
        'linstor.csi.linbit.com/storagePool': 'pool1',
        'csi.storage.k8s.io/fstype': 'ext4',
        'property.linstor.csi.linbit.com/DrbdOptions/auto-add-quorum-tiebreaker': 'false',
      },
    },
  });
  console.log(`  failover: stack with HA agents up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
test.after(async (ctx) => {
  await ctx.s?.stop();
});
// A failed test must not leave a node down for the next one (a no-op for a node that is up).
test.after.each(async ({ s }) => {
  for (const n of NODES) await setOnline(s, n, true).catch(() => undefined);
});

test('node lost: tainted, pod deleted, VolumeAttachment deleted, Events; the data is there on the survivor; node back: taint removed', async ({ s }) => {
  const w = await workload(s, 'linstor-immediate');
  const core = s.kc.makeApiClient(CoreV1Api);
  await loseNode(s, w);
  const lostAt = Date.now();
  const budget = FAILOVER_TIMEOUT_MS + 5000;
  await until(`${w.owner} tainted ${TAINT}`, () => taints(s, w.owner), (t) => t.includes(`${TAINT}:NoSchedule`), budget);
  await until(`pod ${w.pod} (uid ${w.uid}) deleted`, () => podUid(s, w.pod), (u) => u !== w.uid, budget);
  await until(`VolumeAttachment of ${w.owner} deleted`, () => attachmentExists(s, w, w.owner), (e) => !e, budget);
  const tookMs = Date.now() - lostAt;
  assert.ok(tookMs >= FAILOVER_TIMEOUT_MS, `not before the failover timeout (${tookMs} ms)`);
  const podEvents = await eventsFor(s, w.pod);
  assert.ok(podEvents.some((e) => e.reason === 'FailoverEvicted' && /grace period 0/.test(e.message ?? '')), JSON.stringify(podEvents));
  const pvcEvents = await eventsFor(s, w.pvc);
  assert.ok(pvcEvents.some((e) => e.reason === 'FailoverEvicted'), JSON.stringify(pvcEvents));
  assert.ok(pvcEvents.some((e) => e.reason === 'FailoverDetached'), JSON.stringify(pvcEvents));

  // The statefulset controller recreates the pod; it goes to the survivor, where the data is.
  const fresh = await until(`pod ${w.pod} recreated`, () => core.readNamespacedPod({ name: w.pod, namespace: NS }), (p) => !!p.metadata?.uid && p.metadata.uid !== w.uid);
  await runOn(s, w.pod, w.survivor);
  await attach(s, w.pv, w.survivor);
  const k = s.kubelets.get(w.survivor) as Kubelet;
  await k.stage(w.pv);
  const p = await k.publish(w.pv, { name: w.pod, namespace: NS, uid: fresh.metadata?.uid as string });
  assert.is(await readFile(join(p.targetPath, 'data.txt'), 'utf8'), `written by ${w.pod} on ${w.owner}\n`);

  // The lost node returns: once connected and UpToDate again, its own agent removes the taint.
  await nodeBack(s, w);
  await until(`taint removed from ${w.owner}`, () => taints(s, w.owner), (t) => t.length === 0, 30_000);
  await k.unpublish(w.pv, p);
  await k.unstage(w.pv);
  await cleanup(s, w, w.survivor);
});

test('2 replicas without tie-breaker: no failover, and an Event saying why', async ({ s }) => {
  const w = await workload(s, 'linstor-no-tiebreaker');
  await loseNode(s, w);
  try {
    await assertNoFailover(s, w, 'no tie-breaker');
    const ev = await eventsFor(s, w.pvc);
    assert.ok(ev.some((e) => e.reason === 'FailoverRefused' && /no tie-breaker/.test(e.message ?? '')), JSON.stringify(ev));
  } finally {
    await nodeBack(s, w);
  }
  await cleanup(s, w, w.owner);
});

test('a pod annotated drbd.linbit.com/ignore-fail-over: nothing happens', async ({ s }) => {
  const w = await workload(s, 'linstor-immediate', { 'drbd.linbit.com/ignore-fail-over': '' });
  await loseNode(s, w);
  try {
    await assertNoFailover(s, w, 'opt-out');
    assert.not.ok((await eventsFor(s, w.pod)).some((e) => /^Failover/.test(e.reason ?? '')), 'no failover Event on the opted-out pod');
  } finally {
    await nodeBack(s, w);
  }
  await cleanup(s, w, w.owner);
});

test('a blip shorter than the failover timeout: nothing happens', async ({ s }) => {
  const w = await workload(s, 'linstor-immediate');
  await setOnline(s, w.owner, false);
  await sleep(FAILOVER_TIMEOUT_MS / 3);
  await setOnline(s, w.owner, true);
  await assertNoFailover(s, w, 'blip').finally(() => setOnline(s, w.owner, true));
  const k = s.kubelets.get(w.owner) as Kubelet;
  await k.unpublish(w.pv, w.mounted);
  await k.unstage(w.pv);
  await cleanup(s, w, w.owner);
});

/** The kubelet's heartbeat: the Node's Ready condition. */
async function setReady(s: Stack, node: string, ready: boolean): Promise<void> {
  const now = new Date().toISOString();
  await s.kc.makeApiClient(CoreV1Api).patchNodeStatus(
    { name: node, body: { status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

test('node still Ready (only its DRBD connections lost): the pod is evicted through the Eviction API', async ({ s }) => {
  const w = await workload(s, 'linstor-immediate');
  await setReady(s, w.owner, true);
  try {
    await loseNode(s, w);
    const budget = FAILOVER_TIMEOUT_MS + 5000;
    const core = s.kc.makeApiClient(CoreV1Api);
    // Evicted, not force-deleted: the pod is Terminating, waiting for its (absent) kubelet.
    const evicted = await until(`pod ${w.pod} evicted`, () => core.readNamespacedPod({ name: w.pod, namespace: NS }), (p) => !!p.metadata?.deletionTimestamp, budget);
    assert.is(evicted.metadata?.uid, w.uid);
    await until(`VolumeAttachment of ${w.owner} deleted`, () => attachmentExists(s, w, w.owner), (e) => !e, budget);
    const ev = await eventsFor(s, w.pod);
    assert.ok(ev.some((e) => e.reason === 'FailoverEvicted' && /evicted \(node Ready\)/.test(e.message ?? '')), JSON.stringify(ev));
  } finally {
    await setReady(s, w.owner, false);
  }
  await nodeBack(s, w);
  await until(`taint removed from ${w.owner}`, () => taints(s, w.owner), (t) => t.length === 0, 30_000);
  await s.kc.makeApiClient(AppsV1Api).deleteNamespacedStatefulSet({ name: w.name, namespace: NS }).catch(() => undefined);
  await s.kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: w.pod, namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
});

test('the HA agents were never refused by the RBAC authorizer once the chart was installed', async ({ s, chartAt }) => {
  // The agents start with `linstor-csi dev`, before `helm install` creates their ClusterRole: the
  // 403s of that window are expected (and show the agents carry on); none may follow it.
  const lines = (await readFile(s.dev.logFile, 'utf8')).split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as { time?: string; component?: string; msg?: string; err?: string }];
    } catch {
      return [];
    }
  });
  const ha = lines.filter((l) => l.component === 'ha');
  assert.ok(ha.some((l) => l.msg === 'ha agent started'));
  const refused = ha.filter((l) => /forbidden/i.test(l.err ?? '') && Date.parse(l.time ?? '') > chartAt + HA_RESTART_MS);
  assert.equal(refused.map((l) => `${l.time} ${l.msg}: ${l.err?.slice(0, 200)}`), []);
  assert.ok(ha.some((l) => /^ha: (taint|delete-pod|evict|delete-attachment|untaint) done$/.test(l.msg ?? '')), 'the agents acted');
});

test.run();
