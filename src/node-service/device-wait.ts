/** Waiting for a volume's DRBD device to appear on this node. */
import { failedPrecondition, notFound } from '../csi/errors.js';
import type { NodeServiceDeps, NodeTuning } from './deps.js';
import { devicePath } from './device-path.js';

/** Waits (bounded) for the device node to appear; NOT_FOUND when it does not. */
export async function waitForDevice(
  deps: Pick<NodeServiceDeps, 'config' | 'ops' | 'clock'>, tuning: NodeTuning, resource: string, signal: AbortSignal): Promise<string> {
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
