/**
 * Storage pool provider kinds and what the real LINSTOR providers can do (measured against
 * LINSTOR 1.33 with FILE_THIN pools; LVM_THIN per the LINSTOR user guide): FILE_THIN cannot
 * clone, snapshots only on a reflink-capable filesystem (the pool still lists
 * supports_snapshots: true), and may shrink a volume definition; LVM_THIN refuses shrinking.
 */
import type { Core } from './core.js';
import { type PoolRec, type RdRec, findPool, isDiskless, rscPool } from './state.js';

export const PROVIDER_KINDS = ['LVM_THIN', 'LVM', 'FILE_THIN', 'FILE', 'ZFS_THIN', 'ZFS'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export function isProviderKind(s: string): s is ProviderKind {
  return (PROVIDER_KINDS as readonly string[]).includes(s);
}

const isFile = (k: string): boolean => k === 'FILE' || k === 'FILE_THIN';

export function canClone(p: PoolRec): boolean {
  return !isFile(p.kind);
}

export function canSnapshot(p: PoolRec): boolean {
  if (isFile(p.kind)) return p.reflink === true;
  return p.kind !== 'LVM';
}

export function canShrink(p: PoolRec): boolean {
  return isFile(p.kind);
}

/** The pools holding the diskful replicas of `rd`. */
export function rdPools(core: Core, rd: RdRec): PoolRec[] {
  return rd.resources
    .filter((r) => !isDiskless(r))
    .map((r) => findPool(core.state, r.node, rscPool(r)))
    .filter((p): p is PoolRec => p !== undefined);
}
