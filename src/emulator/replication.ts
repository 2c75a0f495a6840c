/**
 * Emulated DRBD replication with real bytes: while diskful replicas are connected they share one
 * backing file (what one writes the others read); when the network (control-API partition) or a
 * StandAlone connection cuts them apart, the cut-off side gets its own sparse copy, so each
 * side's writes stay on its side. When they meet again, DRBD's handshake decides: one side
 * started a new data generation → resync from it; both did → split brain, settled by the
 * resource's after-sb-* policy or left StandAlone (both sides keep their bytes).
 *
 * Decisions follow DRBD 9's drbd_asb_recover_{0,1,2}p; the one emulated detail is the tie-break
 * DRBD makes by which end won the connection race (RESOLVE_CONFLICTS): here the side holding the
 * highest node-id is discarded.
 */
import { open, rm } from 'node:fs/promises';
import type { Core } from './core.js';
import { connected, nodeOnline } from './drbd.js';
import { releaseQuorumIo } from './quorum-io.js';
import { type EmuState, type RdRec, type RscRec, type VdRec, diskful, isDiskless, rdProp } from './state.js';

/** The backing file a node's writes go to (its own copy while diverged). */
export function nodeFile(vd: VdRec, node: string): string | undefined {
  return vd.split?.files[node.toUpperCase()] ?? vd.file;
}

/** Every backing file of a volume, the fork base included (for removal). */
export function allFiles(vd: VdRec): string[] {
  const s = new Set<string>();
  if (vd.file) s.add(vd.file);
  if (vd.split) {
    for (const f of Object.values(vd.split.files)) s.add(f);
    s.add(vd.split.base);
  }
  return [...s];
}

/** The file a resource's device shows: its own copy, or (diskless) a connected diskful peer's. */
export function linkFile(s: EmuState, rd: RdRec, vd: VdRec, rsc: RscRec): string | undefined {
  if (!isDiskless(rsc)) return nodeFile(vd, rsc.node);
  const peer = diskful(rd).find((p) => connected(s, rsc, p));
  return peer ? nodeFile(vd, peer.node) : vd.file;
}

type Side = RscRec[];
/** Victim side index (0 or 1), or undefined: split brain stays (disconnect). */
type Verdict = 0 | 1 | undefined;

function components(s: EmuState, nodes: RscRec[]): RscRec[][] {
  const out: RscRec[][] = [];
  const seen = new Set<RscRec>();
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const comp: RscRec[] = [];
    const todo = [start];
    seen.add(start);
    while (todo.length) {
      const r = todo.pop() as RscRec;
      comp.push(r);
      for (const p of nodes) {
        if (!seen.has(p) && connected(s, r, p)) {
          seen.add(p);
          todo.push(p);
        }
      }
    }
    out.push(comp);
  }
  return out;
}

const hasPrimary = (side: Side): boolean => side.some((r) => r.drbd.role === 'Primary');
const maxNodeId = (side: Side): number => Math.max(...side.map((r) => r.nodeId));

/** Counts the 4 KiB blocks (DRBD's bitmap granularity) where `file` differs from `base`. */
async function changedBlocks(core: Core, file: string, base: string): Promise<number> {
  const BLOCK = 4096;
  const CHUNK = 1024 * 1024;
  const a = await open(core.sats.abs(file), 'r');
  const b = await open(core.sats.abs(base), 'r');
  try {
    const ba = Buffer.alloc(CHUNK);
    const bb = Buffer.alloc(CHUNK);
    let pos = 0;
    let n = 0;
    for (;;) {
      const [ra, rb] = await Promise.all([a.read(ba, 0, CHUNK, pos), b.read(bb, 0, CHUNK, pos)]);
      const len = Math.max(ra.bytesRead, rb.bytesRead);
      if (len === 0) return n;
      if (ra.bytesRead < len) ba.fill(0, ra.bytesRead, len);
      if (rb.bytesRead < len) bb.fill(0, rb.bytesRead, len);
      for (let o = 0; o < len; o += BLOCK) if (ba.compare(bb, o, Math.min(o + BLOCK, len), o, Math.min(o + BLOCK, len)) !== 0) n++;
      pos += len;
    }
  } finally {
    await a.close();
    await b.close();
  }
}

interface Handshake {
  sides: [Side, Side];
  changes: [number, number];
  /** Whether each side was Primary when the copies forked (DRBD's "older primary"). */
  primaryAtFork: [boolean, boolean];
}

