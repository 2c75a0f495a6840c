/**
 * The HaKube port on @kubernetes/client-node: informers (list + watch) over Pods, PVs, PVCs,
 * VolumeAttachments and Nodes, converted to the agent's plain records, and the few calls the
 * agent makes. An informer that errors (API server down, watch expired) is restarted after a
 * delay and the cache counts as unsynced until it has listed again.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import type { ClusterSnapshot, HaEvent, NodeInfo, ObjectRef, PodInfo, PvcInfo, PvInfo, VolumeAttachmentInfo } from './model.js';
import type { HaKube } from './ports.js';

export function podInfo(p: k8s.V1Pod): PodInfo {
  const claims = (p.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [{ claimName: v.persistentVolumeClaim.claimName, readOnly: v.persistentVolumeClaim.readOnly === true }] : []));
  const info: PodInfo = {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    uid: p.metadata?.uid ?? '',
    annotations: p.metadata?.annotations ?? {},
    ownerKinds: (p.metadata?.ownerReferences ?? []).map((o) => o.kind),
    claims,
    deleting: p.metadata?.deletionTimestamp !== undefined && p.metadata?.deletionTimestamp !== null,
    finished: p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
  };
  if (p.spec?.nodeName) info.nodeName = p.spec.nodeName;
  return info;
}

export function pvInfo(pv: k8s.V1PersistentVolume): PvInfo {
  const info: PvInfo = { name: pv.metadata?.name ?? '', uid: pv.metadata?.uid ?? '' };
  if (pv.spec?.csi) {
    info.driver = pv.spec.csi.driver;
    info.volumeHandle = pv.spec.csi.volumeHandle;
  }
  const c = pv.spec?.claimRef;
  if (c?.name && c.namespace) info.claim = { namespace: c.namespace, name: c.name };
  return info;
}

export function pvcInfo(c: k8s.V1PersistentVolumeClaim): PvcInfo {
  const info: PvcInfo = { namespace: c.metadata?.namespace ?? '', name: c.metadata?.name ?? '', uid: c.metadata?.uid ?? '' };
  if (c.spec?.volumeName) info.volumeName = c.spec.volumeName;
  return info;
}

export function attachmentInfo(va: k8s.V1VolumeAttachment): VolumeAttachmentInfo {
  const info: VolumeAttachmentInfo = {
    name: va.metadata?.name ?? '',
    uid: va.metadata?.uid ?? '',
    attacher: va.spec.attacher,
    nodeName: va.spec.nodeName,
    deleting: va.metadata?.deletionTimestamp !== undefined && va.metadata?.deletionTimestamp !== null,
  };
  if (va.spec.source.persistentVolumeName) info.pvName = va.spec.source.persistentVolumeName;
  return info;
}

export function nodeInfo(n: k8s.V1Node): NodeInfo {
  const ready = (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    name: n.metadata?.name ?? '',
    ready,
    taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, effect: t.effect, ...(t.value !== undefined ? { value: t.value } : {}) })),
  };
}

function httpCode(e: unknown): number | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

/** 404 (gone already) and 409 (a different object by now) mean there is nothing left to do. */
async function ignoreGone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    const code = httpCode(e);
    if (code === 404 || code === 409) return;
    throw e;
  }
}

export interface KubeAdapterOptions {
  kubeConfig: k8s.KubeConfig;
  nodeName: string;
  clock: Clock;
  log: Logger;
  /** Delay before an errored informer lists and watches again. */
  restartDelayMs?: number;
}

type AnyInformer = k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;

/**
 * The five informers and whether each holds a current list. The informer reports a failed list
 * or watch through its ERROR callback (start() still resolves); it then stays down until started
 * again, which the ERROR handler schedules after a delay.
 */
class Caches {
  readonly pods: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>;
  readonly pvs: k8s.Informer<k8s.V1PersistentVolume> & k8s.ObjectCache<k8s.V1PersistentVolume>;
  readonly pvcs: k8s.Informer<k8s.V1PersistentVolumeClaim> & k8s.ObjectCache<k8s.V1PersistentVolumeClaim>;
  readonly vas: k8s.Informer<k8s.V1VolumeAttachment> & k8s.ObjectCache<k8s.V1VolumeAttachment>;
  readonly nodes: k8s.Informer<k8s.V1Node> & k8s.ObjectCache<k8s.V1Node>;
  private readonly all: Array<[string, AnyInformer]>;
  private readonly synced = new Set<string>();
  private readonly failed = new Set<string>();
  private readonly listeners: Array<() => void> = [];
  private stopped = false;
  private readonly ac = new AbortController();

