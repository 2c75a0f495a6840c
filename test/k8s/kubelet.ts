/**
 * The kubelet's and node-driver-registrar's part for a CSI node plugin, for tests that have a
 * real API server but no kubelet:
 *  - registration: GetPluginInfo + NodeGetInfo over the plugin's socket → the Node object
 *    (topology labels, the csi.volume.kubernetes.io/nodeid annotation) and the CSINode object
 *    (driver name, node id, topology keys, allocatable count), as the kubelet writes them;
 *  - volumes: NodeStage/NodePublish/NodeUnpublish/NodeUnstage/NodeExpandVolume built from the
 *    PersistentVolume and VolumeAttachment, with the kubelet's own path layout under a
 *    per-test kubelet root:
 *      plugins/kubernetes.io/csi/<driver>/<sha256(volumeHandle)>/globalmount
 *      pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount
 */
import { CoreV1Api, KubeConfig, StorageV1Api, type V1PersistentVolume, setHeaderOptions, PatchStrategy } from '@kubernetes/client-node';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { csiClients, type CsiClients } from '../helpers/grpc-clients.js';

export const NODE_ID_ANNOTATION = 'csi.volume.kubernetes.io/nodeid';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface PluginInfo {
  driver: string;
  nodeId: string;
  /** Topology segments of this node (accessible_topology of NodeGetInfo). */
  segments: Record<string, string>;
  maxVolumes: number;
}

/** What a pod's volume looks like to the kubelet after NodePublish. */
export interface Published {
  podUid: string;
  targetPath: string;
  stagingPath: string;
}

export class Kubelet {
  readonly csi: CsiClients;
  private info?: PluginInfo;

  constructor(
    readonly kc: KubeConfig,
    readonly nodeName: string,
    /** The plugin's socket address (unix:///...). */
    readonly address: string,
    /** This node's kubelet root directory (--root-dir). */
    readonly root: string,
  ) {
    this.csi = csiClients(address);
  }

  /** node-driver-registrar + kubelet plugin registration: the Node and CSINode objects. */
  async register(): Promise<PluginInfo> {
    const plugin = await this.csi.identity.GetPluginInfo({});
    const node = await this.csi.node.NodeGetInfo({});
    const info: PluginInfo = {
      driver: plugin.name,
      nodeId: node.node_id,
      segments: { ...(node.accessible_topology?.segments ?? {}) },
      maxVolumes: Number(node.max_volumes_per_node ?? 0),
    };
    this.info = info;
    const core = this.kc.makeApiClient(CoreV1Api);
    const storage = this.kc.makeApiClient(StorageV1Api);
    await core.createNode({
      body: {
        metadata: {
          name: this.nodeName,
          labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', ...info.segments },
          annotations: { [NODE_ID_ANNOTATION]: JSON.stringify({ [info.driver]: info.nodeId }) },
        },
      },
    });
    await storage.createCSINode({
      body: {
        metadata: { name: this.nodeName },
        spec: {
          drivers: [
            {
              name: info.driver,
              nodeID: info.nodeId,
              topologyKeys: Object.keys(info.segments),
              ...(info.maxVolumes > 0 ? { allocatable: { count: info.maxVolumes } } : {}),
            },
          ],
        },
      },
    });
    return info;
  }

  get driver(): string {
    if (!this.info) throw new Error('register() first');
    return this.info.driver;
  }

  stagingPath(volumeHandle: string): string {
    const hash = createHash('sha256').update(volumeHandle).digest('hex');
    return join(this.root, 'plugins', 'kubernetes.io', 'csi', this.driver, hash, 'globalmount');
  }

  targetPath(podUid: string, pvName: string): string {
    return join(this.root, 'pods', podUid, 'volumes', 'kubernetes.io~csi', pvName, 'mount');
  }

  /** The volume capability the kubelet derives from the PV (access mode, fsType, mount options). */
  static capability(pv: V1PersistentVolume): object {
    const modes = pv.spec?.accessModes ?? [];
    const mode = modes.includes('ReadWriteMany') ? 'MULTI_NODE_MULTI_WRITER' : modes.includes('ReadOnlyMany') ? 'MULTI_NODE_READER_ONLY' : modes.includes('ReadWriteOncePod') ? 'SINGLE_NODE_SINGLE_WRITER' : 'SINGLE_NODE_WRITER';
    if (pv.spec?.volumeMode === 'Block') return { access_mode: { mode }, block: {} };
    return { access_mode: { mode }, mount: { fs_type: pv.spec?.csi?.fsType ?? '', mount_flags: pv.spec?.mountOptions ?? [] } };
  }

  /** The publish context csi-attacher stored on this node's VolumeAttachment. */
  async publishContext(pv: V1PersistentVolume): Promise<Record<string, string>> {
    const storage = this.kc.makeApiClient(StorageV1Api);
    const list = await storage.listVolumeAttachment();
    const va = list.items.find((v) => v.spec.source.persistentVolumeName === pv.metadata?.name && v.spec.nodeName === this.nodeName);
    if (!va?.status?.attached) throw new Error(`PV ${pv.metadata?.name} is not attached to ${this.nodeName} (no attached VolumeAttachment)`);
    return va.status.attachmentMetadata ?? {};
  }