const tieBreak = (h: Handshake): Verdict => (maxNodeId(h.sides[0]) > maxNodeId(h.sides[1]) ? 0 : 1);

/** after-sb-0pri, as drbd_asb_recover_0p (victim = the side whose changes are discarded). */
export function recover0p(policy: string, h: Handshake): Verdict {
  const [c0, c1] = h.changes;
  const [p0, p1] = h.primaryAtFork;
  switch (policy) {
    case 'discard-younger-primary':
    case 'discard-older-primary':
      if (p0 !== p1) {
        const younger: 0 | 1 = p0 ? 1 : 0;
        return policy === 'discard-younger-primary' ? younger : younger === 0 ? 1 : 0;
      }
      return leastChanges(h);
    case 'discard-zero-changes':
      if (c0 === 0 && c1 === 0) return tieBreak(h);
      if (c0 === 0) return 0;
      if (c1 === 0) return 1;
      return undefined;
    case 'discard-least-changes':
      return leastChanges(h);
    default:
      // disconnect; discard-local/-remote set on the whole resource make both ends claim the
      // same role, which DRBD cannot agree on either.
      return undefined;
  }
}

function leastChanges(h: Handshake): Verdict {
  const [c0, c1] = h.changes;
  if (c0 === 0 && c1 !== 0) return 0;
  if (c1 === 0 && c0 !== 0) return 1;
  if (c0 < c1) return 0;
  if (c1 < c0) return 1;
  return tieBreak(h);
}

export interface AfterSbPolicies {
  p0: string;
  p1: string;
  p2: string;
}

/** The after-sb policy for the number of Primaries now (drbd_asb_recover_1p/2p). */
export function decideSplitBrain(pol: AfterSbPolicies, h: Handshake): { victim: Verdict; demote: boolean } {
  const prim: [boolean, boolean] = [hasPrimary(h.sides[0]), hasPrimary(h.sides[1])];
  const count = Number(prim[0]) + Number(prim[1]);
  const as0p = recover0p(pol.p0, h);
  if (count === 0) return { victim: as0p, demote: false };
  if (count === 1) {
    const secondary: 0 | 1 = prim[0] ? 1 : 0;
    switch (pol.p1) {
      case 'discard-secondary':
        return { victim: secondary, demote: false };
      case 'consensus':
        return { victim: as0p === secondary ? as0p : undefined, demote: false };
      case 'violently-as0p':
        return { victim: as0p, demote: false };
      case 'call-pri-lost-after-sb':
        return { victim: as0p, demote: as0p !== undefined && as0p !== secondary };
      default:
        return { victim: undefined, demote: false };
    }
  }
  switch (pol.p2) {
    case 'violently-as0p':
      return { victim: as0p, demote: false };
    case 'call-pri-lost-after-sb':
      return { victim: as0p, demote: as0p !== undefined };
    default:
      return { victim: undefined, demote: false };
  }
}

export function afterSbPolicies(s: EmuState, rd: RdRec): AfterSbPolicies {
  const get = (k: string): string => (rdProp(s, rd, `DrbdOptions/Net/${k}`) ?? 'disconnect').toLowerCase();
  return { p0: get('after-sb-0pri'), p1: get('after-sb-1pri'), p2: get('after-sb-2pri') };
}

/** Brings every RD's copies in line with who can reach whom. */
export async function reconcileAll(core: Core): Promise<void> {
  for (const rd of core.state.rds) await reconcile(core, rd);
}

/**
 * Forks, handshakes and collapses the copies of one RD; re-links its devices when a copy changed
 * (or always with `relink`, e.g. for a node that came back online).
 */
export async function reconcile(core: Core, rd: RdRec, relink = false): Promise<void> {
  // A Primary whose quorum is back is thawed before the handshake may replace its bytes.
  await releaseQuorumIo(core, rd);
  const first = rd.vds[0];
  if (rd.flags.includes('CLONING') || !first?.file) {
    if (relink) await core.deployRd(rd);
    return;
  }
  const s = core.state;
  const before = JSON.stringify(rd.vds.map((v) => [v.file, v.split?.files]));
  for (let round = 0; round < 8; round++) {
    markDiverged(rd);
    const live = diskful(rd).filter((r) => nodeOnline(s, r.node));
    const comps = components(s, live);
    const merge = comps.find((c) => new Set(c.map((r) => nodeFile(first, r.node))).size > 1);
    if (merge) {
      await handshake(core, rd, merge);
      continue;
    }
    const forked = await fork(core, rd, comps);
    if (!forked) break;
  }
  markDiverged(rd);
  await collapse(core, rd);
  const moved = JSON.stringify(rd.vds.map((v) => [v.file, v.split?.files])) !== before;
  // A diskless node follows a connected diskful peer: connection changes may move it too.
  if (relink || moved || rd.vds.some((v) => v.split)) await core.deployRd(rd);
}

