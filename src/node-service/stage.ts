/** NodeStageVolume / NodeUnstageVolume: promote, probe, (maybe) format, mount; and back. */
import { join } from 'node:path';
import { alreadyExists, failedPrecondition } from '../csi/errors.js';
import type { CallContext } from '../csi/handler.js';
import type { NodeStageVolumeRequest__Output, NodeStageVolumeResponse, NodeUnstageVolumeRequest__Output, NodeUnstageVolumeResponse } from '../csi/types.js';
import { deviceOf, hasUpToDateData, type DrbdResourceStatus } from '../node-ops/drbd-status.js';
import { isReadOnly, topMountAt, type MountEntry } from '../node-ops/mount-table.js';
import { FsOptsError, parseFsOpts, type FsType } from '../node-ops/mkfs-options.js';
import { invalidArgument } from '../csi/errors.js';
import { decideFormat } from './blank.js';
import { type NodeServiceDeps, type NodeTuning } from './deps.js';
import { BLOCK_STAGE_FILE, devicePath, VOLUME_NUMBER } from './device-path.js';
import { waitForDevice } from './device-wait.js';
import { mapNodeError } from './node-errors.js';
import { parseCapability, stageMountOptions, validatePath, validateVolumeId, type NodeCapability } from './validation.js';
import { CTX_FS_OPTS, CTX_POST_MOUNT_XFS_OPTS } from '../csi/volume-context.js';

type MountCap = Extract<NodeCapability, { access: 'mount' }>;

