/** Parsing `blkid -p -o export` and mapping its exit codes (pure, unit-tested). */

/** What the low-level probe found on a device. */
export type Signature =
  | { kind: 'none' }
  | { kind: 'filesystem'; type: string; uuid?: string }
  | { kind: 'partition-table'; pttype: string }
  /** A signature that is not a filesystem we mount: LVM PV, LUKS, RAID member, swap, ... */
  | { kind: 'other'; type: string; usage: string }
  /** blkid found more than one signature and would not choose (exit 8). */
  | { kind: 'ambivalent'; detail: string }
  /** blkid could not answer (bad usage, could not open the device). */
  | { kind: 'error'; exitCode: number | null; detail: string };

export function parseBlkidExport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * blkid -p exit codes: 0 something found, 2 nothing found (but also: nothing could be read,
 * which the caller rules out with its own read test), 4 usage or open error, 8 ambivalent.
 */
export function signatureFromBlkid(exitCode: number | null, stdout: string, stderr: string): Signature {
  if (exitCode === 2) return { kind: 'none' };
  if (exitCode === 8) return { kind: 'ambivalent', detail: stderr || 'several signatures' };
  if (exitCode !== 0) return { kind: 'error', exitCode, detail: stderr || `blkid exited with ${String(exitCode)}` };
  const kv = parseBlkidExport(stdout);
  if (kv.PTTYPE) return { kind: 'partition-table', pttype: kv.PTTYPE };
  const type = kv.TYPE;
  const usage = kv.USAGE ?? '';
  if (type && usage === 'filesystem') return kv.UUID ? { kind: 'filesystem', type, uuid: kv.UUID } : { kind: 'filesystem', type };
  if (type) return { kind: 'other', type, usage: usage || 'unknown' };
  // Exit 0 but no TYPE and no PTTYPE: something answered that we cannot name. Not blank.
  const keys = Object.keys(kv).filter((k) => k !== 'DEVNAME');
  if (keys.length === 0) return { kind: 'error', exitCode, detail: 'blkid reported success without any signature field' };
  return { kind: 'other', type: keys.map((k) => `${k}=${kv[k] ?? ''}`).join(' '), usage: usage || 'unknown' };
}

export function describeSignature(s: Signature): string {
  switch (s.kind) {
    case 'none':
      return 'no signature';
    case 'filesystem':
      return `a ${s.type} filesystem${s.uuid ? ` (UUID ${s.uuid})` : ''}`;
    case 'partition-table':
      return `a ${s.pttype} partition table`;
    case 'other':
      return `a ${s.type} signature (${s.usage})`;
    case 'ambivalent':
      return `several conflicting signatures (${s.detail})`;
    case 'error':
      return `an unreadable signature area (blkid: ${s.detail})`;
  }
}
