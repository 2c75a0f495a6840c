/**
 * The emulator's persistent model: one JSON document holding the whole cluster.
 * Names keep their display case; lookups compare upper-cased keys, as LINSTOR does.
 */
import { randomUUID } from 'node:crypto';
import type { AutoSelectFilter } from '../linstor/types.js';

export type Props = Record<string, string>;
export type Role = 'Primary' | 'Secondary';
export type ConnState = 'Connected' | 'Connecting' | 'StandAlone' | 'Disconnecting' | 'NetworkFailure' | 'ProtocolError' | 'TearDown' | 'Unconnected' | 'Timeout' | 'BrokenPipe';

export interface NodeRec {
  name: string;
  uuid: string;
  props: Props;
  address: string;
  online: boolean;
}

export interface PoolRec {
  node: string;
  name: string;
  /** The provider (see providers.ts for what each can do); DISKLESS for the diskless pool. */
  kind: 'LVM_THIN' | 'LVM' | 'FILE_THIN' | 'FILE' | 'ZFS_THIN' | 'ZFS' | 'DISKLESS';
  /** FILE/FILE_THIN only: the backing filesystem supports reflinks, so snapshots work. */
  reflink?: boolean;
  uuid: string;
  props: Props;
  /** KiB; 0 for diskless pools (reported as Long.MAX). */
  totalKib: number;
}

/** The auto-placer's filter, as on the wire. */
export type SelectFilter = AutoSelectFilter;

export interface RgRec {
  name: string;
  uuid: string;
  description?: string;
  props: Props;
  selectFilter: SelectFilter;
  peerSlots?: number;
  /** Volume groups (POST /v1/resource-groups/{rg}/volume-groups). */
  vgs?: { nr: number; uuid: string; props: Props }[];
}

export interface VdRec {
  nr: number;
  uuid: string;
  sizeKib: number;
  props: Props;
  flags: string[];
  minor: number;
  /** Backing file, relative to the state dir; present while the volume has data. */
  file?: string;
  /** Set while the replicas hold diverging data (partition or split brain); see replication.ts. */
  split?: VolSplit;
}

/**
 * Diverged copies of one volume. Every online diskful node holding the volume maps to the copy
 * (backing file) its writes go to; `base` is the bytes at the moment the copies forked, so each
 * copy's changes (DRBD's out-of-sync blocks) can be counted.
 */
export interface VolSplit {
  /** Upper-case node name → backing file (relative), for every diskful node. */
  files: Record<string, string>;
  base: string;
  /** Copies that started a new data generation (had a Primary while cut off). */
  diverged: string[];
  /** Copies whose side was Primary at the moment of the fork (DRBD's "older primary"). */
  primaryAtFork: string[];
}

/** What a Primary without quorum had done to its mounts: frozen or shut down. */
export interface QuorumIoRec {
  mode: 'suspend-io' | 'io-error';
  mounts: string[];
}

/** Emulated DRBD state of one resource on one node. */
export interface DrbdRec {
  role: Role;
  /** Injected disk state per volume number (Outdated, Inconsistent, …). */
  diskOverride: Record<string, string>;
  /** Injected connection state towards a peer ('*' = every peer). */
  connOverride: Record<string, ConnState>;
  quorumLost: boolean;
  /** Set when the node returns from offline: the replica is Outdated until the emulated resync ends. */
  resyncUntil?: number;
  /** `connect --discard-my-data` was given: on the next handshake this node is the split-brain victim. */
  discardMyData?: boolean;
  /** The on-no-quorum policy applied to this node's mounted filesystems (quorum-io.ts). */
  quorumIo?: QuorumIoRec;
  /** Peers (upper-case) this node dropped after detecting a split brain, with the epoch ms. */
  splitBrain?: Record<string, number>;
}

export interface RscRec {
  node: string;
  uuid: string;
  props: Props;
  flags: string[];
  nodeId: number;
  createTs: number;
  drbd: DrbdRec;
}

