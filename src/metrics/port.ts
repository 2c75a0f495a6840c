/**
 * The metrics port: what the domain layers and the gRPC server report, as plain method calls.
 * The composition root passes an implementation (src/metrics/prometheus.ts) when
 * `--metrics-address` is set, and `NO_METRICS` otherwise; no domain module imports prom-client.
 *
 * Every label value is from a fixed set (RPC names, gRPC codes, HTTP methods, route templates,
 * status codes, the reasons below): never a volume id, a node name or a raw path.
 */

/** Why a volume's condition is abnormal; one volume may have several. */
export type VolumeConditionReason =
  | 'no_replicas'
  | 'node_offline'
  | 'syncing'
  | 'outdated'
  | 'disk_failed'
  | 'disk_unknown'
  | 'split_brain'
  | 'quorum_lost'
  | 'cannot_promote'
  | 'not_mounted'
  | 'fs_read_only'
  | 'io_errors'
  | 'drbd_unknown'
  | 'not_configured'
  | 'no_uptodate_data'
  | 'io_suspended';

/** Which side judged the condition: the controller from LINSTOR's view, or the node plugin from the host's. */
export type ConditionView = 'controller' | 'node';

/** What NodeStageVolume's blank check decided for a filesystem volume. */
export type StageOutcome = 'formatted' | 'mounted_existing' | 'refused';

export interface RpcMetrics {
  /** An RPC started; call the returned function with its gRPC code name when it ends. */
  rpcStarted(method: string): (code: string) => void;
}

export interface LinstorMetrics {
  /**
   * One HTTP exchange with LINSTOR started (`route`: the path template, e.g.
   * "/v1/resource-definitions/{name}"); call the returned function with the HTTP status, or
   * "error" when no answer came.
   */
  linstorRequestStarted(method: string, route: string): (status: number | 'error') => void;
}

export interface VolumeHealthMetrics {
  /** The conditions of every volume the view knows (a full listing): replaces what it knew. */
  replaceVolumeConditions(view: ConditionView, conditions: ReadonlyMap<string, readonly VolumeConditionReason[]>): void;
  /** One volume's current condition; no reasons = healthy. */
  setVolumeCondition(view: ConditionView, volumeId: string, reasons: readonly VolumeConditionReason[]): void;
  /** The volume is gone from this view (deleted, unstaged). */
  forgetVolume(view: ConditionView, volumeId: string): void;
}

export interface NodeStageMetrics {
  stageOutcome(outcome: StageOutcome): void;
}

export interface Metrics extends RpcMetrics, LinstorMetrics, VolumeHealthMetrics, NodeStageMetrics {}

const done = (): void => undefined;

/** The port when metrics are off: every call is a no-op. */
export const NO_METRICS: Metrics = {
  rpcStarted: () => done,
  linstorRequestStarted: () => done,
  replaceVolumeConditions: done,
  setVolumeCondition: done,
  forgetVolume: done,
  stageOutcome: done,
};
