/** NodePublishVolume / NodeUnpublishVolume: bind mounts from the staging path (or of the device) onto the pod's target. */
import { dirname, join } from 'node:path';
import { alreadyExists, failedPrecondition } from '../csi/errors.js';
import type { CallContext } from '../csi/handler.js';
import type {
  NodePublishVolumeRequest__Output,
  NodePublishVolumeResponse,
  NodeUnpublishVolumeRequest__Output,
  NodeUnpublishVolumeResponse,
} from '../csi/types.js';
import { isReadOnly } from '../node-ops/mount-table.js';
import type { NodeServiceDeps, NodeTuning } from './deps.js';
import { BLOCK_STAGE_FILE, devicePath } from './device-path.js';
import { mapNodeError } from './node-errors.js';
import { confinePath } from './confine.js';
import { parseCapability, validateVolumeId } from './validation.js';

export function publishHandler(deps: NodeServiceDeps, _tuning: NodeTuning) {
  const { ops } = deps;
  return async (req: NodePublishVolumeRequest__Output, ctx: CallContext): Promise<NodePublishVolumeResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const cap = parseCapability(req.volume_capability, req.volume_context ?? {});
    const staging = await confinePath(ops.fs, deps.config.kubeletDir, 'staging_target_path', req.staging_target_path);
    const target = await confinePath(ops.fs, deps.config.kubeletDir, 'target_path', req.target_path);
    // A read-only publish of a read-write staged volume is a read-only bind; it never promotes anything.
    const readOnly = req.readonly || cap.readOnly;
    if (target === staging) throw failedPrecondition('target_path must differ from staging_target_path');
    return deps.inflight.run(resource, async () => {
      try {
        const table = await ops.mounter.list(ctx.signal);
        const top = (p: string) => table.filter((m) => m.target === p).at(-1);
        const existing = top(target);
        if (cap.access === 'mount') {
          const staged = top(staging);
          if (!staged) throw failedPrecondition(`volume ${resource} is not staged at ${staging}; call NodeStageVolume first`);
          if (staged.fstype !== cap.fsType && req.volume_capability?.mount?.fs_type) {
            throw failedPrecondition(`volume ${resource} is staged as ${staged.fstype}, but the request asks for ${cap.fsType}`);
          }
          if (existing) {
            if (existing.majMin !== staged.majMin) throw alreadyExists(`target ${target} already holds another mount (${existing.source})`);
            if (isReadOnly(existing) !== readOnly) {
              throw alreadyExists(`volume ${resource} is already published at ${target} ${isReadOnly(existing) ? 'read-only' : 'read-write'}; the request asks for ${readOnly ? 'read-only' : 'read-write'}`);
            }
            return {};
          }
          const others = table.filter((m) => m.majMin === staged.majMin && m.target !== staging && m.target !== target);
          requireSingleWriterFree(resource, cap.mode, others.map((m) => m.target));
          const kind = await ops.fs.kind(target);
          if (kind !== 'missing' && kind !== 'directory') throw alreadyExists(`target ${target} exists and is not a directory`);
          await ops.fs.mkdirp(target);
          await ops.mounter.bind(staging, target, readOnly, ctx.signal);
        } else {
          const marker = join(staging, BLOCK_STAGE_FILE);
          const stagedBind = top(marker);
          if (!stagedBind) throw failedPrecondition(`block volume ${resource} is not staged at ${staging}; call NodeStageVolume first`);
          const device = devicePath(deps.config.devicePathTemplate, resource);
          const devNum = await ops.fs.deviceNumber(device);
          if (devNum === undefined) throw failedPrecondition(`device ${device} of volume ${resource} is gone although it is staged; unstage and stage it again`);
          if (existing) {
            const bound = await ops.fs.deviceNumber(target);
            if (bound !== devNum) throw alreadyExists(`target ${target} already holds another mount (${existing.source})`);
            if (isReadOnly(existing) !== readOnly) {
              throw alreadyExists(`volume ${resource} is already published at ${target} ${isReadOnly(existing) ? 'read-only' : 'read-write'}; the request asks for ${readOnly ? 'read-only' : 'read-write'}`);
            }
            return {};
          }
          // Binds of one device node share the source the kernel reports (e.g. "udev[/loop3]").
          const others = table.filter((m) => m.source === stagedBind.source && m.target !== marker && m.target !== target);
          requireSingleWriterFree(resource, cap.mode, others.map((m) => m.target));
          // A read-only bind of a device node does not stop writes through it (the kernel checks
          // mount flags for files, not for device nodes); only the device's own read-only flag,
          // set at stage for read-only modes, does. Refuse rather than hand out a writable "read-only" device.
          if (readOnly && !(await ops.blockdev.isReadOnly(device, ctx.signal))) {
            throw failedPrecondition(
              `block volume ${resource} is staged read-write on this node, and a read-only publish of a block device cannot stop writes; ` +
                'use a read-only access mode (e.g. ReadOnlyMany) so the whole node stages it read-only, or publish it read-write',
            );
          }
          const kind = await ops.fs.kind(target);
          if (kind !== 'missing' && kind !== 'file') throw alreadyExists(`target ${target} exists and is not a file`);
          await ops.fs.mkdirp(dirname(target));
          await ops.fs.touch(target);
          await ops.mounter.bind(device, target, readOnly, ctx.signal);
        }
        ctx.log.info({ target, readOnly }, 'published');
        return {};
      } catch (e) {
        throw mapNodeError(e, `NodePublishVolume ${resource}`) ?? e;
      }
    });
  };
}

/** SINGLE_NODE_SINGLE_WRITER allows one publish at a time: another target holding the volume is FAILED_PRECONDITION. */
function requireSingleWriterFree(resource: string, mode: string, otherTargets: readonly string[]): void {
  if (mode !== 'SINGLE_NODE_SINGLE_WRITER' || otherTargets.length === 0) return;
  throw failedPrecondition(
    `volume ${resource} has access mode SINGLE_NODE_SINGLE_WRITER and is already published at ${otherTargets[0]}; unpublish it there first`,
  );
}

export function unpublishHandler(deps: NodeServiceDeps, tuning: NodeTuning) {
  const { ops } = deps;
  return async (req: NodeUnpublishVolumeRequest__Output, ctx: CallContext): Promise<NodeUnpublishVolumeResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const target = await confinePath(ops.fs, deps.config.kubeletDir, 'target_path', req.target_path);
    return deps.inflight.run(resource, async () => {
      try {
        await ops.mounter.unmount(target, { busyRetries: tuning.unmountBusyRetries, retryDelayMs: tuning.unmountRetryDelayMs, signal: ctx.signal });
        await ops.fs.removeTarget(target);
        ctx.log.info({ target }, 'unpublished');
        return {};
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY') {
          throw failedPrecondition(`target ${target} is not mounted but still holds files; not deleting them`);
        }
        throw mapNodeError(e, `NodeUnpublishVolume ${resource}`) ?? e;
      }
    });
  };
}