/** A copy with a Primary on it starts a new data generation (DRBD's new current UUID). */
function markDiverged(rd: RdRec): void {
  for (const vd of rd.vds) {
    const sp = vd.split;
    if (!sp) continue;
    for (const r of rd.resources) {
      const f = sp.files[r.node.toUpperCase()];
      if (f && r.drbd.role === 'Primary' && !sp.diverged.includes(f)) sp.diverged.push(f);
    }
  }
}

/** Gives every component but the keeper (a Primary's, else the largest) its own copy. */
async function fork(core: Core, rd: RdRec, comps: RscRec[][]): Promise<boolean> {
  const first = rd.vds[0] as VdRec;
  const byFile = new Map<string, RscRec[][]>();
  for (const c of comps) {
    const f = nodeFile(first, c[0]?.node ?? '') ?? '';
    byFile.set(f, [...(byFile.get(f) ?? []), c]);
  }
  const spread = [...byFile.values()].find((cs) => cs.length > 1);
  if (!spread) return false;
  const ordered = spread.slice().sort((a, b) => Number(hasPrimary(b)) - Number(hasPrimary(a)) || b.length - a.length || Math.min(...a.map((r) => r.nodeId)) - Math.min(...b.map((r) => r.nodeId)));
  for (const vd of rd.vds) {
    const src = nodeFile(vd, ordered[0]?.[0]?.node ?? '');
    if (!src) continue;
    await flushAll(core, vd);
    if (!vd.split) {
      const base = `volumes/${rd.uuid}/${vd.nr}.base.img`;
      await core.sats.copySparse(src, base);
      const files: Record<string, string> = {};
      for (const r of diskful(rd)) files[r.node.toUpperCase()] = nodeFile(vd, r.node) ?? src;
      vd.split = { files, base, diverged: [], primaryAtFork: [] };
    }
    const sp = vd.split;
    for (const r of ordered[0] ?? []) if (r.drbd.role === 'Primary' && !sp.primaryAtFork.includes(src)) sp.primaryAtFork.push(src);
    for (const comp of ordered.slice(1)) {
      const copy = `volumes/${rd.uuid}/${vd.nr}.${comp[0]?.node.toLowerCase() ?? 'x'}.${core.now().toString(36)}.img`;
      await core.sats.copySparse(src, copy);
      for (const r of comp) sp.files[r.node.toUpperCase()] = copy;
      if (hasPrimary(comp)) sp.primaryAtFork.push(copy);
    }
  }
  core.log.info({ rd: rd.name, sides: ordered.map((c) => c.map((r) => r.node)) }, 'replicas cut apart: each side writes to its own copy');
  return true;
}

async function flushAll(core: Core, vd: VdRec): Promise<void> {
  for (const f of allFiles(vd)) await core.sats.flush(f);
}

/** DRBD's handshake between the first two copies met in a component. */
async function handshake(core: Core, rd: RdRec, comp: RscRec[]): Promise<void> {
  const first = rd.vds[0] as VdRec;
  const files = [...new Set(comp.map((r) => nodeFile(first, r.node)))];
  const sides: [Side, Side] = [comp.filter((r) => nodeFile(first, r.node) === files[0]), comp.filter((r) => nodeFile(first, r.node) === files[1])];
  const sp = first.split;
  const div = sides.map((side) => (sp ? sp.diverged.includes(nodeFile(first, side[0]?.node ?? '') ?? '') : false));
  let victim: Verdict;
  let demote = false;
  let splitBrain = false;
  if (!div[0] || !div[1]) {
    // At most one side started a new data generation: it is the sync source.
    victim = div[0] ? 1 : div[1] ? 0 : hasPrimary(sides[1]) ? 0 : 1;
  } else {
    splitBrain = true;
    const discard = sides.map((side) => side.some((r) => r.drbd.discardMyData === true));
    if (discard[0] !== discard[1]) {
      const v: 0 | 1 = discard[0] ? 0 : 1;
      // "I shall become SyncTarget, but I am primary!": DRBD drops the connection.
      victim = hasPrimary(sides[v]) ? undefined : v;
    } else if (discard[0]) {
      victim = undefined;
    } else {
      const h = await handshakeFacts(core, rd, sides);
      ({ victim, demote } = decideSplitBrain(afterSbPolicies(core.state, rd), h));
    }
  }
  for (const r of comp) delete r.drbd.discardMyData;
  if (victim === undefined) return keepSplitBrain(core, rd, sides);
  const v = sides[victim];
  const survivor = sides[victim === 0 ? 1 : 0];
  if (demote) for (const r of v) r.drbd.role = 'Secondary';
  await resync(core, rd, v, survivor);
  if (splitBrain) core.log.warn({ rd: rd.name, discarded: v.map((r) => r.node), kept: survivor.map((r) => r.node) }, 'Split-Brain detected, automatically solved');
}

