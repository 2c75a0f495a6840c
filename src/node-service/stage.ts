/** NodeStageVolume / NodeUnstageVolume: promote, probe, (maybe) format, mount; and back. */
import { join } from 'node:path';
import { alreadyExists, failedPrecondition, invalidArgument } from '../csi/errors.js';
import type { CallContext } from '../csi/handler.js';
import type { NodeStageVolumeRequest__Output, NodeStageVolumeResponse, NodeUnstageVolumeRequest__Output, NodeUnstageVolumeResponse } from '../csi/types.js';
import { deviceOf, hasUpToDateData, type DrbdResourceStatus } from '../node-ops/drbd-status.js';
import { isReadOnly, topMountAt, type MountEntry } from '../node-ops/mount-table.js';
import { FsOptsError, parseFsOpts, type FsType } from '../node-ops/mkfs-options.js';
import type { ProbeResult } from '../node-ops/device-probe.js';
import { decideFormat, type BlankDecision } from './blank.js';
import { confinePath } from './confine.js';
import type { NodeServiceDeps, NodeTuning } from './deps.js';
import { BLOCK_STAGE_FILE, devicePath, VOLUME_NUMBER } from './device-path.js';
import { waitForDevice } from './device-wait.js';
import { mapNodeError } from './node-errors.js';
import type { VolumeHistory } from './history.js';
import { parseCapability, stageMountOptions, validateVolumeId, type NodeCapability } from './validation.js';
import { CTX_FS_OPTS, CTX_POST_MOUNT_XFS_OPTS } from '../csi/volume-context.js';

type MountCap = Extract<NodeCapability, { access: 'mount' }>;

/** One NodeStageVolume call, validated: what every step below works on. */
interface Stage {
  resource: string;
  staging: string;
  cap: NodeCapability;
  ctxVol: Record<string, string>;
  ctx: CallContext;
}

const notConfigured = (deps: NodeServiceDeps, resource: string) =>
  failedPrecondition(`DRBD resource ${resource} is not configured on node ${deps.config.nodeName ?? '?'}; check the LINSTOR satellite`);

/**
 * Promotes for read-write access; read-only access never promotes. Returns the DRBD status the
 * blank check reads (disk states). For read-write the status is asked while promoting: promotion
 * changes the role only, and `drbdadm primary` on a Primary is a no-op. Errors keep their
 * precedence: a failed status, then "not configured here", then a refused or failed promotion.
 */
async function promote(deps: NodeServiceDeps, s: Stage): Promise<DrbdResourceStatus> {
  const { drbd } = deps.ops;
  if (s.cap.readOnly) {
    const st = await drbd.status(s.resource, s.ctx.signal);
    if (!st) throw notConfigured(deps, s.resource);
    return st;
  }
  const [st, promoted] = await Promise.allSettled([drbd.status(s.resource, s.ctx.signal), drbd.primary(s.resource, s.ctx.signal)]);
  if (st.status === 'rejected') throw st.reason;
  if (!st.value) throw notConfigured(deps, s.resource);
  if (promoted.status === 'rejected') throw promoted.reason;
  return { ...st.value, role: 'Primary' };
}

/**
 * What is mounted at the staging path already. 'done' when the volume is staged there exactly as
 * requested; ALREADY_EXISTS when something else (or the same volume another way) is.
 */
async function checkExisting(deps: NodeServiceDeps, s: Stage, device: string): Promise<{ done: boolean; devNum: string | undefined; markerMounted: boolean }> {
  const table = await deps.ops.mounter.list(s.ctx.signal);
  const existing = topMountAt(table, s.staging);
  const markerMounted = topMountAt(table, join(s.staging, BLOCK_STAGE_FILE)) !== undefined;
  const devNum = await deps.ops.fs.deviceNumber(device);
  if (existing && existing.majMin !== devNum) throw alreadyExists(`staging path ${s.staging} already holds another device's mount (${existing.source}), not volume ${s.resource}`);
  if (s.cap.access === 'block') {
    if (existing) throw alreadyExists(`staging path ${s.staging} already holds a ${existing.fstype} filesystem mount; volume ${s.resource} was requested as a block volume`);
    return { done: false, devNum, markerMounted };
  }
  if (existing) {
    checkSameMount(s, s.cap, existing);
    return { done: true, devNum, markerMounted };
  }
  if (markerMounted) throw alreadyExists(`staging path ${s.staging} already stages volume ${s.resource} as a block volume; a filesystem was requested`);
  return { done: false, devNum, markerMounted };
}

