/** Resources: create, list/get, delete, autoplace, make-available, props, volumes, and the view. */
import type { ApiCallRc } from '../../linstor/types.js';
import {
  CREATED,
  FAIL_IN_USE,
  FAIL_NOT_ENOUGH_FREE_SPACE,
  FAIL_NOT_ENOUGH_NODES,
  FAIL_NOT_FOUND_DFLT_STOR_POOL,
  FAIL_NOT_FOUND_STOR_POOL,
  FAIL_NOT_FOUND_VLM,
  INFO_NOOP,
  INFO_RSC_ALREADY_EXISTS,
  INFO_TIE_BREAKER_CREATED,
  MASK_CRT,
  MASK_DEL,
  MASK_MOD,
  MASK_RSC,
  MODIFIED,
  WARN_ALL_DISKLESS,
  WARN_NOT_FOUND,
  WARN_RSC_ALREADY_DEPLOYED,
} from './codes.js';
import type { Core } from '../core.js';
import { type Router, fail, jsonBody, listParam, ok, page, propsMatch, rc, rcReply } from '../http.js';
import { addRsc, deletedEntry, maintain, needsTieBreaker, settle } from '../lifecycle.js';
import { place, remainingNodes } from '../placement.js';
import { applyPropsModify, type PropsModify, validateProps } from '../props.js';
import { rscJson, volumeJson } from '../render.js';
import {
  DISKLESS_POOL,
  type Props,
  type RdRec,
  type RscRec,
  type SelectFilter,
  diskful,
  findNode,
  findPool,
  findRd,
  findRg,
  findRsc,
  findVd,
  isDiskless,
  isTieBreaker,
  rdProp,
  same,
} from '../state.js';
import { layerStack } from './rds.js';
import { int, needNode, needRd, needRsc } from './common.js';
import { resourceDeletion } from '../replies.js';

interface RscCreateBody {
  resource?: { node_name?: string; props?: Props; flags?: string[] };
  layer_list?: string[];
  drbd_client?: boolean;
}

function rdSize(rd: RdRec): number {
  return rd.vds.reduce((a, v) => a + v.sizeKib, 0);
}

/** Creates one resource (manual create); returns the entries. State-only; caller settles. */
function createOne(core: Core, rd: RdRec, nodeName: string, body: RscCreateBody): ApiCallRc[] {
  const node = needNode(core, nodeName, MASK_CRT, MASK_RSC);
  const props = { ...(body.resource?.props ?? {}) };
  validateProps('rsc', props, undefined, MASK_CRT, MASK_RSC);
  const flags = (body.resource?.flags ?? []).map((f) => f.toUpperCase());
  if (body.layer_list) layerStack(body.layer_list, MASK_CRT, MASK_RSC, []);
  let diskless = flags.includes('DISKLESS') || flags.includes('DRBD_DISKLESS') || body.drbd_client === true;
  let pool = props['StorPoolName'] ?? (diskless ? DISKLESS_POOL : (rdProp(core.state, rd, 'StorPoolName') ?? 'DfltStorPool'));
  const poolRec = findPool(core.state, node.name, pool);
  if (!poolRec) {
    if (pool === 'DfltStorPool' && !props['StorPoolName']) {
      fail(FAIL_NOT_FOUND_DFLT_STOR_POOL, MASK_CRT, MASK_RSC, `The default storage pool 'DfltStorPool' for resource '${rd.name}' for volume number '0' is not deployed on node '${node.name}'.`, {
        details: 'The resource which should be deployed had at least one volume definition (volume number \'0\') which LinStor tried to automatically deploy to the default storage pool as no storage pool was specified explicitly.',
        obj_refs: { RscDfn: rd.name, Node: node.name },
      });
    }
    fail(FAIL_NOT_FOUND_STOR_POOL, MASK_CRT, MASK_RSC, `Storage pool '${pool}' on node '${node.name}' not found.`, { obj_refs: { RscDfn: rd.name, Node: node.name } });
  }
  pool = poolRec.name;
  if (poolRec.kind === 'DISKLESS') diskless = true;
  const existing = findRsc(rd, node.name);
  if (existing) {
    if (isTieBreaker(existing) && diskless) {
      existing.flags = existing.flags.filter((f) => f !== 'TIE_BREAKER');
      return [rc(MODIFIED, MASK_MOD, MASK_RSC, `Tie breaker resource '${rd.name}' on node '${existing.node}' converted to a diskless resource.`, { obj_refs: { RscDfn: rd.name, Node: existing.node } })];
    }
    return [rc(INFO_RSC_ALREADY_EXISTS, MASK_CRT, MASK_RSC, `Resource '${rd.name}' on node '${node.name}' already exists.`, { obj_refs: { RscDfn: rd.name, Node: node.name } })];
  }
  if (!diskless) {
    const need = rdSize(rd);
    if (core.freeKib(node.name, pool) < need) {
      fail(FAIL_NOT_ENOUGH_FREE_SPACE, MASK_CRT, MASK_RSC, `Not enough free space available for resource '${rd.name}' in storage pool '${pool}' on node '${node.name}'.`, {
        cause: `Free: ${core.freeKib(node.name, pool)} KiB, needed: ${need} KiB.`,
      });
    }
  }
  const out = addRsc(core, rd, { node: node.name, diskless, pool, props });
  if (diskless && diskful(rd).length === 0) {
    out.push(rc(WARN_ALL_DISKLESS, MASK_CRT, MASK_RSC, `Resource '${rd.name}' has no diskful replica: all resources are diskless.`));
  }
  return out;
}

