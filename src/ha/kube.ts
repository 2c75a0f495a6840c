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

export function createKubeAdapter(o: KubeAdapterOptions): HaKube {
  const kc = o.kubeConfig;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const storage = kc.makeApiClient(k8s.StorageV1Api);
  const pods = k8s.makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  const pvs = k8s.makeInformer(kc, '/api/v1/persistentvolumes', () => core.listPersistentVolume());
  const pvcs = k8s.makeInformer(kc, '/api/v1/persistentvolumeclaims', () => core.listPersistentVolumeClaimForAllNamespaces());
  const vas = k8s.makeInformer(kc, '/apis/storage.k8s.io/v1/volumeattachments', () => storage.listVolumeAttachment());
  const nodes = k8s.makeInformer(kc, '/api/v1/nodes', () => core.listNode());
  const all: Array<[string, AnyInformer]> = [
    ['pods', pods as unknown as AnyInformer],
    ['persistentvolumes', pvs as unknown as AnyInformer],
    ['persistentvolumeclaims', pvcs as unknown as AnyInformer],
    ['volumeattachments', vas as unknown as AnyInformer],
    ['nodes', nodes as unknown as AnyInformer],
  ];
  const synced = new Set<string>();
  const listeners: Array<() => void> = [];
  let stopped = false;
  const ac = new AbortController();
  const restartDelay = o.restartDelayMs ?? 3000;
  const changed = (): void => {
    for (const l of listeners) l();
  };

  // The informer reports a failed list or watch through its ERROR callback (start() still
  // resolves); it then stays down until started again, which the ERROR handler schedules.
  const failed = new Set<string>();
  const startOne = async (name: string, inf: AnyInformer): Promise<void> => {
    if (stopped) return;
    failed.delete(name);
    await inf.start().catch((e: unknown) => {
      failed.add(name);
      o.log.warn({ informer: name, err: (e as Error).message }, 'ha: cannot list from the Kubernetes API; retrying');
      void o.clock.sleep(restartDelay, ac.signal).then(() => startOne(name, inf), () => undefined);
    });
    if (!failed.has(name) && !stopped) {
      synced.add(name);
      changed();
    }
  };

  for (const [name, inf] of all) {
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) inf.on(verb, changed);
    inf.on(k8s.ERROR, (err?: unknown) => {
      synced.delete(name);
      failed.add(name);
      if (stopped) return;
      o.log.warn({ informer: name, err: err instanceof Error ? err.message : String(err) }, 'ha: list or watch failed; not acting on this cache until it is listed again');
      void o.clock.sleep(restartDelay, ac.signal).then(() => startOne(name, inf), () => undefined);
    });
  }

  const eventName = (ref: ObjectRef): string => `${ref.name}.${o.clock.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;

  return {
    async start() {
      await Promise.all(all.map(([name, inf]) => startOne(name, inf)));
    },
    async stop() {
      stopped = true;
      ac.abort();
      await Promise.all(all.map(([, inf]) => inf.stop().catch(() => undefined)));
    },
    synced: () => synced.size === all.length,
    snapshot(): ClusterSnapshot {
      return {
        pods: pods.list().map(podInfo),
        pvs: pvs.list().map(pvInfo),
        pvcs: pvcs.list().map(pvcInfo),
        attachments: vas.list().map(attachmentInfo),
        nodes: nodes.list().map(nodeInfo),
      };
    },
    onChange(cb) {
      listeners.push(cb);
    },
    async taintNode(node, key) {
      const n = await core.readNode({ name: node });
      const taints = n.spec?.taints ?? [];
      if (taints.some((t) => t.key === key && t.effect === 'NoSchedule')) return;
      const next = [...taints, { key, effect: 'NoSchedule', timeAdded: new Date() }];
      await patchTaints(core, node, n.metadata?.resourceVersion ?? '', n.spec?.taints !== undefined, next);
    },
    async untaintNode(node, key) {
      const n = await core.readNode({ name: node });
      const taints = n.spec?.taints ?? [];
      if (!taints.some((t) => t.key === key)) return;
      await patchTaints(core, node, n.metadata?.resourceVersion ?? '', true, taints.filter((t) => t.key !== key));
    },
    async evictPod(pod) {
      await ignoreGone(
        core.createNamespacedPodEviction({
          name: pod.name,
          namespace: pod.namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace }, deleteOptions: { preconditions: { uid: pod.uid } } },
        }),
      );
    },
    async forceDeletePod(pod) {
      await ignoreGone(core.deleteNamespacedPod({ name: pod.name, namespace: pod.namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid: pod.uid } } }));
    },
    async deleteVolumeAttachment(name, uid) {
      await ignoreGone(storage.deleteVolumeAttachment({ name, body: { preconditions: { uid } } }));
    },
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