function checkSameMount(s: Stage, cap: MountCap, existing: MountEntry): void {
  if (existing.fstype !== cap.fsType) throw alreadyExists(`volume ${s.resource} is staged at ${s.staging} as ${existing.fstype}, but ${cap.fsType} was requested`);
  if (isReadOnly(existing) !== cap.readOnly) {
    throw alreadyExists(`volume ${s.resource} is staged at ${s.staging} ${isReadOnly(existing) ? 'read-only' : 'read-write'}; the request asks for ${cap.readOnly ? 'read-only' : 'read-write'}`);
  }
}

/** `devNum` and `markerMounted` as checkExisting read them (the mount table is read once per call). */
async function stageBlock(deps: NodeServiceDeps, s: Stage, device: string, devNum: string | undefined, markerMounted: boolean): Promise<void> {
  const { ops } = deps;
  const marker = join(s.staging, BLOCK_STAGE_FILE);
  if (markerMounted) {
    const bound = await ops.fs.deviceNumber(marker);
    if (bound === devNum) return;
    throw alreadyExists(`staging path ${s.staging} already stages another block device (${bound ?? 'unknown'}), not ${s.resource}`);
  }
  // Raw block access may write anything anywhere: from now on, no format may trust a zero head.
  if (!s.cap.readOnly) {
    const h = await deps.history.read(s.resource, s.ctx.signal);
    if (h.born !== undefined && !h.blockUsed) await deps.history.recordBlockUse(s.resource, s.ctx.signal);
  }
  await ops.fs.mkdirp(s.staging);
  await ops.fs.touch(marker);
  await ops.mounter.bind(device, marker, false, s.ctx.signal);
  s.ctx.log.info({ device, staging: s.staging }, 'staged block volume');
}

function userMkfsArgs(cap: MountCap, ctxVol: Record<string, string>): string[] {
  try {
    return parseFsOpts(cap.fsType, ctxVol[CTX_FS_OPTS] ?? '');
  } catch (e) {
    if (e instanceof FsOptsError) throw invalidArgument(`volume_context ${CTX_FS_OPTS}: ${e.message}`);
    throw e;
  }
}

/**
 * Probes the device and reads the volume's record (in parallel), then decides. The record is
 * needed only when no filesystem is found, so a LINSTOR outage does not stop a restage.
 */
async function decide(deps: NodeServiceDeps, s: Stage, cap: MountCap, device: string, drbd: DrbdResourceStatus): Promise<{ decision: BlankDecision; probe: ProbeResult; history?: VolumeHistory }> {
  const [probe, history] = await Promise.all([
    deps.ops.probe.probe(device, s.ctx.signal),
    deps.history.read(s.resource, s.ctx.signal).then((h) => h, (e: unknown) => e),
  ]);
  const dev = deviceOf(drbd, VOLUME_NUMBER);
  const input = {
    requestedFs: cap.fsType,
    read: probe.read,
    signature: probe.signature,
    drbd: { upToDate: hasUpToDateData(drbd, VOLUME_NUMBER), state: dev ? dev.diskState : 'unknown' },
    history: history instanceof Error ? { blockUsed: false } : (history as VolumeHistory),
    readOnly: cap.readOnly,
  };
  // Without a signature the record decides, and it could not be read: fail (UNAVAILABLE), never guess.
  if (history instanceof Error && probe.read.readable && probe.signature.kind === 'none') throw history;
  let decision = decideFormat(input);
  if (decision.action === 'deep-scan') {
    const deepScan = await deps.ops.probe.deepScan(device, probe.read.sizeBytes, s.ctx.signal);
    decision = decideFormat({ ...input, deepScan });
  }
  s.ctx.log.info({ device, signature: probe.signature, decision }, 'blank check');
  return history instanceof Error ? { decision, probe } : { decision, probe, history: history as VolumeHistory };
}

/** mkfs on a device the decision proved new. */
async function format(deps: NodeServiceDeps, s: Stage, cap: MountCap, device: string, sizeBytes: number): Promise<void> {
  const args = userMkfsArgs(cap, s.ctxVol);
  await deps.ops.formatter.format(device, cap.fsType, sizeBytes, args, s.ctx.signal);
  s.ctx.log.info({ device, fsType: cap.fsType, userArgs: args }, 'formatted blank device');
}

