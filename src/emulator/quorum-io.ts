/**
 * What DRBD does to the I/O of a Primary that lost quorum, applied to the filesystems mounted on
 * the emulated device (the loop device cannot be intercepted: no device-mapper in this kernel):
 * `on-no-quorum suspend-io` → `fsfreeze -f` (every write blocks until quorum returns and the
 * freeze is undone), `io-error` → the filesystem shutdown ioctl (every I/O fails with EIO until
 * the filesystem is unmounted, as a real filesystem on DRBD needs a remount after I/O errors).
 * Raw block access is not covered. What was applied is recorded on the resource
 * (`drbd.quorumIo`), so it is undone exactly once: before the handshake may replace bytes, when
 * the resource goes away, and when the emulator stops.
 */
import { execa } from 'execa';
import { readFile, stat } from 'node:fs/promises';
import type { Core } from './core.js';
import { quorumIoMode } from './drbd.js';
import type { QuorumIoRec, RdRec, RscRec } from './state.js';

const TIMEOUT = 30_000;

/** `major:minor` of each of the resource's devices on its node (the by-res links). */
async function deviceIds(core: Core, rd: RdRec, rsc: RscRec): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const vd of rd.vds) {
    try {
      const st = await stat(core.sats.linkPath(rsc.node, rd.name, vd.nr));
      if (!st.isBlockDevice()) continue;
      const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
      const minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
      ids.add(`${major}:${minor}`);
    } catch {
      // no link (yet): nothing of this volume can be mounted
    }
  }
  return ids;
}

/** Undoes mountinfo's octal escapes (`\040` for a space). */
const unescape = (p: string): string => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mountpoints of the given devices (every bind mount of them too), from /proc/self/mountinfo. */
async function mountpoints(ids: Set<string>): Promise<string[]> {
  if (ids.size === 0) return [];
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f[2] && f[4] && ids.has(f[2])) out.push(unescape(f[4]));
  }
  return out;
}

async function apply(core: Core, rd: RdRec, rsc: RscRec, mode: QuorumIoRec['mode']): Promise<void> {
  const mounts = await mountpoints(await deviceIds(core, rd, rsc));
  const done: string[] = [];
  for (const mp of mounts) {
    const argv: [string, string[]] = mode === 'suspend-io' ? ['fsfreeze', ['-f', mp]] : ['xfs_io', ['-x', '-c', 'shutdown', mp]];
    const r = await execa(argv[0], argv[1], { timeout: TIMEOUT, reject: false });
    // Bind mounts of one filesystem: the first freeze covers them, the next answers EBUSY.
    if (r.exitCode === 0) done.push(mp);
    else core.log.warn({ rd: rd.name, node: rsc.node, mountpoint: mp, err: r.stderr.trim() }, `quorum lost: ${argv[0]} failed`);
  }
  rsc.drbd.quorumIo = { mode, mounts: done };
  core.log.warn({ rd: rd.name, node: rsc.node, mode, mounts: done }, 'quorum lost on a Primary: on-no-quorum applied to its mounted filesystems');
}

/** Undoes a record: thaws what was frozen (a shut-down filesystem stays so until unmounted). */
async function undo(core: Core, rd: RdRec, node: string, rec: QuorumIoRec): Promise<void> {
  if (rec.mode === 'suspend-io') {
    for (const mp of rec.mounts) {
      const r = await execa('fsfreeze', ['-u', mp], { timeout: TIMEOUT, reject: false });
      if (r.exitCode !== 0) core.log.warn({ rd: rd.name, node, mountpoint: mp, err: r.stderr.trim() }, 'fsfreeze -u failed');
    }
  }
  core.log.info({ rd: rd.name, node, mode: rec.mode, mounts: rec.mounts }, 'quorum I/O policy lifted');
}

/** Lifts the policy of every replica of `rd` that no longer needs it (quorum back, demoted, gone). */
export async function releaseQuorumIo(core: Core, rd: RdRec): Promise<void> {
  for (const rsc of rd.resources) {
    const rec = rsc.drbd.quorumIo;
    if (!rec || quorumIoMode(core.state, rd, rsc) === rec.mode) continue;
    delete rsc.drbd.quorumIo;
    await undo(core, rd, rsc.node, rec);
  }
}

/** Brings every replica's applied policy in line with the state (after each mutation). */
export async function syncQuorumIo(core: Core, before: Map<string, { rd: RdRec; node: string; rec: QuorumIoRec }>): Promise<void> {
  const live = new Set<string>();
  for (const rd of core.state.rds) {
    await releaseQuorumIo(core, rd);
    for (const rsc of rd.resources) {
      const mode = quorumIoMode(core.state, rd, rsc);
      if (mode && !rsc.drbd.quorumIo && !core.ioReleased) await apply(core, rd, rsc, mode);
      live.add(recKey(rd.uuid, rsc.node));
    }
  }
  // Resources (or RDs) deleted while frozen: thaw, or nothing could ever unmount them.
  for (const [key, x] of before) if (!live.has(key)) await undo(core, x.rd, x.node, x.rec);
}

const recKey = (rdUuid: string, node: string): string => `${rdUuid}/${node.toUpperCase()}`;

/** The records in force now (taken before a mutation, for syncQuorumIo). */
export function quorumIoRecords(core: Core): Map<string, { rd: RdRec; node: string; rec: QuorumIoRec }> {
  const out = new Map<string, { rd: RdRec; node: string; rec: QuorumIoRec }>();
  for (const rd of core.state.rds) {
    for (const rsc of rd.resources) if (rsc.drbd.quorumIo) out.set(recKey(rd.uuid, rsc.node), { rd, node: rsc.node, rec: rsc.drbd.quorumIo });
  }
  return out;
}

/** Thaws everything (emulator stop): a frozen filesystem would hang its unmount forever. */
export async function releaseAllQuorumIo(core: Core): Promise<void> {
  for (const rd of core.state.rds) {
    for (const rsc of rd.resources) {
      const rec = rsc.drbd.quorumIo;
      if (!rec) continue;
      delete rsc.drbd.quorumIo;
      await undo(core, rd, rsc.node, rec);
    }
  }
}
