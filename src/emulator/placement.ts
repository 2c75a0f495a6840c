/**
 * Auto-placement: picks nodes and one storage pool for new diskful replicas, honouring the
 * AutoSelectFilter (counts, pools, providers, node list, replicas_on_same/different,
 * x_replicas_on_different_map, not_place_with_rsc[_regex]). Offline nodes are never chosen.
 * Among the pools that can take every replica, the one with the most free space wins; nodes are
 * taken by most free space, then by name.
 */
import { type EmuState, type RdRec, type SelectFilter, DISKLESS_POOL, diskful, findRd, isDiskless, isTieBreaker, rscPool, same } from './state.js';

export interface PlaceRequest {
  rd: RdRec | undefined;
  filter: SelectFilter;
  /** KiB needed per replica. */
  sizeKib: number;
  /** Replicas still to place. */
  count: number;
  freeKib: (node: string, pool: string) => number;
}

export interface Placement {
  pool: string;
  nodes: string[];
}

function nodeProp(s: EmuState, node: string, key: string): string | undefined {
  const n = s.nodes.find((x) => same(x.name, node));
  if (!n) return undefined;
  return n.props[key] ?? (key.startsWith('Aux/') ? undefined : n.props[`Aux/${key}`]);
}

/** "key" or "key=value" entries of replicas_on_same / replicas_on_different. */
function splitKey(e: string): { key: string; value?: string } {
  const i = e.indexOf('=');
  return i < 0 ? { key: e } : { key: e.slice(0, i), value: e.slice(i + 1) };
}

export function candidatePools(s: EmuState, f: SelectFilter): string[] {
  const list = f.storage_pool_list && f.storage_pool_list.length > 0 ? f.storage_pool_list : f.storage_pool ? [f.storage_pool] : undefined;
  const names = new Map<string, string>();
  for (const p of s.pools) {
    if (p.kind === 'DISKLESS') continue;
    if (list && !list.some((l) => same(l, p.name))) continue;
    if (f.provider_list && f.provider_list.length > 0 && !f.provider_list.some((k) => same(k, p.kind))) continue;
    names.set(p.name.toUpperCase(), p.name);
  }
  return [...names.values()];
}

/** Nodes that may receive a new replica of `rd` at all (pool aside). */
export function eligibleNodes(s: EmuState, rd: RdRec | undefined, f: SelectFilter): string[] {
  let regex: RegExp | undefined;
  if (f.not_place_with_rsc_regex) {
    try {
      regex = new RegExp(f.not_place_with_rsc_regex, 'i');
    } catch {
      regex = undefined;
    }
  }
  return s.nodes
    .filter((n) => n.online)
    .filter((n) => !f.node_name_list || f.node_name_list.length === 0 || f.node_name_list.some((x) => same(x, n.name)))
    // A node holding only a tie-breaker is a candidate: LINSTOR upgrades the witness in place.
    .filter((n) => !rd || !rd.resources.some((r) => same(r.node, n.name) && !isTieBreaker(r)))
    .filter((n) => {
      for (const other of f.not_place_with_rsc ?? []) {
        const ord = findRd(s, other);
        if (ord && ord.resources.some((r) => same(r.node, n.name) && !isDiskless(r))) return false;
      }
      if (regex) {
        for (const ord of s.rds) {
          if (regex.test(ord.name) && ord.resources.some((r) => same(r.node, n.name) && !isDiskless(r))) return false;
        }
      }
      return true;
    })
    .map((n) => n.name);
}

export function place(s: EmuState, req: PlaceRequest): Placement | undefined {
  const f = req.filter;
  const existing = req.rd ? diskful(req.rd) : [];
  const existingNodes = existing.map((r) => r.node);
  const pools = candidatePools(s, f);
  const baseNodes = eligibleNodes(s, req.rd, f);
  let best: { p: Placement; free: number } | undefined;
  for (const pool of pools) {
    // Existing replicas must stay in the same pool for the RD to be coherent.
    if (existing.length > 0 && !existing.every((r) => same(rscPool(r), pool))) continue;
    const withSpace = baseNodes.filter(
      (n) => s.pools.some((p) => same(p.node, n) && same(p.name, pool)) && req.freeKib(n, pool) >= req.sizeKib,
    );
    const chosen = pick(s, withSpace, existingNodes, f, req.count, (n) => req.freeKib(n, pool));
    if (!chosen) continue;
    const free = chosen.reduce((a, n) => a + req.freeKib(n, pool), 0);
    if (!best || free > best.free) best = { p: { pool, nodes: chosen }, free };
  }
  return best?.p;
}

function pick(
  s: EmuState,
  candidates: string[],
  existing: string[],
  f: SelectFilter,
  count: number,
  free: (n: string) => number,
): string[] | undefined {
  const same_ = (f.replicas_on_same ?? []).map(splitKey);
  const diff = (f.replicas_on_different ?? []).map(splitKey);
  const xmap = Object.entries(f.x_replicas_on_different_map ?? {});
  const sorted = [...candidates].sort((a, b) => free(b) - free(a) || (a < b ? -1 : a > b ? 1 : 0));

  // Groups of nodes sharing the values of every replicas_on_same key.
  const groupKey = (n: string): string | undefined => {
    const vals: string[] = [];
    for (const k of same_) {
      const v = nodeProp(s, n, k.key);
      if (v === undefined || (k.value !== undefined && v !== k.value)) return undefined;
      vals.push(v);
    }
    return JSON.stringify(vals);
  };
  let groups: string[][];
  if (same_.length === 0) groups = [sorted];
  else {
    const required = existing.length > 0 ? groupKey(existing[0] ?? '') : undefined;
    const m = new Map<string, string[]>();
    for (const n of sorted) {
      const g = groupKey(n);
      if (g === undefined || (existing.length > 0 && g !== required)) continue;
      m.set(g, [...(m.get(g) ?? []), n]);
    }
    groups = [...m.values()];
  }

  for (const group of groups) {
    const chosen: string[] = [];
    const all = (): string[] => [...existing, ...chosen];
    for (const n of group) {
      if (chosen.length >= count) break;
      const okDiff = diff.every((k) => {
        const v = nodeProp(s, n, k.key);
        if (v === undefined) return true;
        return !all().some((o) => nodeProp(s, o, k.key) === v);
      });
      if (!okDiff) continue;
      const okX = xmap.every(([key, max]) => {
        const v = nodeProp(s, n, key);
        if (v === undefined) return true;
        return all().filter((o) => nodeProp(s, o, key) === v).length < max;
      });
      if (!okX) continue;
      chosen.push(n);
    }
    if (chosen.length >= count) return chosen;
  }
  return undefined;
}

/** Nodes for `diskless_on_remaining`: online satellites without a resource of the RD. */
export function remainingNodes(s: EmuState, rd: RdRec): string[] {
  return s.nodes.filter((n) => n.online && !rd.resources.some((r) => same(r.node, n.name))).map((n) => n.name);
}

export { DISKLESS_POOL };