async function handshakeFacts(core: Core, rd: RdRec, sides: [Side, Side]): Promise<Handshake> {
  const changes: [number, number] = [0, 0];
  const atFork: [boolean, boolean] = [false, false];
  for (const vd of rd.vds) {
    const sp = vd.split;
    if (!sp) continue;
    await flushAll(core, vd);
    for (const i of [0, 1] as const) {
      const f = nodeFile(vd, sides[i][0]?.node ?? '');
      if (f) changes[i] += await changedBlocks(core, f, sp.base);
    }
  }
  const first = rd.vds[0] as VdRec;
  for (const i of [0, 1] as const) atFork[i] = first.split?.primaryAtFork.includes(nodeFile(first, sides[i][0]?.node ?? '') ?? '') ?? false;
  return { sides, changes, primaryAtFork: atFork };
}

/** Split brain detected but unresolved: both ends drop the connection and stay StandAlone. */
function keepSplitBrain(core: Core, rd: RdRec, sides: [Side, Side]): void {
  const now = core.now();
  for (const [a, b] of [[sides[0], sides[1]], [sides[1], sides[0]]] as const) {
    for (const r of a) {
      r.drbd.splitBrain ??= {};
      for (const p of b) {
        r.drbd.connOverride[p.node.toUpperCase()] = 'StandAlone';
        r.drbd.splitBrain[p.node.toUpperCase()] ??= now;
      }
    }
  }
  core.log.warn({ rd: rd.name, sides: sides.map((s) => s.map((r) => r.node)) }, 'Split-Brain detected but unresolved, dropping connection!');
}

/** The victims take the survivor's bytes (they re-attach to its copy) and resync. */
async function resync(core: Core, rd: RdRec, victims: Side, survivors: Side): Promise<void> {
  const now = core.now();
  for (const vd of rd.vds) {
    const from = nodeFile(vd, survivors[0]?.node ?? '');
    const old = nodeFile(vd, victims[0]?.node ?? '');
    const sp = vd.split;
    if (!sp || !from || !old || from === old) continue;
    await flushAll(core, vd);
    for (const r of victims) sp.files[r.node.toUpperCase()] = from;
    if (vd.file === old) vd.file = from;
    if (!Object.values(sp.files).includes(old)) {
      sp.diverged = sp.diverged.filter((f) => f !== old);
      sp.primaryAtFork = sp.primaryAtFork.filter((f) => f !== old);
      await core.sats.removeFile(old);
    }
  }
  for (const r of victims) {
    if (core.cfg.resyncMs > 0) r.drbd.resyncUntil = now + core.cfg.resyncMs;
    for (const p of survivors) {
      delete r.drbd.splitBrain?.[p.node.toUpperCase()];
      delete p.drbd.splitBrain?.[r.node.toUpperCase()];
    }
  }
  for (const r of [...victims, ...survivors]) if (r.drbd.splitBrain && Object.keys(r.drbd.splitBrain).length === 0) delete r.drbd.splitBrain;
}

/** All diskful replicas on one copy again: it becomes the volume's only file. */
async function collapse(core: Core, rd: RdRec): Promise<void> {
  for (const vd of rd.vds) {
    const sp = vd.split;
    if (!sp) continue;
    const files = new Set(diskful(rd).map((r) => sp.files[r.node.toUpperCase()] ?? vd.file));
    if (files.size > 1) continue;
    const only = [...files][0] ?? vd.file;
    if (only) vd.file = only;
    delete vd.split;
    await rm(core.sats.abs(sp.base), { force: true });
    for (const f of new Set([...Object.values(sp.files), ...sp.diverged])) if (f !== vd.file) await core.sats.removeFile(f);
  }
}
