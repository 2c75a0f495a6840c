/**
 * Volume sizes: CSI bytes → LINSTOR KiB, with filesystem minimums.
 */
import { invalidArgument, outOfRange } from '../csi/errors.js';

export const KiB = 1024n;
export const MiB = 1024n * KiB;
export const GiB = 1024n * MiB;

/** The smallest volume per filesystem (ext4 below 2 MiB gets no journal; mkfs.xfs needs 300 MiB). */
export function minimumBytes(fsType: string | undefined): bigint {
  switch ((fsType ?? '').toLowerCase()) {
    case 'xfs':
      return 300n * MiB;
    case 'ext4':
      return 2n * MiB;
    default:
      return 4n * KiB;
  }
}

/** Reads a CSI int64 field (a decimal string with proto-loader's `longs: String`). */
export function parseBytes(field: string, v: string | number | undefined | null): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  const s = String(v).trim();
  if (!/^-?\d+$/.test(s)) throw invalidArgument(`${field} must be a whole number of bytes, got "${s}"`);
  const n = BigInt(s);
  if (n < 0n) throw invalidArgument(`${field} must not be negative, got ${s}`);
  return n;
}

export interface CapacityRangeInput {
  required_bytes?: string | number | null;
  limit_bytes?: string | number | null;
}

function fmt(b: bigint): string {
  if (b % GiB === 0n && b > 0n) return `${b / GiB} GiB`;
  if (b % MiB === 0n && b > 0n) return `${b / MiB} MiB`;
  if (b % KiB === 0n && b > 0n) return `${b / KiB} KiB`;
  return `${b} bytes`;
}

/**
 * The size in KiB for a capacity range: `required_bytes` rounded up to whole KiB and raised to
 * the filesystem minimum. No size fits below `limit_bytes` → OUT_OF_RANGE.
 */
export function allocationKiB(range: CapacityRangeInput | null | undefined, fsType: string | undefined): bigint {
  const required = parseBytes('capacity_range.required_bytes', range?.required_bytes);
  const limit = parseBytes('capacity_range.limit_bytes', range?.limit_bytes);
  if (limit > 0n && required > limit) {
    throw outOfRange(`capacity_range.required_bytes (${required}) is larger than limit_bytes (${limit})`);
  }
  const min = minimumBytes(fsType);
  const bytes = required > min ? required : min;
  const kib = (bytes + KiB - 1n) / KiB;
  if (limit > 0n && kib * KiB > limit) {
    const what = bytes === min && required < min ? `the ${fsType || 'volume'} minimum of ${fmt(min)}` : `${fmt(kib * KiB)} (whole KiB)`;
    throw outOfRange(`capacity_range.limit_bytes (${limit}) is below ${what}; raise the limit to at least ${kib * KiB} bytes`);
  }
  return kib;
}

/** Whether an existing volume of `kib` satisfies a capacity range (CreateVolume idempotency). */
export function sizeSatisfies(kib: bigint, range: CapacityRangeInput | null | undefined): boolean {
  const required = parseBytes('capacity_range.required_bytes', range?.required_bytes);
  const limit = parseBytes('capacity_range.limit_bytes', range?.limit_bytes);
  const bytes = kib * KiB;
  return bytes >= required && (limit === 0n || bytes <= limit);
}

export function kibToBytes(kib: number | bigint): string {
  return (BigInt(kib) * KiB).toString();
}