async function finish(core: Core, rd: RdRec, out: ApiCallRc[]): Promise<ApiCallRc[]> {
  const m = maintain(core, rd);
  out.push(...m.entries);
  await settle(core, rd, m.removed);
  return out;
}

/** Merges a request's filter over the RG's (request fields win). */
export function effectiveFilter(core: Core, rd: RdRec | undefined, rgName: string | undefined, f: SelectFilter | undefined): SelectFilter {
  const rg = rgName ? findRg(core.state, rgName) : undefined;
  const merged: SelectFilter = { ...(rg?.selectFilter ?? {}) };
  for (const [k, v] of Object.entries(f ?? {})) {
    if (v !== undefined && v !== null) (merged as Record<string, unknown>)[k] = v;
  }
  if (f?.storage_pool && !f.storage_pool_list) merged.storage_pool_list = [f.storage_pool];
  if (!merged.storage_pool_list?.length && !merged.storage_pool && rd) {
    const sp = rdProp(core.state, rd, 'StorPoolName');
    if (sp) merged.storage_pool_list = [sp];
  }
  return merged;
}

/** LINSTOR autoplace for an RD with the effective filter. State-only plus settle by caller. */
export function autoplace(core: Core, rd: RdRec, f: SelectFilter): ApiCallRc[] {
  const already = diskful(rd);
  const placeCount = f.place_count ?? 2;
  const count = f.additional_place_count !== undefined && f.additional_place_count > 0 ? f.additional_place_count : placeCount - already.length;
  if (f.layer_stack) layerStack(f.layer_stack, MASK_CRT, MASK_RSC, []);
  if (count <= 0) {
    return [
      rc(WARN_RSC_ALREADY_DEPLOYED, MASK_CRT, MASK_RSC, `Resource '${rd.name}' was already deployed on ${already.length} nodes. Skipping.`, {
        details: `Used nodes: '${already.map((r) => r.node).join("', '")}'`,
        obj_refs: { RscDfn: rd.name },
      }),
    ];
  }
  const size = rdSize(rd);
  const p = place(core.state, { rd, filter: f, sizeKib: size, count, freeKib: (n, pool) => core.freeKib(n, pool) });
  if (!p) {
    const sp = f.storage_pool_list?.[0];
    fail(FAIL_NOT_ENOUGH_NODES, MASK_CRT, MASK_RSC, 'Not enough available nodes', {
      details:
        'Not enough nodes fulfilling the following auto-place criteria:\n' +
        (sp ? ` * has a deployed storage pool named '${sp}'\n * the storage pool '${sp}' has to have at least '${size}' free space\n` : '') +
        ' * the current access context has enough privileges to use the node and the storage pool\n * the node is online',
      obj_refs: { RscDfn: rd.name },
    });
  }
  const out: ApiCallRc[] = [];
  for (const n of p.nodes) {
    const witness = findRsc(rd, n);
    if (witness && isTieBreaker(witness)) {
      // Upgraded in place into a diskful replica (toggle-disk), as LINSTOR's autoplacer does.
      witness.flags = witness.flags.filter((x) => !['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'].includes(x));
      witness.props['StorPoolName'] = p.pool;
      out.push(rc(MODIFIED, MASK_MOD, MASK_RSC, `Tie breaker resource '${rd.name}' on node '${witness.node}' is now a diskful resource.`, { obj_refs: { RscDfn: rd.name, Node: witness.node } }));
      continue;
    }
    out.push(...addRsc(core, rd, { node: n, diskless: false, pool: p.pool }));
  }
  if (f.diskless_on_remaining) {
    for (const n of remainingNodes(core.state, rd)) out.push(...addRsc(core, rd, { node: n, diskless: true, pool: DISKLESS_POOL }));
  }
  const refs: Record<string, string> = { RscDfn: rd.name };
  p.nodes.forEach((n, i) => {
    refs[`Node/${i}`] = n;
    refs[`StoragePool/${i}/0`] = p.pool;
  });
  out.unshift(
    rc(CREATED, MASK_CRT, MASK_RSC, `Resource '${rd.name}' successfully autoplaced on ${p.nodes.length} nodes`, {
      details: `Used storage pool: '${p.pool}'\nUsed nodes: '${p.nodes.join("', '")}'`,
      obj_refs: refs,
    }),
  );
  return out;
}

