/** What the node service is built from, and helpers its handlers share. */
import { CsiError, Code, failedPrecondition, notFound, unavailable } from '../csi/errors.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { InFlight } from '../server/inflight.js';
import type { Clock } from '../util/clock.js';
import type { NodeOps } from '../node-ops/index.js';
import { DrbdError, DrbdPromotionRefused } from '../node-ops/drbd.js';
import { MountBusyError } from '../node-ops/mounter.js';
import { isToolError } from '../node-ops/run-tool.js';
import type { VolumeHistoryStore } from './history.js';

/** Where NodeGetInfo gets the node's LINSTOR properties (the lead adapts the LinstorClient to it). */
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

/** The DRBD volume number of a CSI volume: LINSTOR's first volume definition. */
export const VOLUME_NUMBER = 0;

/** Marker file inside the staging directory onto which a block volume's device is bind-mounted, so "staged" is visible in the mount table. */
export const BLOCK_STAGE_FILE = 'block-device';

export function devicePath(template: string, resource: string, volume = VOLUME_NUMBER): string {
  return template.replaceAll('{resource}', resource).replaceAll('{volume}', String(volume));
}

/** Waits (bounded) for the device node to appear; NOT_FOUND when it does not. */
export async function waitForDevice(deps: NodeServiceDeps, tuning: NodeTuning, resource: string, signal: AbortSignal): Promise<string> {
  const path = devicePath(deps.config.devicePathTemplate, resource);
  const deadline = deps.clock.now() + deps.config.deviceWaitTimeoutMs;
  for (;;) {
    const kind = await deps.ops.fs.kind(path).catch(() => 'missing' as const);
    if (kind === 'block-device') return path;
    if (kind !== 'missing') throw failedPrecondition(`${path} exists but is not a block device`);
    if (deps.clock.now() >= deadline) {
      throw notFound(
        `volume ${resource} has no device on node ${deps.config.nodeName ?? '?'}: ${path} did not appear within ${Math.round(deps.config.deviceWaitTimeoutMs / 1000)} s; check that LINSTOR placed the resource here (linstor resource list -r ${resource})`,
      );
    }
    await deps.clock.sleep(tuning.devicePollMs, signal);
  }
}

/** Maps errors of the node tools onto CSI codes with a message someone can act on. */
export function toCsiError(e: unknown, what: string): unknown {
  if (e instanceof CsiError) return e;
  if (e instanceof DrbdPromotionRefused) {
    return e.primaryOn.length > 0
      ? failedPrecondition(`${what}: the volume is in use on node ${e.primaryOn.join(', ')} (DRBD Primary there); it can be used here once that node unstages it`)
      : failedPrecondition(`${what}: DRBD refused promotion to Primary (${e.detail})`);
  }
  if (e instanceof DrbdError) {
    if (e.kind === 'unavailable') return unavailable(`${what}: ${e.message}`);
    if (e.kind === 'not-found') return failedPrecondition(`${what}: ${e.message}; check the LINSTOR satellite`);
    if (e.kind === 'refused') return failedPrecondition(`${what}: ${e.message}`);
    return new CsiError(Code.INTERNAL, `${what}: ${e.message}`);
  }
  if (e instanceof MountBusyError) return failedPrecondition(`${what}: ${e.message}; find the user with "fuser -vm ${e.target}"; kubelet will retry`);
  if (isToolError(e)) {
    if (e.timedOut) return new CsiError(Code.DEADLINE_EXCEEDED, `${what}: ${e.message}`);
    return new CsiError(Code.INTERNAL, `${what}: ${e.message}`);
  }
  return e;
}
