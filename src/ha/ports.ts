/** The HA agent's ports: the Kubernetes API (read through informers, act through calls) and DRBD. */
import type { DrbdResourceStatus } from '../node-ops/drbd-status.js';
import type { ClusterSnapshot, HaEvent, ObjectRef } from './model.js';

export interface HaKube {
  /** Starts the informers; resolves once each has listed once. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while every informer has a current list (false after a watch error, until relisted). */
  synced(): boolean;
  snapshot(): ClusterSnapshot;
  /** Called whenever an informer sees a change, so the agent re-evaluates without waiting. */
  onChange(cb: () => void): void;
  /** Adds `key:NoSchedule` unless present. */
  taintNode(node: string, key: string): Promise<void>;
  untaintNode(node: string, key: string): Promise<void>;
  /** Eviction API (honours PodDisruptionBudgets). */
  evictPod(pod: ObjectRef): Promise<void>;
  /** Delete with grace period 0, only if the pod still has this uid. */
  forceDeletePod(pod: ObjectRef): Promise<void>;
  /** Delete only if the object still has this uid. */
  deleteVolumeAttachment(name: string, uid: string): Promise<void>;
  emitEvent(ev: HaEvent): Promise<void>;
}

export interface HaDrbd {
  statusAll(signal?: AbortSignal): Promise<DrbdResourceStatus[]>;
  forceSecondary(resource: string, signal?: AbortSignal): Promise<void>;
}