export { finish };

export function register(r: Router, core: Core): void {
  for (const routes of [registerResourceReads, registerResourceChanges, registerPlacementRoutes]) routes(r, core);
}

/** Resources and their volumes: list and get. */
function registerResourceReads(r: Router, core: Core): void {
  r.add('GET', '/v1/resource-definitions/:rd/resources', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    req.rd = rd.name;
    const nodes = listParam(req.query, 'nodes');
    const list = rd.resources.filter((x) => nodes.length === 0 || nodes.some((n) => same(n, x.node)));
    return ok(page(list, req.query).map((x) => rscJson(core, rd, x, false)));
  });
  r.add('GET', '/v1/resource-definitions/:rd/resources/:node', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    return ok(rscJson(core, rd, needRsc(core, rd, req.params['node'] ?? ''), false));
  });
  r.add('GET', '/v1/resource-definitions/:rd/resources/:node/volumes', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    const rsc = needRsc(core, rd, req.params['node'] ?? '');
    return ok(rd.vds.slice().sort((a, b) => a.nr - b.nr).map((v) => volumeJson(core, rd, rsc, v)));
  });
  r.add('GET', '/v1/resource-definitions/:rd/resources/:node/volumes/:nr', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    const rsc = needRsc(core, rd, req.params['node'] ?? '');
    const vd = findVd(rd, Number(req.params['nr']));
    if (!vd) fail(FAIL_NOT_FOUND_VLM, 0n, 0n, `Volume '${req.params['nr'] ?? ''}' of resource '${rd.name}' on node '${rsc.node}' not found.`);
    return ok(volumeJson(core, rd, rsc, vd));
  });
}

/** Resources: create (one or several), modify, delete. */
function registerResourceChanges(r: Router, core: Core): void {
  r.add('POST', '/v1/resource-definitions/:rd/resources/:node', async (req) => {
    const body = jsonBody<RscCreateBody>(req);
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_CRT, MASK_RSC);
      return finish(core, rd, createOne(core, rd, req.params['node'] ?? '', body));
    });
    return rcReply(entries, 201);
  });
  r.add('POST', '/v1/resource-definitions/:rd/resources', async (req) => {
    const raw = jsonBody<RscCreateBody[] | RscCreateBody>(req);
    const list = Array.isArray(raw) ? raw : [raw];
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_CRT, MASK_RSC);
      const out: ApiCallRc[] = [];
      for (const b of list) out.push(...createOne(core, rd, b.resource?.node_name ?? '', b));
      return finish(core, rd, out);
    });
    return rcReply(entries, 201);
  });

  r.add('PUT', '/v1/resource-definitions/:rd/resources/:node', async (req) => {
    const body = jsonBody<PropsModify & { drbd_tiebreaker?: boolean }>(req);
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_MOD, MASK_RSC);
      const rsc = needRsc(core, rd, req.params['node'] ?? '', MASK_MOD, MASK_RSC);
      const out = applyPropsModify('rsc', rsc.props, body, MASK_RSC);
      if (body.drbd_tiebreaker !== undefined && isDiskless(rsc)) {
        rsc.flags = rsc.flags.filter((f) => f !== 'TIE_BREAKER');
        if (body.drbd_tiebreaker) rsc.flags.push('TIE_BREAKER');
      }
      out.push(
        rc(MODIFIED, MASK_MOD, MASK_RSC, `Resource '${rd.name}' on node '${rsc.node}' modified.`, {
          details: `Resource '${rd.name}' on node '${rsc.node}' UUID is: ${rsc.uuid}`,
          obj_refs: { RscDfn: rd.name, Node: rsc.node },
        }),
      );
      return out;
    });
    return rcReply(entries, 200);
  });

  r.add('DELETE', '/v1/resource-definitions/:rd/resources/:node', async (req) => {
    const keepTb = req.query.get('keep_tiebreaker') === 'true';
    const entries = await core.mutate(async () => {
      const name = req.params['rd'] ?? '';
      const node = req.params['node'] ?? '';
      const rd = findRd(core.state, name);
      const rsc = rd ? findRsc(rd, node) : undefined;
      if (!rd || !rsc) return [rc(WARN_NOT_FOUND, MASK_DEL, MASK_RSC, `Node: ${node}, Resource: ${name} not found.`, { obj_refs: { RscDfn: name, Node: node } })];
      return deleteRsc(core, rd, rsc, keepTb);
    });
    return rcReply(entries, 200);
  });
}