export interface RdRec {
  name: string;
  uuid: string;
  externalName?: string;
  props: Props;
  flags: string[];
  layerStack: string[];
  rg: string;
  port: number;
  secret: string;
  peerSlots: number;
  vds: VdRec[];
  resources: RscRec[];
  /** Whether DrbdOptions/Resource/quorum was written by the emulator's auto-quorum. */
  quorumByLinstor: boolean;
}

export interface SnapVolRec {
  nr: number;
  sizeKib: number;
  /** Copy of the volume at snapshot time, relative to the state dir. */
  file: string;
  props: Props;
}

export interface SnapRec {
  name: string;
  rd: string;
  uuid: string;
  nodes: string[];
  flags: string[];
  props: Props;
  createTs: number;
  vols: SnapVolRec[];
  /** RD props at snapshot time. */
  rdProps: Props;
  /** Storage pool per node at snapshot time. */
  pools: Record<string, string>;
}

export interface EmuState {
  version: 1;
  controllerProps: Props;
  nodes: NodeRec[];
  pools: PoolRec[];
  rgs: RgRec[];
  rds: RdRec[];
  snapshots: SnapRec[];
  /** Key-value store instances (name → props). */
  kvs?: Record<string, Props>;
  /** Network partition of the nodes (control API): nodes in different groups cannot reach each other. */
  partition?: string[][];
}

export const DISKLESS_POOL = 'DfltDisklessStorPool';
export const DEFAULT_RG = 'DfltRscGrp';
export const MINOR_BASE = 1000;
export const PORT_BASE = 7000;

export function uuid(): string {
  return randomUUID();
}

export function same(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

export function findNode(s: EmuState, name: string): NodeRec | undefined {
  return s.nodes.find((n) => same(n.name, name));
}
export function findPool(s: EmuState, node: string, pool: string): PoolRec | undefined {
  return s.pools.find((p) => same(p.node, node) && same(p.name, pool));
}
export function findRg(s: EmuState, name: string): RgRec | undefined {
  return s.rgs.find((g) => same(g.name, name));
}
export function findRd(s: EmuState, name: string): RdRec | undefined {
  return s.rds.find((r) => same(r.name, name));
}
export function findRsc(rd: RdRec, node: string): RscRec | undefined {
  return rd.resources.find((r) => same(r.node, node));
}
export function findVd(rd: RdRec, nr: number): VdRec | undefined {
  return rd.vds.find((v) => v.nr === nr);
}
export function findSnap(s: EmuState, rd: string, snap: string): SnapRec | undefined {
  return s.snapshots.find((x) => same(x.rd, rd) && same(x.name, snap));
}

export function isDiskless(r: RscRec): boolean {
  return r.flags.includes('DISKLESS');
}
export function isTieBreaker(r: RscRec): boolean {
  return r.flags.includes('TIE_BREAKER');
}
export function diskful(rd: RdRec): RscRec[] {
  return rd.resources.filter((r) => !isDiskless(r));
}

/** The storage pool a resource's volumes live in. */
export function rscPool(r: RscRec): string {
  return isDiskless(r) ? (r.props['StorPoolName'] ?? DISKLESS_POOL) : (r.props['StorPoolName'] ?? 'DfltStorPool');
}

export function newDrbd(): DrbdRec {
  return { role: 'Secondary', diskOverride: {}, connOverride: {}, quorumLost: false };
}

/** Lowest free number >= base not in `used`. */
export function lowestFree(used: Iterable<number>, base: number): number {
  const set = new Set(used);
  let n = base;
  while (set.has(n)) n++;
  return n;
}

export function usedMinors(s: EmuState): number[] {
  return s.rds.flatMap((rd) => rd.vds.map((v) => v.minor));
}

export function emptyState(): EmuState {
  return { version: 1, controllerProps: {}, nodes: [], pools: [], rgs: [], rds: [], snapshots: [] };
}

/** Effective prop lookup for an RD: RD, then its resource group, then the controller. */
export function rdProp(s: EmuState, rd: RdRec, key: string): string | undefined {
  return rd.props[key] ?? findRg(s, rd.rg)?.props[key] ?? s.controllerProps[key];
}