  /** MountDevice: NodeStageVolume at the kubelet's global mount path. */
  async stage(pv: V1PersistentVolume): Promise<string> {
    const csi = pv.spec?.csi;
    if (!csi) throw new Error(`PV ${pv.metadata?.name} is not a CSI volume`);
    const staging = this.stagingPath(csi.volumeHandle);
    // The kubelet creates the parent; the plugin's staging dir is the globalmount itself.
    await mkdir(staging, { recursive: true });
    await this.csi.node.NodeStageVolume({
      volume_id: csi.volumeHandle,
      publish_context: await this.publishContext(pv),
      staging_target_path: staging,
      volume_capability: Kubelet.capability(pv),
      secrets: {},
      volume_context: csi.volumeAttributes ?? {},
    });
    return staging;
  }

  /** SetUp: NodePublishVolume into a pod's volume dir, with podInfoOnMount's context keys. */
  async publish(pv: V1PersistentVolume, pod: { name: string; namespace: string; uid?: string; serviceAccount?: string }, readonly = false): Promise<Published> {
    const csi = pv.spec?.csi;
    if (!csi) throw new Error(`PV ${pv.metadata?.name} is not a CSI volume`);
    const podUid = pod.uid ?? randomUUID();
    const target = this.targetPath(podUid, pv.metadata?.name as string);
    await mkdir(join(target, '..'), { recursive: true });
    const stagingPath = this.stagingPath(csi.volumeHandle);
    await this.csi.node.NodePublishVolume({
      volume_id: csi.volumeHandle,
      publish_context: await this.publishContext(pv),
      staging_target_path: stagingPath,
      target_path: target,
      volume_capability: Kubelet.capability(pv),
      readonly,
      secrets: {},
      volume_context: {
        ...(csi.volumeAttributes ?? {}),
        'csi.storage.k8s.io/pod.name': pod.name,
        'csi.storage.k8s.io/pod.namespace': pod.namespace,
        'csi.storage.k8s.io/pod.uid': podUid,
        'csi.storage.k8s.io/serviceAccount.name': pod.serviceAccount ?? 'default',
        'csi.storage.k8s.io/ephemeral': 'false',
      },
    });
    return { podUid, targetPath: target, stagingPath };
  }

  /** TearDown: NodeUnpublishVolume, then the kubelet removes the pod's volume dir. */
  async unpublish(pv: V1PersistentVolume, p: Published): Promise<void> {
    await this.csi.node.NodeUnpublishVolume({ volume_id: pv.spec?.csi?.volumeHandle, target_path: p.targetPath });
    await rm(join(this.root, 'pods', p.podUid), { recursive: true, force: true });
  }

  /** UnmountDevice: NodeUnstageVolume. */
  async unstage(pv: V1PersistentVolume): Promise<void> {
    const handle = pv.spec?.csi?.volumeHandle as string;
    await this.csi.node.NodeUnstageVolume({ volume_id: handle, staging_target_path: this.stagingPath(handle) });
  }

  /**
   * The kubelet's online expansion after csi-resizer expanded the controller side
   * (PVC condition FileSystemResizePending): NodeExpandVolume on the published path, then the
   * PVC status the kubelet writes (capacity = the new size, the condition and allocation status cleared).
   */
  async expand(pv: V1PersistentVolume, p: Published, pvc: { name: string; namespace: string }): Promise<string> {
    const csi = pv.spec?.csi;
    const size = pv.spec?.capacity?.['storage'] as string;
    const res = await this.csi.node.NodeExpandVolume({
      volume_id: csi?.volumeHandle,
      volume_path: p.targetPath,
      staging_target_path: p.stagingPath,
      capacity_range: { required_bytes: String(quantityBytes(size)) },
      volume_capability: Kubelet.capability(pv),
      secrets: {},
    });
    const core = this.kc.makeApiClient(CoreV1Api);
    await core.patchNamespacedPersistentVolumeClaimStatus(
      { name: pvc.name, namespace: pvc.namespace, body: { status: { capacity: { storage: size }, conditions: null, allocatedResourceStatuses: null } } },
      mergePatch,
    );
    return String(res.capacity_bytes ?? '');
  }

  close(): void {
    this.csi.close();
  }
}

/** Bytes of a Kubernetes quantity ("64Mi", "1Gi", "100M", "12345"). */
export function quantityBytes(q: string): bigint {
  const m = /^(\d+)([KMGTPE]i?)?$/.exec(q);
  if (!m) throw new Error(`cannot read quantity "${q}"`);
  const unit = m[2] ?? '';
  const pow: Record<string, bigint> = { '': 1n, K: 1000n, M: 1000n ** 2n, G: 1000n ** 3n, T: 1000n ** 4n, Ki: 1024n, Mi: 1024n ** 2n, Gi: 1024n ** 3n, Ti: 1024n ** 4n };
  const f = pow[unit];
  if (f === undefined) throw new Error(`unsupported unit in "${q}"`);
  return BigInt(m[1] as string) * f;
}