/** The record of a format just made: a volume formatted once is never formatted again, whatever happens to it. */
async function recordFormat(deps: NodeServiceDeps, s: Stage, cap: MountCap, device: string): Promise<void> {
  const made = await deps.ops.probe.signature(device, s.ctx.signal);
  const uuid = made.kind === 'filesystem' ? (made.uuid ?? '') : '';
  await deps.history.recordFormatted(s.resource, cap.fsType, uuid, s.ctx.signal);
  s.ctx.log.info({ resource: s.resource, fsType: cap.fsType, uuid }, 'recorded the format in LINSTOR');
}

/** A filesystem made by an earlier stage whose record write failed: record it now (best effort). */
async function recordExisting(deps: NodeServiceDeps, s: Stage, cap: MountCap, probe: ProbeResult, history: VolumeHistory | undefined): Promise<void> {
  if (!history || history.born !== 'empty' || history.formatted || probe.signature.kind !== 'filesystem') return;
  await deps.history.recordFormatted(s.resource, cap.fsType, probe.signature.uuid ?? '', s.ctx.signal).catch((e: unknown) => {
    s.ctx.log.warn({ err: (e as Error).message }, 'could not record the filesystem in LINSTOR; the next stage retries');
  });
}

/**
 * Mounts while the record is written (the LINSTOR round trip overlaps the mount). A stage whose
 * format could not be recorded fails and is unmounted again, so its retry records it.
 */
async function mountAndRecord(deps: NodeServiceDeps, s: Stage, cap: MountCap, device: string, record: Promise<void>): Promise<void> {
  await deps.ops.fs.mkdirp(s.staging);
  const [mounted, recorded] = await Promise.allSettled([deps.ops.mounter.mount(device, s.staging, cap.fsType, stageMountOptions(cap), s.ctx.signal), record]);
  if (mounted.status === 'rejected') throw mounted.reason;
  if (recorded.status === 'rejected') {
    await deps.ops.mounter.unmount(s.staging, { signal: s.ctx.signal }).catch(() => undefined);
    throw recorded.reason;
  }
}

async function stageFilesystem(deps: NodeServiceDeps, tuning: NodeTuning, s: Stage, cap: MountCap, device: string, drbd: DrbdResourceStatus): Promise<void> {
  userMkfsArgs(cap, s.ctxVol); // bad fs-opts are INVALID_ARGUMENT even when no format is due
  const { decision, probe, history } = await decide(deps, s, cap, device, drbd);
  deps.metrics?.stageOutcome(decision.action === 'format' ? 'formatted' : decision.action === 'refuse' ? 'refused' : 'mounted_existing');
  if (decision.action === 'refuse') throw failedPrecondition(`volume ${s.resource} on ${device}: ${decision.reason}`);
  if (decision.action === 'format') await format(deps, s, cap, device, probe.read.sizeBytes);
  const record = decision.action === 'format' ? recordFormat(deps, s, cap, device) : recordExisting(deps, s, cap, probe, history);
  record.catch(() => undefined); // handled in mountAndRecord; never an unhandled rejection meanwhile
  await mountAndRecord(deps, s, cap, device, record);
  // A filesystem made a moment ago already spans the device.
  if (!cap.readOnly && decision.action !== 'format') await growIfNeeded(deps, tuning, s, cap.fsType, device);
  const xfsOpts = s.ctxVol[CTX_POST_MOUNT_XFS_OPTS];
  if (cap.fsType === 'xfs' && xfsOpts && !cap.readOnly) await deps.ops.formatter.xfsIo(s.staging, xfsOpts, s.ctx.signal);
}

/** A failed grow does not fail the stage: the data is fine and NodeExpandVolume retries it. */
async function growIfNeeded(deps: NodeServiceDeps, tuning: NodeTuning, s: Stage, fs: FsType, device: string): Promise<void> {
  const { ops } = deps;
  try {
    const [devSize, fsSize] = await Promise.all([ops.blockdev.sizeBytes(device, s.ctx.signal), ops.resizer.fsSizeBytes(fs, device, s.staging, s.ctx.signal)]);
    if (devSize - fsSize <= tuning.growThresholdBytes) return;
    await ops.resizer.grow(fs, device, s.staging, s.ctx.signal);
    s.ctx.log.info({ device, fromBytes: fsSize, toBytes: devSize }, 'grew filesystem to the device size');
  } catch (e) {
    s.ctx.log.warn({ device, err: (e as Error).message }, 'could not grow the filesystem after mounting; NodeExpandVolume will retry');
  }
}