/** Autoplace, make-available and the resource view. */
function registerPlacementRoutes(r: Router, core: Core): void {
  r.add('POST', '/v1/resource-definitions/:rd/autoplace', async (req) => {
    const body = jsonBody<{ select_filter?: SelectFilter; diskless_on_remaining?: boolean; layer_list?: string[] }>(req, true);
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_CRT, MASK_RSC);
      const f = effectiveFilter(core, rd, rd.rg, body.select_filter);
      if (body.diskless_on_remaining !== undefined) f.diskless_on_remaining = body.diskless_on_remaining;
      if (body.layer_list && body.layer_list.length > 0) f.layer_stack = body.layer_list;
      return finish(core, rd, autoplace(core, rd, f));
    });
    return rcReply(entries, 201);
  });

  r.add('POST', '/v1/resource-definitions/:rd/resources/:node/make-available', async (req) => {
    const body = jsonBody<{ diskful?: boolean; layer_list?: string[] }>(req, true);
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_CRT, MASK_RSC);
      const node = needNode(core, req.params['node'] ?? '', MASK_CRT, MASK_RSC);
      const existing = findRsc(rd, node.name);
      const refs = { RscDfn: rd.name, Node: node.name };
      if (existing) {
        if (isTieBreaker(existing) && !body.diskful) {
          existing.flags = existing.flags.filter((f) => f !== 'TIE_BREAKER');
          return finish(core, rd, [
            rc(MODIFIED, MASK_MOD, MASK_RSC, `Resource '${rd.name}' on node '${node.name}' was a tie breaker and is now a diskless resource.`, { obj_refs: refs }),
          ]);
        }
        if (body.diskful && isDiskless(existing)) {
          const f = effectiveFilter(core, rd, rd.rg, undefined);
          const pool = pickPool(core, rd, node.name, f);
          existing.flags = existing.flags.filter((x) => !['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'].includes(x));
          existing.props['StorPoolName'] = pool;
          return finish(core, rd, [rc(MODIFIED, MASK_MOD, MASK_RSC, `Resource '${rd.name}' on node '${node.name}' is now diskful.`, { obj_refs: refs })]);
        }
        return [rc(INFO_NOOP, MASK_CRT, MASK_RSC, 'Resource already deployed as requested', { obj_refs: refs })];
      }
      const wantDisk = body.diskful === true || diskful(rd).length === 0;
      if (!wantDisk) return finish(core, rd, addRsc(core, rd, { node: node.name, diskless: true, pool: DISKLESS_POOL }));
      const f = effectiveFilter(core, rd, rd.rg, undefined);
      const pool = pickPool(core, rd, node.name, f);
      return finish(core, rd, addRsc(core, rd, { node: node.name, diskless: false, pool }));
    });
    return rcReply(entries, 200);
  });

  r.add('GET', '/v1/view/resources', (req) => {
    const nodes = listParam(req.query, 'nodes');
    const rscs = listParam(req.query, 'resources');
    const pools = listParam(req.query, 'storage_pools');
    const props = req.query.getAll('props');
    const list: { rd: RdRec; rsc: RscRec }[] = [];
    for (const rd of [...core.state.rds].sort((a, b) => (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : 1))) {
      if (rscs.length > 0 && !rscs.some((x) => same(x, rd.name))) continue;
      for (const rsc of [...rd.resources].sort((a, b) => (a.node < b.node ? -1 : 1))) {
        if (nodes.length > 0 && !nodes.some((x) => same(x, rsc.node))) continue;
        if (pools.length > 0 && !pools.some((x) => same(x, rsc.props['StorPoolName'] ?? ''))) continue;
        if (!propsMatch(rsc.props, props)) continue;
        list.push({ rd, rsc });
      }
    }
    return ok(page(list, req.query).map((x) => rscJson(core, x.rd, x.rsc, true)));
  });
}

