/**
 * The HA agent's view of the cluster: plain records the Kubernetes adapter fills from its
 * informers, so the decision logic never sees the client library's types.
 */
import { DRIVER_NAME } from '../csi/driver-name.js';

export { DRIVER_NAME };
/** The taint the agent puts on a node that lost a volume (the chart's pods tolerate it). */
export const LOST_QUORUM_TAINT = 'drbd.linbit.com/lost-quorum';
/** The Go ecosystem's opt-out annotation. */
export const DEFAULT_OPT_OUT_ANNOTATION = 'drbd.linbit.com/ignore-fail-over';

export interface ObjectRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface PodInfo extends ObjectRef {
  nodeName?: string;
  annotations: Readonly<Record<string, string>>;
  /** Kinds of its controller/owners; empty: nothing recreates it. */
  ownerKinds: string[];
  /** PVC-backed volumes: claim name and whether the pod mounts it read-only. */
  claims: { claimName: string; readOnly: boolean }[];
  /** Set once deletion started (the pod is Terminating). */
  deleting: boolean;
  /** Succeeded or Failed: it holds nothing any more. */
  finished: boolean;
}

export interface PvInfo {
  name: string;
  uid: string;
  /** CSI driver of the PV; undefined for a non-CSI PV. */
  driver?: string;
  /** CSI volume handle (our DRBD resource name). */
  volumeHandle?: string;
  claim?: { namespace: string; name: string };
}

export interface PvcInfo extends ObjectRef {
  volumeName?: string;
}

export interface VolumeAttachmentInfo {
  name: string;
  uid: string;
  attacher: string;
  pvName?: string;
  nodeName: string;
  /** Deletion already requested (it waits for the attacher's finalizer). */
  deleting: boolean;
}

export interface NodeInfo {
  name: string;
  ready: boolean;
  taints: { key: string; effect: string; value?: string }[];
}

/** One consistent read of the informer caches. */
export interface ClusterSnapshot {
  pods: readonly PodInfo[];
  pvs: readonly PvInfo[];
  pvcs: readonly PvcInfo[];
  attachments: readonly VolumeAttachmentInfo[];
  nodes: readonly NodeInfo[];
}

export interface HaSettings {
  /** The peer must be unreachable this long before the agent acts. */
  failoverTimeoutMs: number;
  /** Taint a node that lost a volume (and untaint it once healthy). */
  taints: boolean;
  /** Pods carrying this annotation are never moved. */
  optOutAnnotation: string;
}

export type EventTarget = { kind: 'Pod' | 'PersistentVolumeClaim' } & ObjectRef;

export interface HaEvent {
  target: EventTarget;
  type: 'Normal' | 'Warning';
  /** CamelCase reason, e.g. FailoverRefused, SplitBrain. */
  reason: string;
  message: string;
}
