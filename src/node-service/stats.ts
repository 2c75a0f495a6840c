/** NodeGetVolumeStats (usage and condition) and NodeExpandVolume. */
import { failedPrecondition, notFound, invalidArgument } from '../csi/errors.js';
import type { CallContext } from '../csi/handler.js';
import type {
  NodeExpandVolumeRequest__Output,
  NodeExpandVolumeResponse,
  NodeGetVolumeStatsRequest__Output,
  NodeGetVolumeStatsResponse,
} from '../csi/types.js';
import { isFsReadOnly, isReadOnly, topMountAt, type MountEntry } from '../node-ops/mount-table.js';
import { isSupportedFs } from '../node-ops/mkfs-options.js';
import type { DrbdResourceStatus } from '../node-ops/drbd-status.js';
import { type NodeServiceDeps, type NodeTuning } from './deps.js';
import { devicePath, VOLUME_NUMBER } from './device-path.js';
import { mapNodeError } from './node-errors.js';
import { volumeCondition } from './health.js';
import { validateVolumeId, validateVolumePath } from './validation.js';
import { confinePath } from './confine.js';

/**
 * volume_path (required) and staging_target_path (optional) confined beneath --kubelet-dir, as
 * the stage/publish handlers do, before anything is inspected, stat'ed or grown. A relative
 * volume_path stays NOT_FOUND (validateVolumePath); the resolved volume path is what is used.
 */
async function confineVolumePaths(deps: NodeServiceDeps, req: { volume_path?: string; staging_target_path?: string }): Promise<string> {
  const path = await confinePath(deps.ops.fs, deps.config.kubeletDir, 'volume_path', validateVolumePath(req.volume_path));
  if (req.staging_target_path) await confinePath(deps.ops.fs, deps.config.kubeletDir, 'staging_target_path', req.staging_target_path);
  return path;
}

/** What is at a volume path: a filesystem mount, a block bind, or nothing. */
type Found = { kind: 'fs'; mount: MountEntry } | { kind: 'block'; mount: MountEntry } | { kind: 'unmounted' };

async function inspect(deps: NodeServiceDeps, path: string, devNum: string | undefined, signal: AbortSignal): Promise<Found> {
  const kind = await deps.ops.fs.kind(path);
  if (kind === 'missing') throw notFound(`volume path ${path} does not exist on this node`);
  const mount = topMountAt(await deps.ops.mounter.list(signal), path);
  if (!mount) return { kind: 'unmounted' };
  if (kind === 'block-device' || (devNum !== undefined && (await deps.ops.fs.deviceNumber(path)) === devNum)) return { kind: 'block', mount };
  return { kind: 'fs', mount };
}

export function statsHandler(deps: NodeServiceDeps, _tuning: NodeTuning) {
  const { ops } = deps;
  return async (req: NodeGetVolumeStatsRequest__Output, ctx: CallContext): Promise<NodeGetVolumeStatsResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const path = await confineVolumePaths(deps, req);
    try {
      const device = devicePath(deps.config.devicePathTemplate, resource);
      const devNum = await ops.fs.deviceNumber(device).catch(() => undefined);
      const found = await inspect(deps, path, devNum, ctx.signal);
      let drbd: DrbdResourceStatus | undefined | null;
      let drbdError: string | undefined;
      try {
        drbd = await ops.drbd.status(resource, ctx.signal);
      } catch (e) {
        drbd = null;
        drbdError = (e as Error).message;
      }
      const deviceRead = devNum !== undefined ? await ops.probe.readTest(device) : { readable: false, error: `${device} is missing` };
      // The filesystem itself went read-only while DRBD is Primary here: we staged it read-write.
      const fsRoUnexpected = found.kind === 'fs' && isFsReadOnly(found.mount) && !!drbd && drbd.role === 'Primary';
      const condition = volumeCondition({
        volumePath: path,
        mounted: found.kind !== 'unmounted',
        fsReadOnlyUnexpectedly: fsRoUnexpected,
        device: deviceRead,
        drbd,
        drbdError,
        volume: VOLUME_NUMBER,
        ...(deps.config.nodeName !== undefined ? { node: deps.config.nodeName } : {}),
      });
      if (condition.abnormal) ctx.log.warn({ path, condition: condition.message }, 'volume condition abnormal');
      deps.metrics?.setVolumeCondition('node', resource, condition.reasons);
      const volume_condition = { abnormal: condition.abnormal, message: condition.message };
      if (found.kind === 'unmounted') return { usage: [], volume_condition };
      if (found.kind === 'block') {
        const size = await ops.blockdev.sizeBytes(device, ctx.signal);
        return { usage: [{ unit: 'BYTES', total: String(size) }], volume_condition };
      }
      const s = await ops.fs.statfs(path);
      return {
        usage: [
          { unit: 'BYTES', total: String(s.totalBytes), available: String(s.availableBytes), used: String(s.usedBytes) },
          { unit: 'INODES', total: String(s.totalInodes), available: String(s.freeInodes), used: String(s.usedInodes) },
        ],
        volume_condition,
      };
    } catch (e) {
      throw mapNodeError(e, `NodeGetVolumeStats ${resource}`) ?? e;
    }
  };
}

export function expandHandler(deps: NodeServiceDeps, _tuning: NodeTuning) {
  const { ops } = deps;
  return async (req: NodeExpandVolumeRequest__Output, ctx: CallContext): Promise<NodeExpandVolumeResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const path = await confineVolumePaths(deps, req);
    const required = Number(req.capacity_range?.required_bytes ?? '0');
    if (!Number.isSafeInteger(required) || required < 0) throw invalidArgument('capacity_range.required_bytes is not a valid byte count');
    return deps.inflight.run(resource, async () => {
      try {
        const device = devicePath(deps.config.devicePathTemplate, resource);
        const devNum = await ops.fs.deviceNumber(device);
        if (devNum === undefined) throw notFound(`volume ${resource} has no device on this node (${device})`);
        const found = await inspect(deps, path, devNum, ctx.signal);
        if (found.kind === 'unmounted') throw notFound(`nothing is mounted at volume path ${path}`);
        const devSize = await ops.blockdev.sizeBytes(device, ctx.signal);
        if (required > devSize) {
          throw failedPrecondition(`device ${device} is ${devSize} bytes, less than the requested ${required}; the controller expansion has not reached this node yet, retry later`);
        }
        if (found.kind === 'block') return { capacity_bytes: String(devSize) };
        const m = found.mount;
        if (m.majMin !== devNum) throw failedPrecondition(`volume path ${path} is not a mount of volume ${resource}`);
        if (!isSupportedFs(m.fstype)) throw failedPrecondition(`cannot grow a ${m.fstype} filesystem`);
        if (isReadOnly(m) && isFsReadOnly(m)) throw failedPrecondition(`volume ${resource} is mounted read-only; a read-only filesystem is not grown`);
        const before = await ops.resizer.fsSizeBytes(m.fstype, device, path, ctx.signal);
        if (devSize - before > 0) await ops.resizer.grow(m.fstype, device, path, ctx.signal);
        const after = await ops.resizer.fsSizeBytes(m.fstype, device, path, ctx.signal);
        ctx.log.info({ path, fromBytes: before, toBytes: after }, 'expanded filesystem');
        return { capacity_bytes: String(after) };
      } catch (e) {
        throw mapNodeError(e, `NodeExpandVolume ${resource}`) ?? e;
      }
    });
  };
}