function pickPool(core: Core, rd: RdRec, node: string, f: SelectFilter): string {
  const size = rdSize(rd);
  const existing = diskful(rd)[0]?.props['StorPoolName'];
  const names = existing ? [existing] : f.storage_pool_list?.length ? f.storage_pool_list : core.state.pools.filter((p) => same(p.node, node) && p.kind !== 'DISKLESS').map((p) => p.name);
  const ok_ = names.filter((n) => findPool(core.state, node, n) && core.freeKib(node, n) >= size);
  const best = ok_.sort((a, b) => core.freeKib(node, b) - core.freeKib(node, a))[0];
  if (!best) fail(FAIL_NOT_ENOUGH_NODES, MASK_CRT, MASK_RSC, 'Not enough available nodes', { details: `No storage pool on node '${node}' can hold ${size} KiB.` });
  return best;
}

/** Deletes a resource with LINSTOR's rules (in use, last diskful, keep_tiebreaker). */
export async function deleteRsc(core: Core, rd: RdRec, rsc: RscRec, keepTb: boolean): Promise<ApiCallRc[]> {
  const refs = { RscDfn: rd.name, Node: rsc.node };
  if (rsc.drbd.role === 'Primary') {
    fail(FAIL_IN_USE, MASK_DEL, MASK_RSC, `Resource '${rd.name}' is still in use.`, {
      cause: `Resource is mounted/in use on node '${rsc.node}'.`,
      correction: `Un-mount resource '${rd.name}' on the node '${rsc.node}'.`,
      obj_refs: refs,
    });
  }
  const clients = rd.resources.filter((x) => x !== rsc && isDiskless(x) && !isTieBreaker(x));
  if (!isDiskless(rsc) && diskful(rd).length === 1 && clients.length > 0) {
    fail(FAIL_IN_USE, MASK_DEL, MASK_RSC, `Cannot delete the last diskful resource '${rd.name}' on node '${rsc.node}' while diskless resources still use it.`, {
      details: `Diskless resources on: '${clients.map((c) => c.node).join("', '")}'`,
      obj_refs: refs,
    });
  }
  if (keepTb && isDiskless(rsc) && !isTieBreaker(rsc)) {
    const others = rd.resources.filter((x) => x !== rsc);
    const probe = { ...rd, resources: others };
    if (needsTieBreaker(probe) && !others.some(isTieBreaker)) {
      rsc.flags = ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'];
      rsc.drbd.role = 'Secondary';
      return [
        rc(INFO_TIE_BREAKER_CREATED, MASK_DEL, MASK_RSC, `Resource '${rd.name}' on node '${rsc.node}' kept as tie breaker.`, { obj_refs: refs }),
      ];
    }
  }
  rd.resources = rd.resources.filter((x) => x !== rsc);
  const out = resourceDeletion(rd.name, rsc.node, rsc.uuid, findNode(core.state, rsc.node)?.online ?? false);
  if (diskful(rd).length === 0) {
    // Diskless leftovers (tie-breakers) go with the last diskful replica.
    for (const x of rd.resources.filter(isTieBreaker)) {
      rd.resources = rd.resources.filter((y) => y !== x);
      out.push(deletedEntry(rd, x));
      await core.sats.unlinkRsc(x.node, rd.name);
    }
  }
  await core.sats.unlinkRsc(rsc.node, rd.name);
  const m = maintain(core, rd);
  out.push(...m.entries);
  await settle(core, rd, m.removed);
  return out;
}

export { int };