  constructor(
    kc: k8s.KubeConfig,
    private readonly o: KubeAdapterOptions,
  ) {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const storage = kc.makeApiClient(k8s.StorageV1Api);
    this.pods = k8s.makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
    this.pvs = k8s.makeInformer(kc, '/api/v1/persistentvolumes', () => core.listPersistentVolume());
    this.pvcs = k8s.makeInformer(kc, '/api/v1/persistentvolumeclaims', () => core.listPersistentVolumeClaimForAllNamespaces());
    this.vas = k8s.makeInformer(kc, '/apis/storage.k8s.io/v1/volumeattachments', () => storage.listVolumeAttachment());
    this.nodes = k8s.makeInformer(kc, '/api/v1/nodes', () => core.listNode());
    const named: Array<[string, unknown]> = [['pods', this.pods], ['persistentvolumes', this.pvs], ['persistentvolumeclaims', this.pvcs], ['volumeattachments', this.vas], ['nodes', this.nodes]];
    this.all = named as Array<[string, AnyInformer]>;
    for (const [name, inf] of this.all) {
      for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) inf.on(verb, () => this.changed());
      inf.on(k8s.ERROR, (err?: unknown) => this.onError(name, inf, err));
    }
  }

  isSynced(): boolean {
    return this.synced.size === this.all.length;
  }
  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }
  async start(): Promise<void> {
    await Promise.all(this.all.map(([name, inf]) => this.startOne(name, inf)));
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.ac.abort();
    await Promise.all(this.all.map(([, inf]) => inf.stop().catch(() => undefined)));
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private restartLater(name: string, inf: AnyInformer): void {
    void this.o.clock.sleep(this.o.restartDelayMs ?? 3000, this.ac.signal).then(() => this.startOne(name, inf), () => undefined);
  }

  private onError(name: string, inf: AnyInformer, err: unknown): void {
    this.synced.delete(name);
    this.failed.add(name);
    if (this.stopped) return;
    this.o.log.warn({ informer: name, err: err instanceof Error ? err.message : String(err) }, 'ha: list or watch failed; not acting on this cache until it is listed again');
    this.restartLater(name, inf);
  }

  private async startOne(name: string, inf: AnyInformer): Promise<void> {
    if (this.stopped) return;
    this.failed.delete(name);
    await inf.start().catch((e: unknown) => {
      this.failed.add(name);
      this.o.log.warn({ informer: name, err: (e as Error).message }, 'ha: cannot list from the Kubernetes API; retrying');
      this.restartLater(name, inf);
    });
    if (!this.failed.has(name) && !this.stopped) {
      this.synced.add(name);
      this.changed();
    }
  }
}

export function createKubeAdapter(o: KubeAdapterOptions): HaKube {
  const kc = o.kubeConfig;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const storage = kc.makeApiClient(k8s.StorageV1Api);
  const caches = new Caches(kc, o);
  const eventName = (ref: ObjectRef): string => `${ref.name}.${o.clock.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
  return {
    start: () => caches.start(),
    stop: () => caches.stop(),
    synced: () => caches.isSynced(),
    onChange: (cb) => caches.onChange(cb),
    snapshot: (): ClusterSnapshot => ({
      pods: caches.pods.list().map(podInfo),
      pvs: caches.pvs.list().map(pvInfo),
      pvcs: caches.pvcs.list().map(pvcInfo),
      attachments: caches.vas.list().map(attachmentInfo),
      nodes: caches.nodes.list().map(nodeInfo),
    }),
    async taintNode(node, key) {
      const n = await core.readNode({ name: node });
      const taints = n.spec?.taints ?? [];
      if (taints.some((t) => t.key === key && t.effect === 'NoSchedule')) return;
      await patchTaints(core, node, n.metadata?.resourceVersion ?? '', n.spec?.taints !== undefined, [...taints, { key, effect: 'NoSchedule', timeAdded: new Date(o.clock.now()) }]);
    },
    async untaintNode(node, key) {
      const n = await core.readNode({ name: node });
      const taints = n.spec?.taints ?? [];
      if (!taints.some((t) => t.key === key)) return;
      await patchTaints(core, node, n.metadata?.resourceVersion ?? '', true, taints.filter((t) => t.key !== key));
    },
    evictPod: (pod) =>
      ignoreGone(
        core.createNamespacedPodEviction({
          name: pod.name,
          namespace: pod.namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace }, deleteOptions: { preconditions: { uid: pod.uid } } },
        }),
      ),
    forceDeletePod: (pod) => ignoreGone(core.deleteNamespacedPod({ name: pod.name, namespace: pod.namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid: pod.uid } } })),
    deleteVolumeAttachment: (name, uid) => ignoreGone(storage.deleteVolumeAttachment({ name, body: { preconditions: { uid } } })),
    async emitEvent(ev: HaEvent) {
      const now = new Date(o.clock.now());
      await core.createNamespacedEvent({
        namespace: ev.target.namespace,
        body: {
          metadata: { name: eventName(ev.target), namespace: ev.target.namespace },
          involvedObject: { apiVersion: 'v1', kind: ev.target.kind, namespace: ev.target.namespace, name: ev.target.name, uid: ev.target.uid },
          reason: ev.reason,
          message: ev.message.slice(0, 1024),
          type: ev.type,
          source: { component: 'linstor-csi-ha', host: o.nodeName },
          reportingComponent: 'linstor.csi.linbit.com/ha',
          reportingInstance: o.nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    },
  };
}

/** JSON patch guarded by the resourceVersion we read: a concurrent change makes it fail, not clobber. */
async function patchTaints(core: k8s.CoreV1Api, node: string, rv: string, had: boolean, taints: k8s.V1Taint[]): Promise<void> {
  const body = [
    { op: 'test', path: '/metadata/resourceVersion', value: rv },
    { op: had ? 'replace' : 'add', path: '/spec/taints', value: taints },
  ];
  await core.patchNode({ name: node, body }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
}

/** In-cluster credentials, or the kubeconfig file given (dev, tests). */
export function loadKubeConfig(kubeconfigPath: string | undefined): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}