async function stageVolume(deps: NodeServiceDeps, tuning: NodeTuning, s: Stage): Promise<void> {
  const device = await waitForDevice(deps, tuning, s.resource, s.ctx.signal);
  // Already staged the same way: only the request is checked (no DRBD call, no probe).
  const { done, devNum, markerMounted } = await checkExisting(deps, s, device);
  if (done) return;
  const drbd = await promote(deps, s);
  // The kernel read-only flag backs read-only access (a read-only bind does not stop writes to a device node),
  // and is cleared again for read-write so mount cannot silently fall back to read-only.
  await deps.ops.blockdev.setReadOnly(device, s.cap.readOnly, s.ctx.signal);
  if (s.cap.access === 'block') await stageBlock(deps, s, device, devNum, markerMounted);
  else await stageFilesystem(deps, tuning, s, s.cap, device, drbd);
}

export function stageHandler(deps: NodeServiceDeps, tuning: NodeTuning) {
  return async (req: NodeStageVolumeRequest__Output, ctx: CallContext): Promise<NodeStageVolumeResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const ctxVol = req.volume_context ?? {};
    const cap = parseCapability(req.volume_capability, ctxVol);
    const staging = await confinePath(deps.ops.fs, deps.config.kubeletDir, 'staging_target_path', req.staging_target_path);
    return deps.inflight.run(resource, async () => {
      try {
        await stageVolume(deps, tuning, { resource, staging, cap, ctxVol, ctx });
        return {};
      } catch (e) {
        throw mapNodeError(e, `NodeStageVolume ${resource}`) ?? e;
      }
    });
  };
}

/** Demotes when Primary here. With nothing unmounted, nothing is to undo: DRBD tools that cannot run do not fail the call. */
async function demote(deps: NodeServiceDeps, resource: string, unmountedSomething: boolean, ctx: CallContext): Promise<void> {
  let st: DrbdResourceStatus | undefined;
  try {
    // No status: LINSTOR already removed the resource here, nothing to demote.
    st = await deps.ops.drbd.status(resource, ctx.signal);
  } catch (e) {
    if (unmountedSomething) throw e;
    ctx.log.info({ resource, err: (e as Error).message }, 'not staged here and DRBD cannot be asked; nothing to undo');
    return;
  }
  if (st?.role === 'Primary') {
    await deps.ops.drbd.secondary(resource, ctx.signal);
    ctx.log.info({ resource }, 'demoted to Secondary');
  }
}

async function unstageVolume(deps: NodeServiceDeps, tuning: NodeTuning, resource: string, staging: string, ctx: CallContext): Promise<void> {
  const { ops } = deps;
  const table = await ops.mounter.list(ctx.signal);
  const marker = join(staging, BLOCK_STAGE_FILE);
  const device = devicePath(deps.config.devicePathTemplate, resource);
  const users = await publishedElsewhere(deps, table, staging, device);
  // Refuse while publish targets still use the volume: demoting would fail, and they would lose their device.
  if (users.length > 0) throw failedPrecondition(`volume ${resource} is still published at ${users.join(', ')}; unpublish it first`);
  const unmountOpts = { busyRetries: tuning.unmountBusyRetries, retryDelayMs: tuning.unmountRetryDelayMs, signal: ctx.signal };
  const markerMounted = table.some((m) => m.target === marker);
  const stagingMounted = table.some((m) => m.target === staging);
  if (markerMounted) await ops.mounter.unmount(marker, unmountOpts);
  if ((await ops.fs.kind(marker)) === 'file') await ops.fs.removeTarget(marker);
  if (stagingMounted) await ops.mounter.unmount(staging, unmountOpts);
  await demote(deps, resource, markerMounted || stagingMounted, ctx);
  // Leave the device as we found it: a read-only stage set the kernel flag, which outlives us.
  if ((await ops.fs.kind(device)) === 'block-device') await ops.blockdev.setReadOnly(device, false, ctx.signal);
  ctx.log.info({ staging }, 'unstaged');
  deps.metrics?.forgetVolume('node', resource);
}

export function unstageHandler(deps: NodeServiceDeps, tuning: NodeTuning) {
  return async (req: NodeUnstageVolumeRequest__Output, ctx: CallContext): Promise<NodeUnstageVolumeResponse> => {
    const resource = validateVolumeId(req.volume_id);
    const staging = await confinePath(deps.ops.fs, deps.config.kubeletDir, 'staging_target_path', req.staging_target_path);
    return deps.inflight.run(resource, async () => {
      try {
        await unstageVolume(deps, tuning, resource, staging, ctx);
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
