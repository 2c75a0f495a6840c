/**
 * The decision that guards users' data: may this device be formatted? (pure, heavily unit-tested)
 * Format only when the device is provably blank: readable, no signature of any kind, the
 * first 4 KiB zero, and the DRBD data UpToDate. Anything else is a refusal with what was
 * found, or "already has the requested filesystem". Never format on doubt.
 */
import { describeSignature, type Signature } from '../node-ops/blkid.js';
import type { FsType } from '../node-ops/mkfs-options.js';

export interface BlankInput {
  requestedFs: FsType;
  read: { readable: boolean; error?: string; headZero: boolean };
  signature: Signature;
  /** The DRBD view of the data: `upToDate` is false while syncing, outdated, failed, or unknown. */
  drbd: { upToDate: boolean; state: string };
  /** A read-only request never writes, so it never formats. */
  readOnly: boolean;
}

export type BlankDecision =
  | { action: 'format' }
  | { action: 'already-has'; fsType: FsType }
  | { action: 'refuse'; reason: string };

export function decideFormat(i: BlankInput): BlankDecision {
  if (!i.read.readable) {
    return { action: 'refuse', reason: `the device cannot be read (${i.read.error ?? 'unknown error'}), so it cannot be proven blank; not formatting` };
  }
  const sig = i.signature;
  switch (sig.kind) {
    case 'filesystem':
      if (sig.type === i.requestedFs) return { action: 'already-has', fsType: i.requestedFs };
      return {
        action: 'refuse',
        reason: `the device holds ${describeSignature(sig)} but ${i.requestedFs} was requested; not formatting (use a volume with the matching fs type, or wipe it yourself if the data is unwanted)`,
      };
    case 'partition-table':
    case 'other':
    case 'ambivalent':
    case 'error':
      return { action: 'refuse', reason: `the device holds ${describeSignature(sig)}; not formatting (wipe it yourself if the data is unwanted)` };
    case 'none':
      break;
  }
  if (!i.drbd.upToDate) {
    return { action: 'refuse', reason: `no signature found, but the DRBD data is not UpToDate (${i.drbd.state}), so blank cannot be proven; retry once DRBD has synced` };
  }
  if (!i.read.headZero) {
    return { action: 'refuse', reason: 'no known signature, but the first 4 KiB are not zero (unrecognised data); not formatting (wipe it yourself if the data is unwanted)' };
  }
  if (i.readOnly) {
    return { action: 'refuse', reason: 'the device is blank and the request is read-only: there is no filesystem to mount; stage it read-write once first' };
  }
  return { action: 'format' };
}
