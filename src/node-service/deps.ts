/** What the node service is built from: its ports, config and tuning. */
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { InFlight } from '../csi/inflight.js';
import type { Clock } from '../util/clock.js';
import type { NodeOps } from '../node-ops/index.js';
import type { VolumeHistoryStore } from './history.js';

/** Where NodeGetInfo gets the node's LINSTOR properties (src/driver.ts adapts the LinstorClient to it). */
export interface NodeTopologySource {
  nodeProps(node: string, signal?: AbortSignal): Promise<Record<string, string>>;
}

export type NodeServiceConfig = Pick<Config, 'nodeName' | 'propertyNamespace' | 'devicePathTemplate' | 'kubeletDir' | 'deviceWaitTimeoutMs' | 'maxVolumesPerNode'>;

export interface NodeServiceDeps {
  config: NodeServiceConfig;
  ops: NodeOps;
  topology: NodeTopologySource;
  /** The volume's record in LINSTOR: read by the format decision, extended after a format. */
  history: VolumeHistoryStore;
  clock: Clock;
  log: Logger;
  inflight: InFlight;
  /** Tuning for tests; production uses the defaults. */
  tuning?: Partial<NodeTuning>;
}

export interface NodeTuning {
  /** Extra umount attempts after "target is busy". */
  unmountBusyRetries: number;
  unmountRetryDelayMs: number;
  /** Poll interval while waiting for the device to appear. */
  devicePollMs: number;
  /** Grow when the device exceeds the filesystem by more than this. */
  growThresholdBytes: number;
}

export const DEFAULT_TUNING: NodeTuning = {
  unmountBusyRetries: 5,
  unmountRetryDelayMs: 1000,
  devicePollMs: 200,
  growThresholdBytes: 1024 * 1024,
};
