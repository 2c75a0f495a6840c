/**
 * Small Kubernetes helpers for the k8s suite: PVCs, PVs, VolumeAttachments (as the
 * attach-detach controller makes them), snapshots, events, and polling until a condition holds.
 */
import { CoreV1Api, type KubernetesObject, type V1PersistentVolume, type V1PersistentVolumeClaim, StorageV1Api } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { ResourceWithVolumes } from '../../src/linstor/types.js';
import { DRIVER, type Stack } from './stack.js';

export const NS = 'default';

/** Polls `get` until `ok` holds (every 250 ms); the error names what was awaited and the last value. */
export async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const seen = lastErr && last === undefined ? `error: ${(lastErr as Error).message}` : JSON.stringify(last, null, 1)?.slice(0, 3000);
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

let seq = 0;
/** A name unique in this run. */
export function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36).slice(-4)}${(++seq).toString(36)}`;
}

export interface PvcSpec {
  name: string;
  storageClass: string;
  size?: string;
  selectedNode?: string;
  dataSource?: { kind: 'VolumeSnapshot' | 'PersistentVolumeClaim'; name: string };
  vac?: string;
  labels?: Record<string, string>;
}

export async function createPvc(s: Stack, p: PvcSpec): Promise<V1PersistentVolumeClaim> {
  const core = s.kc.makeApiClient(CoreV1Api);
  return core.createNamespacedPersistentVolumeClaim({
    namespace: NS,
    body: {
      metadata: {
        name: p.name,
        ...(p.labels ? { labels: p.labels } : {}),
        // The scheduler's choice for a WaitForFirstConsumer claim.
        ...(p.selectedNode ? { annotations: { 'volume.kubernetes.io/selected-node': p.selectedNode } } : {}),
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: p.storageClass,
        resources: { requests: { storage: p.size ?? '64Mi' } },
        ...(p.vac ? { volumeAttributesClassName: p.vac } : {}),
        ...(p.dataSource
          ? { dataSource: { kind: p.dataSource.kind, name: p.dataSource.name, ...(p.dataSource.kind === 'VolumeSnapshot' ? { apiGroup: 'snapshot.storage.k8s.io' } : {}) } }
          : {}),
      },
    },
  });
}

export async function readPvc(s: Stack, name: string): Promise<V1PersistentVolumeClaim> {
  return s.kc.makeApiClient(CoreV1Api).readNamespacedPersistentVolumeClaim({ name, namespace: NS });
}

/** Waits for the claim to be Bound; returns it and its PV. */
export async function bound(s: Stack, name: string, timeoutMs = 90_000): Promise<{ pvc: V1PersistentVolumeClaim; pv: V1PersistentVolume }> {
  const pvc = await until(`PVC ${name} Bound`, () => readPvc(s, name), (c) => c.status?.phase === 'Bound', timeoutMs).catch(async (e: Error) => {
    throw new Error(`${e.message}\nevents: ${JSON.stringify(await eventsFor(s, name))}`);
  });
  const pv = await s.kc.makeApiClient(CoreV1Api).readPersistentVolume({ name: pvc.spec?.volumeName as string });
  return { pvc, pv };
}

export async function deletePvc(s: Stack, name: string): Promise<void> {
  await s.kc.makeApiClient(CoreV1Api).deleteNamespacedPersistentVolumeClaim({ name, namespace: NS });
}

export async function eventsFor(s: Stack, name: string): Promise<{ reason?: string; message?: string }[]> {
  const list = await s.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason, message: e.message }));
}

/** The VolumeAttachment name the attach-detach controller uses: csi-<sha256(handle+driver+node)>. */
export function attachmentName(volumeHandle: string, node: string): string {
  return `csi-${createHash('sha256').update(`${volumeHandle}${DRIVER}${node}`).digest('hex')}`;
}

/** Creates the VolumeAttachment the attach-detach controller would and waits until csi-attacher attached it. */
export async function attach(s: Stack, pv: V1PersistentVolume, node: string): Promise<Record<string, string>> {
  const storage = s.kc.makeApiClient(StorageV1Api);
  const name = attachmentName(pv.spec?.csi?.volumeHandle as string, node);
  await storage.createVolumeAttachment({
    body: { metadata: { name }, spec: { attacher: DRIVER, nodeName: node, source: { persistentVolumeName: pv.metadata?.name as string } } },
  });
  const va = await until(`VolumeAttachment ${name} (${pv.metadata?.name} on ${node}) attached`, () => storage.readVolumeAttachment({ name }), (v) => v.status?.attached === true);
  return va.status?.attachmentMetadata ?? {};
}

/** Deletes the VolumeAttachment and waits until csi-attacher detached it (the object is gone). */
export async function detach(s: Stack, pv: V1PersistentVolume, node: string): Promise<void> {
  const storage = s.kc.makeApiClient(StorageV1Api);
  const name = attachmentName(pv.spec?.csi?.volumeHandle as string, node);
  await storage.deleteVolumeAttachment({ name });
  await until(
    `VolumeAttachment ${name} detached and removed`,
    () => storage.listVolumeAttachment(),
    (l) => !l.items.some((v) => v.metadata?.name === name),
  );
}

/** Any object by apiVersion/kind/name (custom resources included). */
export async function readObject<T extends KubernetesObject>(s: Stack, apiVersion: string, kind: string, name: string, namespace?: string): Promise<T> {
  return (await s.objects.read({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } })) as T;
}

export async function createObject<T extends KubernetesObject>(s: Stack, obj: T): Promise<T> {
  return (await s.objects.create(obj)) as T;
}

/** LINSTOR's resources of `rd`. */
export async function resourcesOf(s: Stack, rd: string): Promise<ResourceWithVolumes[]> {
  return (await s.linstor.resources.view({ resources: [rd] })).filter((r) => r.name.toLowerCase() === rd.toLowerCase());
}

const isDiskless = (r: ResourceWithVolumes): boolean => (r.flags ?? []).some((f) => f === 'DISKLESS' || f === 'DRBD_DISKLESS' || f === 'TIE_BREAKER');

/** Nodes with a diskful replica of `rd` (sorted). */
export async function diskful(s: Stack, rd: string): Promise<string[]> {
  return (await resourcesOf(s, rd))
    .filter((r) => !isDiskless(r) && !(r.flags ?? []).includes('DELETE'))
    .map((r) => r.node_name)
    .sort();
}

export async function rdExists(s: Stack, rd: string): Promise<boolean> {
  return (await s.linstor.resourceDefinitions.list({ resourceDefinitions: [rd] })).some((r) => r.name.toLowerCase() === rd.toLowerCase());
}
