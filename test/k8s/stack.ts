/**
 * The whole stack of the k8s suite: the control plane (cluster.ts), the snapshot CRDs,
 * `linstor-csi dev` (controller + node-a/b/c on the emulator), the kubelet role per node
 * (kubelet.ts), the chart installed with the real `helm install --kubeconfig`, every controller
 * sidecar of the chart started with the arguments the chart rendered and as the chart's
 * ServiceAccount, and the cluster's snapshot-controller with its upstream RBAC.
 */
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createLinstorClient } from '../../src/linstor/http-client.js';
import type { LinstorClient } from '../../src/linstor/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { systemClock } from '../../src/util/clock.js';
import { CHART_DIR } from '../helpers/chart-pins.js';
import { unmountUnder } from '../integration/snapshot-harness.js';
import { type Cluster, type Proc, ROOT, SNAPSHOT_CRDS, freePort, removeClusterDir, startCluster, startProc, tail, tool } from './cluster.js';
import { Kubelet } from './kubelet.js';

export const NAMESPACE = 'linstor-csi';
export const RELEASE = 'linstor-csi';
export const DRIVER = 'linstor.csi.linbit.com';
export const NODES = ['node-a', 'node-b', 'node-c'] as const;
export const POOL = 'pool1';

/** The README's StorageClass, in both binding modes, plus the classes the scenarios need. */
export const STORAGE_CLASSES = [
  { name: 'linstor-replicated', volumeBindingMode: 'WaitForFirstConsumer', parameters: { 'linstor.csi.linbit.com/placementCount': '2', 'linstor.csi.linbit.com/storagePool': POOL, 'csi.storage.k8s.io/fstype': 'ext4' } },
  { name: 'linstor-immediate', volumeBindingMode: 'Immediate', parameters: { 'linstor.csi.linbit.com/placementCount': '2', 'linstor.csi.linbit.com/storagePool': POOL, 'csi.storage.k8s.io/fstype': 'ext4' } },
  { name: 'linstor-local', volumeBindingMode: 'WaitForFirstConsumer', parameters: { 'linstor.csi.linbit.com/placementCount': '1', 'linstor.csi.linbit.com/allowRemoteVolumeAccess': 'false', 'linstor.csi.linbit.com/storagePool': POOL, 'csi.storage.k8s.io/fstype': 'ext4' } },
  // Expansion: online ext4 growth is refused by this machine's kernel (resize2fs: Permission
  // denied, even on a plain loop device), xfs_growfs works.
  { name: 'linstor-xfs', volumeBindingMode: 'Immediate', parameters: { 'linstor.csi.linbit.com/placementCount': '2', 'linstor.csi.linbit.com/storagePool': POOL, 'csi.storage.k8s.io/fstype': 'xfs' } },
  { name: 'linstor-three', volumeBindingMode: 'Immediate', parameters: { 'linstor.csi.linbit.com/placementCount': '3', 'linstor.csi.linbit.com/storagePool': POOL, 'csi.storage.k8s.io/fstype': 'ext4' } },
  { name: 'linstor-retain', volumeBindingMode: 'Immediate', reclaimPolicy: 'Retain', parameters: { 'linstor.csi.linbit.com/placementCount': '1', 'linstor.csi.linbit.com/storagePool': POOL, 'csi.storage.k8s.io/fstype': 'ext4' } },
  { name: 'linstor-bad', volumeBindingMode: 'Immediate', parameters: { 'linstor.csi.linbit.com/placementCount': 'two', 'linstor.csi.linbit.com/storagePool': POOL } },
];
export const SNAPSHOT_CLASS = 'linstor-snapshots';

/** The controller sidecars of the chart, by container name = binary name. */
const SIDECARS = ['csi-provisioner', 'csi-attacher', 'csi-snapshotter', 'csi-resizer'] as const;

export interface Stack {
  cluster: Cluster;
  kc: Cluster['kc'];
  objects: KubernetesObjectApi;
  linstor: LinstorClient;
  /** The emulator's URL (LINSTOR REST API and its /emulator control API). */
  linstorUrl: string;
  kubelets: Map<string, Kubelet>;
  /** The dev process (emulator + drivers). */
  dev: Proc;
  sidecars: Proc[];
  /** The args each sidecar was started with (after the chart's, for the record). */
  sidecarArgs: Map<string, string[]>;
  /** Log lines of every sidecar saying the API server refused a request (missing RBAC). */
  forbidden(): Promise<string[]>;
  stop(): Promise<void>;
}