export function stageHandler(deps: NodeServiceDeps, tuning: NodeTuning) {
  const { ops } = deps;

  /**
   * Promotes for read-write access; read-only access never promotes. Returns the DRBD status
   * the blank check reads (disk states). For read-write, the status is asked while promoting:
   * promotion changes the role only, and `drbdadm primary` on a Primary is a no-op, so one
   * round trip to DRBD is on the path instead of two. Errors keep their precedence: a failed
   * status, then "not configured here", then a refused or failed promotion.
   */
  const promote = async (resource: string, cap: NodeCapability, signal: AbortSignal): Promise<DrbdResourceStatus> => {
    const notConfigured = () => failedPrecondition(`DRBD resource ${resource} is not configured on node ${deps.config.nodeName ?? '?'}; check the LINSTOR satellite`);
    if (cap.readOnly) {
      const st = await ops.drbd.status(resource, signal);
      if (!st) throw notConfigured();
      return st;
    }
    const [st, promoted] = await Promise.allSettled([ops.drbd.status(resource, signal), ops.drbd.primary(resource, signal)]);
    if (st.status === 'rejected') throw st.reason;
    if (!st.value) throw notConfigured();
    if (promoted.status === 'rejected') throw promoted.reason;
    return { ...st.value, role: 'Primary' };
  };

  const stageBlock = async (resource: string, device: string, staging: string, existing: MountEntry | undefined, ctx: CallContext): Promise<void> => {
    if (existing) throw alreadyExists(`staging path ${staging} already holds a ${existing.fstype} filesystem mount; volume ${resource} was requested as a block volume`);
    const marker = join(staging, BLOCK_STAGE_FILE);
    const markerMount = await ops.mounter.at(marker, ctx.signal);
    const devNum = await ops.fs.deviceNumber(device);
    if (markerMount) {
      const bound = await ops.fs.deviceNumber(marker);
      if (bound === devNum) return;
      throw alreadyExists(`staging path ${staging} already stages another block device (${bound ?? 'unknown'}), not ${resource}`);
    }
    await ops.fs.mkdirp(staging);
    await ops.fs.touch(marker);
    await ops.mounter.bind(device, marker, false, ctx.signal);
    ctx.log.info({ device, staging }, 'staged block volume');
  };

  const stageMount = async (
    resource: string,
    device: string,
    staging: string,
    cap: MountCap,
    ctxVol: Record<string, string>,
    drbd: DrbdResourceStatus | undefined,
    existing: MountEntry | undefined,
    markerMounted: boolean,
    ctx: CallContext,
  ): Promise<void> => {
    const devNum = await ops.fs.deviceNumber(device);
    if (existing) {
      if (existing.majMin !== devNum) throw alreadyExists(`staging path ${staging} already holds another device's mount (${existing.source}), not volume ${resource}`);
      if (existing.fstype !== cap.fsType) throw alreadyExists(`volume ${resource} is staged at ${staging} as ${existing.fstype}, but ${cap.fsType} was requested`);
      if (isReadOnly(existing) !== cap.readOnly) {
        throw alreadyExists(`volume ${resource} is staged at ${staging} ${isReadOnly(existing) ? 'read-only' : 'read-write'}; the request asks for ${cap.readOnly ? 'read-only' : 'read-write'}`);
      }
      return;
    }
    if (markerMounted) {
      throw alreadyExists(`staging path ${staging} already stages volume ${resource} as a block volume; a filesystem was requested`);
    }
    let userArgs: string[];
    try {
      userArgs = parseFsOpts(cap.fsType, ctxVol[CTX_FS_OPTS] ?? '');
    } catch (e) {
      if (e instanceof FsOptsError) throw invalidArgument(`volume_context ${CTX_FS_OPTS}: ${e.message}`);
      throw e;
    }
    const probe = await ops.probe.probe(device, ctx.signal);
    const dev = drbd ? deviceOf(drbd, VOLUME_NUMBER) : undefined;
    const decision = decideFormat({
      requestedFs: cap.fsType,
      read: probe.read,
      signature: probe.signature,
      drbd: { upToDate: drbd ? hasUpToDateData(drbd, VOLUME_NUMBER) : false, state: dev ? dev.diskState : 'unknown' },
      readOnly: cap.readOnly,
    });
    ctx.log.info({ device, signature: probe.signature, decision }, 'blank check');
    if (decision.action === 'refuse') throw failedPrecondition(`volume ${resource} on ${device}: ${decision.reason}`);
    if (decision.action === 'format') {
      await ops.formatter.format(device, cap.fsType, probe.read.sizeBytes, userArgs, ctx.signal);
      ctx.log.info({ device, fsType: cap.fsType, userArgs }, 'formatted blank device');
    }
    await ops.fs.mkdirp(staging);
    await ops.mounter.mount(device, staging, cap.fsType, stageMountOptions(cap), ctx.signal);
    // A filesystem made a moment ago already spans the device.
    if (!cap.readOnly && decision.action !== 'format') await growIfNeeded(device, staging, cap.fsType, ctx);
    const xfsOpts = ctxVol[CTX_POST_MOUNT_XFS_OPTS];
    if (cap.fsType === 'xfs' && xfsOpts && !cap.readOnly) await ops.formatter.xfsIo(staging, xfsOpts, ctx.signal);
  };

  /** A failed grow does not fail the stage: the data is fine and NodeExpandVolume retries it. */
  const growIfNeeded = async (device: string, mountPoint: string, fs: FsType, ctx: CallContext): Promise<void> => {
    try {
      const [devSize, fsSize] = await Promise.all([ops.blockdev.sizeBytes(device, ctx.signal), ops.resizer.fsSizeBytes(fs, device, mountPoint, ctx.signal)]);
      if (devSize - fsSize <= tuning.growThresholdBytes) return;
      await ops.resizer.grow(fs, device, mountPoint, ctx.signal);
      ctx.log.info({ device, fromBytes: fsSize, toBytes: devSize }, 'grew filesystem to the device size');
    } catch (e) {
      ctx.log.warn({ device, err: (e as Error).message }, 'could not grow the filesystem after mounting; NodeExpandVolume will retry');
    }
  };

  return async (req: NodeStageVolumeRequest__Output, ctx: CallContext): Promise<NodeStageVolumeResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const staging = validatePath('staging_target_path', req.staging_target_path);
    const ctxVol = req.volume_context ?? {};
    const cap = parseCapability(req.volume_capability, ctxVol);
    return deps.inflight.run(resource, async () => {
      try {
        const device = await waitForDevice(deps, tuning, resource, ctx.signal);
        const table = await ops.mounter.list(ctx.signal);
        const existing = topMountAt(table, staging);
        const markerMounted = topMountAt(table, join(staging, BLOCK_STAGE_FILE)) !== undefined;
        if (cap.access === 'mount' && existing && existing.majMin === (await ops.fs.deviceNumber(device))) {
          // Already staged: only check the request matches (no DRBD call, no probe).
          await stageMount(resource, device, staging, cap, ctxVol, undefined, existing, markerMounted, ctx);
          return {};
        }
        if (existing && existing.majMin !== (await ops.fs.deviceNumber(device))) {
          throw alreadyExists(`staging path ${staging} already holds another device's mount (${existing.source}), not volume ${resource}`);
        }
        const drbd = await promote(resource, cap, ctx.signal);
        // The kernel read-only flag backs read-only access (a read-only bind does not stop writes to a device node),
        // and is cleared again for read-write so mount cannot silently fall back to read-only.
        await ops.blockdev.setReadOnly(device, cap.readOnly, ctx.signal);
        if (cap.access === 'block') await stageBlock(resource, device, staging, existing, ctx);
        else await stageMount(resource, device, staging, cap, ctxVol, drbd, existing, markerMounted, ctx);
        return {};
      } catch (e) {
        throw mapNodeError(e, `NodeStageVolume ${resource}`) ?? e;
      }
    });
  };
}

