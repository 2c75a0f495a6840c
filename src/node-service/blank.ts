/**
 * The decision that guards users' data: may this device be formatted? (pure, heavily unit-tested)
 * Format only with proof that the volume is new: the driver's record says it was born empty and
 * has never been formatted nor used as a raw block device, and the device itself shows nothing —
 * no signature blkid or wipefs know, no backup superblock, the first and last MiB zero — and its
 * DRBD data is UpToDate. Anything else is a refusal that says what was found, or "mount the
 * filesystem that is there". Never format on doubt.
 */
import { describeSignature, type Signature } from '../node-ops/blkid.js';
import type { FsType } from '../node-ops/mkfs-options.js';
import type { VolumeHistory } from './history.js';

export interface BlankInput {
  requestedFs: FsType;
  read: { readable: boolean; error?: string; headZero: boolean; tailZero: boolean };
  signature: Signature;
  /** Findings of the deep scan (wipefs, backup superblocks); undefined when it was not run. */
  deepScan?: readonly string[];
  /** The DRBD view of the data: `upToDate` is false while syncing, outdated, failed, or unknown. */
  drbd: { upToDate: boolean; state: string };
  history: VolumeHistory;
  /** A read-only request never writes, so it never formats. */
  readOnly: boolean;
}

export type BlankDecision =
  | { action: 'format' }
  | { action: 'already-has'; fsType: FsType }
  /** Nothing found, and the record allows a format: run the deep scan, then decide again. */
  | { action: 'deep-scan' }
  | { action: 'refuse'; reason: string };

const WIPE_HINT = 'wipe it yourself if the data is unwanted';

function fromSignature(i: BlankInput): BlankDecision | undefined {
  const sig = i.signature;
  switch (sig.kind) {
    case 'filesystem':
      if (sig.type === i.requestedFs) return { action: 'already-has', fsType: i.requestedFs };
      return {
        action: 'refuse',
        reason: `the device holds ${describeSignature(sig)} but ${i.requestedFs} was requested; not formatting (use a volume with the matching fs type, or ${WIPE_HINT})`,
      };
    case 'partition-table':
    case 'other':
    case 'ambivalent':
    case 'error':
      return { action: 'refuse', reason: `the device holds ${describeSignature(sig)}; not formatting (${WIPE_HINT})` };
    case 'none':
      return undefined;
  }
}

/** With no signature found: what the driver's record allows. */
function fromHistory(i: BlankInput): BlankDecision | undefined {
  const h = i.history;
  if (h.formatted) {
    return {
      action: 'refuse',
      reason:
        `the driver formatted this volume as ${h.formatted.fsType} (UUID ${h.formatted.uuid || 'unknown'}), but no filesystem is found on it now: ` +
        'the data may be damaged; not formatting again. Inspect it read-only (blkid -p, wipefs --no-act, ' +
        `${h.formatted.fsType === 'xfs' ? 'xfs_repair -n' : 'e2fsck -n, or e2fsck -n -b BACKUP for a lost primary superblock'}) before you repair or restore it`,
    };
  }
  if (h.born === undefined) {
    return { action: 'refuse', reason: 'no filesystem found, and LINSTOR holds no record that this driver created the volume empty; not formatting (format it yourself if it is meant to be blank)' };
  }
  if (h.born !== 'empty') {
    return { action: 'refuse', reason: `no filesystem found, but the volume was created from a ${h.born === 'clone' ? 'clone of another volume' : 'snapshot'}, so it holds data; not formatting` };
  }
  if (h.blockUsed) {
    return { action: 'refuse', reason: `no filesystem found, but the volume was used as a raw block device, so it may hold data; not formatting (${WIPE_HINT})` };
  }
  return undefined;
}

/** With the record allowing it: what the device's contents allow. */
function fromContents(i: BlankInput, deep: readonly string[]): BlankDecision | undefined {
  if (deep.length > 0) return { action: 'refuse', reason: `no primary signature, but the device holds ${deep.join('; ')}; not formatting (${WIPE_HINT})` };
  if (!i.drbd.upToDate) {
    return { action: 'refuse', reason: `no signature found, but the DRBD data is not UpToDate (${i.drbd.state}), so blank cannot be proven; retry once DRBD has synced` };
  }
  if (!i.read.headZero || !i.read.tailZero) {
    const where = !i.read.headZero ? 'first' : 'last';
    return { action: 'refuse', reason: `no known signature, but the ${where} MiB is not zero (unrecognised data); not formatting (${WIPE_HINT})` };
  }
  return undefined;
}

export function decideFormat(i: BlankInput): BlankDecision {
  if (!i.read.readable) {
    return { action: 'refuse', reason: `the device cannot be read (${i.read.error ?? 'unknown error'}), so it cannot be proven blank; not formatting` };
  }
  const bySig = fromSignature(i);
  if (bySig) return bySig;
  const byHistory = fromHistory(i);
  if (byHistory) return byHistory;
  if (i.deepScan === undefined) return { action: 'deep-scan' };
  const byContents = fromContents(i, i.deepScan);
  if (byContents) return byContents;
  if (i.readOnly) {
    return { action: 'refuse', reason: 'the device is blank and the request is read-only: there is no filesystem to mount; stage it read-write once first' };
  }
  return { action: 'format' };
}