/** `linstor-csi dev` with the three node drivers; resolves once it printed "ready". */
async function startDev(dir: string, extraArgs: string[] = []): Promise<{ proc: Proc; url: string; sockets: Map<string, string>; kubeletDir: string }> {
  const stateDir = join(dir, 'dev');
  const proc = await startProc(dir, 'linstor-csi-dev', process.execPath, [
    join(ROOT, 'bin', 'linstor-csi.js'),
    'dev',
    `--state-dir=${stateDir}`,
    ...NODES.map((n) => `--node=${n}`),
    `--pool-name=${POOL}`,
    '--pool-size=8GiB',
    '--log-format=json',
    '--log-level=info',
    ...extraArgs,
  ]);
  let exited = false;
  proc.exited.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const log = await readFile(proc.logFile, 'utf8').catch(() => '');
    const url = /LINSTOR emulator\s+(http:\/\/\S+)/.exec(log)?.[1];
    if (url && log.includes('linstor-csi dev: ready')) {
      const sockets = new Map<string, string>(NODES.map((n, i) => [n, `unix://${join(stateDir, i === 0 ? 'csi.sock' : `csi-${n}.sock`)}`]));
      return { proc, url, sockets, kubeletDir: join(stateDir, 'kubelet') };
    }
    if (exited || Date.now() > deadline) throw new Error(`linstor-csi dev did not start:\n${await tail(proc.logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function helmInstall(cluster: Cluster, linstorUrl: string): Promise<KubernetesObject[]> {
  const values = {
    linstor: { endpoint: linstorUrl },
    storageClasses: STORAGE_CLASSES,
    volumeSnapshotClass: { enabled: true, name: SNAPSHOT_CLASS },
  };
  const file = join(cluster.dir, 'values.json');
  await writeFile(file, JSON.stringify(values));
  const helm = tool('helm');
  const env = { HELM_CACHE_HOME: join(cluster.dir, 'helm', 'cache'), HELM_CONFIG_HOME: join(cluster.dir, 'helm', 'config'), HELM_DATA_HOME: join(cluster.dir, 'helm', 'data') };
  await execa(helm, ['install', RELEASE, CHART_DIR, '--kubeconfig', cluster.kubeconfig, '--namespace', NAMESPACE, '--create-namespace', '-f', file], { timeout: 180_000, env });
  const { stdout } = await execa(helm, ['get', 'manifest', RELEASE, '--kubeconfig', cluster.kubeconfig, '--namespace', NAMESPACE], { timeout: 60_000, env });
  return parseAllDocuments(stdout)
    .map((d) => d.toJSON() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o);
}

interface RenderedContainer {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
}

/** The controller Deployment's containers, as the chart rendered them. */
function renderedSidecars(manifest: KubernetesObject[]): { deployment: string; serviceAccount: string; containers: RenderedContainer[] } {
  const dep = manifest.find((o) => o.kind === 'Deployment' && o.metadata?.name?.endsWith('-controller')) as
    | (KubernetesObject & { spec: { template: { spec: { serviceAccountName: string; containers: RenderedContainer[] } } } })
    | undefined;
  if (!dep) throw new Error('the chart rendered no controller Deployment');
  return { deployment: dep.metadata?.name as string, serviceAccount: dep.spec.template.spec.serviceAccountName, containers: dep.spec.template.spec.containers };
}

/** The name of a Pod of the controller Deployment (made by the real deployment/replicaset controllers). */
async function controllerPod(cluster: Cluster, deployment: string): Promise<string> {
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const apps = cluster.kc.makeApiClient(AppsV1Api);
  const dep = await apps.readNamespacedDeployment({ name: deployment, namespace: NAMESPACE });
  const selector = Object.entries(dep.spec?.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: selector });
    const pod = pods.items[0]?.metadata?.name;
    if (pod) return pod;
    if (Date.now() > deadline) throw new Error(`no Pod of Deployment ${deployment} appeared (deployment/replicaset controllers)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The chart's args with $(VAR) expanded, the socket and listen ports made local, plus --kubeconfig. */
async function localArgs(c: RenderedContainer, env: Record<string, string>, socket: string, kubeconfig: string): Promise<string[]> {
  const out: string[] = [];
  for (const raw of c.args ?? []) {
    let a = raw.replace(/\$\((\w+)\)/g, (_, v: string) => {
      const value = env[v];
      if (value === undefined) throw new Error(`${c.name}: argument ${raw} references $(${v}), which the test does not provide`);
      return value;
    });
    if (a.startsWith('--csi-address=')) a = `--csi-address=${socket}`;
    // Listen addresses of metrics/health endpoints: a free loopback port (other runs share the machine).
    const listen = /^(--(?:http-endpoint|metrics-address))=/.exec(a);
    if (listen) a = `${listen[1]}=127.0.0.1:${await freePort()}`;
    out.push(a);
  }
  return [...out, `--kubeconfig=${kubeconfig}`];
}

/** The snapshot-controller, with the RBAC the external-snapshotter release ships for it. */
async function startSnapshotController(cluster: Cluster, dir: string, groupSnapshots: boolean): Promise<Proc> {
  const rbac = join(ROOT, '.tools', 'crds', 'snapshot-controller-rbac.yaml');
  let kubeconfig = cluster.kubeconfig;
  if (existsSync(rbac)) {
    await cluster.kubectl(['apply', '-f', rbac]);
    kubeconfig = await cluster.kubeconfigFor('kube-system', 'snapshot-controller');
  }
  return startProc(dir, 'snapshot-controller', tool('snapshot-controller'), [
    `--kubeconfig=${kubeconfig}`,
    '--leader-election=false',
    ...(groupSnapshots ? ['--feature-gates=CSIVolumeGroupSnapshot=true'] : []),
  ]);
}

export interface StackOptions {
  /** Extra `linstor-csi dev` flags, made once the control plane runs (e.g. a kubeconfig for the HA agent). */
  devArgs?: (cluster: Cluster) => Promise<string[]>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const cluster = await startCluster();
  const dir = cluster.dir;
  const procs: Proc[] = [];
  const kubelets = new Map<string, Kubelet>();
  let dev: Proc | undefined;
  let linstor: LinstorClient | undefined;
  const stop = async (): Promise<void> => {
    for (const p of [...procs].reverse()) await p.stop().catch(() => undefined);
    for (const k of kubelets.values()) k.close();
    linstor?.close();
    // Volumes a failed test left staged would keep the emulator's loop devices busy.
    await unmountUnder(join(dir, 'dev', 'kubelet')).catch(() => undefined);
    await dev?.stop(30_000).catch(() => undefined);
    await cluster.stop();
    // Keep the logs of a failed run for a look: LINSTOR_CSI_KEEP_K8S=1.
    if (process.env['LINSTOR_CSI_KEEP_K8S'] !== '1') await removeClusterDir(cluster);
  };
  try {
    for (const f of (await readdir(SNAPSHOT_CRDS)).filter((f) => f.endsWith('.yaml')).sort()) {
      await cluster.kubectl(['apply', '--server-side', '-f', join(SNAPSHOT_CRDS, f)]);
    }
    const started = await startDev(dir, (await opts.devArgs?.(cluster)) ?? []);
    dev = started.proc;
    linstor = createLinstorClient({ endpoints: [started.url], timeoutMs: 30_000, maxConcurrency: 8 }, { clock: systemClock, logger: silentLogger() });
    for (const n of NODES) {
      // Beneath `dev`'s default --kubelet-dir (<state-dir>/kubelet), where node paths must lie.
      const root = join(started.kubeletDir, n);
      await mkdir(root, { recursive: true });
      const k = new Kubelet(cluster.kc, n, started.sockets.get(n) as string, root);
      kubelets.set(n, k);
      await k.register();
    }
    const manifest = await helmInstall(cluster, started.url);
    const rendered = renderedSidecars(manifest);
    const pod = await controllerPod(cluster, rendered.deployment);
    const saConfig = await cluster.kubeconfigFor(NAMESPACE, rendered.serviceAccount);
    const controllerSocket = (started.sockets.get(NODES[0]) as string).replace(/^unix:\/\//, '');
    const sidecarArgs = new Map<string, string[]>();
    const groupSnapshots = rendered.containers.some((c) => (c.args ?? []).some((a) => a.includes('CSIVolumeGroupSnapshot=true')));
    procs.push(await startSnapshotController(cluster, dir, groupSnapshots));
    for (const name of SIDECARS) {
      const c = rendered.containers.find((x) => x.name === name);
      if (!c) throw new Error(`the chart's controller Deployment has no ${name} container`);
      const args = await localArgs(c, { NAMESPACE, POD_NAME: pod, NODE_NAME: NODES[0] }, controllerSocket, saConfig);
      sidecarArgs.set(name, args);
      procs.push(await startProc(dir, name, tool(name), args, { NAMESPACE, POD_NAME: pod }));
    }
    const stack: Stack = {
      cluster,
      kc: cluster.kc,
      objects: KubernetesObjectApi.makeApiClient(cluster.kc),
      linstor,
      linstorUrl: started.url,
      kubelets,
      dev,
      sidecars: procs,
      sidecarArgs,
      async forbidden() {
        const lines: string[] = [];
        for (const p of procs) {
          const text = await readFile(p.logFile, 'utf8').catch(() => '');
          for (const l of text.split('\n')) if (/forbidden/i.test(l) && /cannot (get|list|watch|create|update|patch|delete)/.test(l)) lines.push(`${p.name}: ${l}`);
        }
        return lines;
      },
      stop,
    };
    return stack;
  } catch (e) {
    await stop();
    throw e;
  }
}