export function unstageHandler(deps: NodeServiceDeps, tuning: NodeTuning) {
  const { ops } = deps;
  return async (req: NodeUnstageVolumeRequest__Output, ctx: CallContext): Promise<NodeUnstageVolumeResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const staging = validatePath('staging_target_path', req.staging_target_path);
    return deps.inflight.run(resource, async () => {
      try {
        const table = await ops.mounter.list(ctx.signal);
        const marker = join(staging, BLOCK_STAGE_FILE);
        const device = devicePath(deps.config.devicePathTemplate, resource);
        const users = await publishedElsewhere(deps, table, staging, device);
        // Refuse while publish targets still use the volume: demoting would fail, and they would lose their device.
        if (users.length > 0) throw failedPrecondition(`volume ${resource} is still published at ${users.join(', ')}; unpublish it first`);
        const unmountOpts = { busyRetries: tuning.unmountBusyRetries, retryDelayMs: tuning.unmountRetryDelayMs, signal: ctx.signal };
        if (table.some((m) => m.target === marker)) await ops.mounter.unmount(marker, unmountOpts);
        if ((await ops.fs.kind(marker)) === 'file') await ops.fs.removeTarget(marker);
        if (table.some((m) => m.target === staging)) await ops.mounter.unmount(staging, unmountOpts);
        // No status: LINSTOR already removed the resource here, nothing to demote.
        const st = await ops.drbd.status(resource, ctx.signal);
        if (st?.role === 'Primary') {
          await ops.drbd.secondary(resource, ctx.signal);
          ctx.log.info({ resource }, 'demoted to Secondary');
        }
        // Leave the device as we found it: a read-only stage set the kernel flag, which outlives us.
        if ((await ops.fs.kind(device)) === 'block-device') await ops.blockdev.setReadOnly(device, false, ctx.signal);
        ctx.log.info({ staging }, 'unstaged');
        return {};
      } catch (e) {
        throw mapNodeError(e, `NodeUnstageVolume ${resource}`) ?? e;
      }
    });
  };
}

/**
 * Mount targets other than the staging path that still use the volume: binds of the staged
 * filesystem (same maj:min) or binds of the device node (same rdev behind the target).
 */
export async function publishedElsewhere(deps: NodeServiceDeps, table: readonly MountEntry[], staging: string, device: string): Promise<string[]> {
  const marker = join(staging, BLOCK_STAGE_FILE);
  const fsMajMin = table.find((m) => m.target === staging)?.majMin;
  const markerMajMin = table.find((m) => m.target === marker)?.majMin;
  const devNum = await deps.ops.fs.deviceNumber(device).catch(() => undefined);
  const out: string[] = [];
  for (const m of table) {
    if (m.target === staging || m.target === marker) continue;
    if (fsMajMin !== undefined && m.majMin === fsMajMin) out.push(m.target);
    else if (markerMajMin !== undefined && devNum !== undefined && m.majMin === markerMajMin) {
      if ((await deps.ops.fs.deviceNumber(m.target).catch(() => undefined)) === devNum) out.push(m.target);
    }
  }
  return out;
}
