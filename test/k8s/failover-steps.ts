/**
 * Steps of the failover scenarios, shared by test/k8s/failover.test.ts and bench/failover.ts:
 * the HA agents' credentials (the chart's node ServiceAccount), a StatefulSet workload mounted
 * through the kubelet role, and node loss through the emulator's control API.
 */
import { AppsV1Api, CoreV1Api, StorageV1Api, type V1PersistentVolume, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { Cluster } from './cluster.js';
import type { Kubelet, Published } from './kubelet.js';
import { NS, attach, attachmentName, bound, createPvc, diskful, uniq, until } from './objects.js';
import { NAMESPACE, RELEASE, type Stack } from './stack.js';

export const FAILOVER_TIMEOUT_MS = 3000;
export const TAINT = 'drbd.linbit.com/lost-quorum';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The admin kubeconfig, impersonating the chart's node ServiceAccount (the SA and its role come with `helm install`). */
export async function nodeServiceAccountConfig(c: Cluster): Promise<string> {
  const admin = await readFile(c.kubeconfig, 'utf8');
  const file = join(c.dir, 'ha-node-sa.kubeconfig');
  await writeFile(file, admin.replace(/^(- name: user\n  user:\n)/m, `$1    as: system:serviceaccount:${NAMESPACE}:${RELEASE}-node\n`), { mode: 0o600 });
  return file;
}

/** `linstor-csi dev` flags that run the HA agent of every node against the cluster. */
export async function haDevArgs(c: Cluster, timeoutMs = FAILOVER_TIMEOUT_MS): Promise<string[]> {
  return [`--kubeconfig=${await nodeServiceAccountConfig(c)}`, `--ha-failover-timeout=${timeoutMs}ms`, '--ha-poll-interval=250ms'];
}

export const setOnline = async (s: Stack, node: string, online: boolean): Promise<void> => {
  const r = await fetch(`${s.linstorUrl}/emulator/nodes/${node}/online`, { method: 'POST', body: JSON.stringify({ online }) });
  if (!r.ok) throw new Error(`emulator control: ${node} online=${online}: HTTP ${r.status} ${await r.text()}`);
};

export interface Workload {
  name: string;
  pod: string;
  pvc: string;
  pv: V1PersistentVolume;
  owner: string;
  survivor: string;
  uid: string;
  mounted: Published;
}

/** A StatefulSet with one replica using claim `pvc` (optionally annotated); its pod. */
export async function statefulSet(s: Stack, name: string, pvc: string, annotations: Record<string, string> = {}): Promise<{ pod: string; uid: string }> {
  await s.kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({
    namespace: NS,
    body: {
      metadata: { name },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name }, annotations },
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: pvc } }] },
        },
      },
    },
  });
  const pod = `${name}-0`;
  const p = await until(`pod ${pod} created by the statefulset controller`, () => s.kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: pod, namespace: NS }), (x) => !!x.metadata?.uid);
  return { pod, uid: p.metadata?.uid as string };
}

/** The scheduler's and the kubelet's part: bind the pod to `node` and report it Running. */
export async function runOn(s: Stack, pod: string, node: string): Promise<void> {
  const core = s.kc.makeApiClient(CoreV1Api);
  await core.createNamespacedPodBinding({ name: pod, namespace: NS, body: { metadata: { name: pod }, target: { kind: 'Node', name: node } } });
  const now = new Date().toISOString();
  await core.patchNamespacedPodStatus(
    { name: pod, namespace: NS, body: { status: { phase: 'Running', startTime: now, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } } },
    mergePatch,
  );
}

export async function writeSynced(path: string, data: string): Promise<void> {
  const fh = await open(path, 'w');
  await fh.writeFile(data);
  await fh.sync();
  await fh.close();
}

/** A PVC of `storageClass` (2 replicas), a StatefulSet pod on its first diskful node, the volume mounted there with data. */
export async function workload(s: Stack, storageClass: string, annotations: Record<string, string> = {}): Promise<Workload> {
  const name = uniq('db');
  const pvc = `data-${name}`;
  await createPvc(s, { name: pvc, storageClass });
  const { pv } = await bound(s, pvc);
  const [owner, survivor] = (await diskful(s, pv.spec?.csi?.volumeHandle as string)) as [string, string];
  assert.ok(owner && survivor, 'two diskful replicas');
  const { pod, uid } = await statefulSet(s, name, pvc, annotations);
  await runOn(s, pod, owner);
  await attach(s, pv, owner);
  const k = s.kubelets.get(owner) as Kubelet;
  await k.stage(pv);
  const mounted = await k.publish(pv, { name: pod, namespace: NS, uid });
  await writeSynced(join(mounted.targetPath, 'data.txt'), `written by ${pod} on ${owner}\n`);
  return { name, pod, pvc, pv, owner, survivor, uid, mounted };
}

/** The node dies: offline in the emulator (DRBD connections to it lost, no quorum there), its mounts gone as after a crash. */
export async function loseNode(s: Stack, w: Workload): Promise<void> {
  await setOnline(s, w.owner, false);
  execFileSync('umount', [w.mounted.targetPath]);
  execFileSync('umount', [w.mounted.stagingPath]);
}

/** The node is back; its kubelet cleans up what it remembers (already unmounted). */
export async function nodeBack(s: Stack, w: Workload): Promise<void> {
  await setOnline(s, w.owner, true);
  const k = s.kubelets.get(w.owner) as Kubelet;
  await k.unpublish(w.pv, w.mounted).catch(() => undefined);
  await k.unstage(w.pv).catch(() => undefined);
}

/** The HA agent's taints on `node` (the node lifecycle controller adds its own not-ready taint to these kubelet-less nodes). */
export const taints = async (s: Stack, node: string): Promise<string[]> =>
  ((await s.kc.makeApiClient(CoreV1Api).readNode({ name: node })).spec?.taints ?? []).filter((t) => t.key === TAINT).map((t) => `${t.key}:${t.effect}`);
export const podUid = async (s: Stack, pod: string): Promise<string | undefined> =>
  (await s.kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: pod, namespace: NS }).catch(() => undefined))?.metadata?.uid;
export const attachmentExists = async (s: Stack, w: Workload, node: string): Promise<boolean> =>
  (await s.kc.makeApiClient(StorageV1Api).listVolumeAttachment()).items.some((v) => v.metadata?.name === attachmentName(w.pv.spec?.csi?.volumeHandle as string, node));
