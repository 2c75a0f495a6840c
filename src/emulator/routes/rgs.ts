/** Resource groups: create/list/get/modify/delete, spawn, size queries. */
import type { ApiCallRc } from '../../linstor/types.js';
import {
  CREATED,
  DELETED,
  FAIL_EXISTS_RSC_DFN,
  FAIL_EXISTS_RSC_GRP,
  FAIL_INVLD_RSC_GRP_NAME,
  FAIL_INVLD_VLM_SIZES,
  FAIL_NOT_ENOUGH_NODES,
  INFO_NO_RSC_SPAWNED,
  MASK_CRT,
  MASK_MOD,
  MASK_RSC,
  MASK_RSC_DFN,
  MASK_RSC_GRP,
  MODIFIED,
  WARN_NOT_FOUND,
} from './codes.js';
import type { Core } from '../core.js';
import { type Router, fail, jsonBody, ok, rc, rcReply } from '../http.js';
import { validRgName } from '../names.js';
import { candidatePools, eligibleNodes, place } from '../placement.js';
import { applyPropsModify, type PropsModify } from '../props.js';
import { rgJson } from '../render.js';
import { type Props, type RdRec, type SelectFilter, DEFAULT_RG, findRg, same, uuid } from '../state.js';
import { int, needRg, selectByName } from './common.js';
import { addVd, createRd } from './rds.js';
import { autoplace, effectiveFilter, finish } from './resources.js';
import { withBits } from '../replies.js';

function cleanFilter(f: SelectFilter | undefined): SelectFilter {
  const out: SelectFilter = { ...(f ?? {}) };
  if (out.storage_pool && (!out.storage_pool_list || out.storage_pool_list.length === 0)) out.storage_pool_list = [out.storage_pool];
  delete out.storage_pool;
  return out;
}

interface SpaceInfo {
  max_vlm_size_in_kib: number;
  available_size_in_kib?: number;
  capacity_in_kib?: number;
  default_max_oversubscription_ratio: number;
  next_spawn_result?: { node_name: string; stor_pool_name: string }[];
}

/** Largest volume a spawn with this filter could get now (KiB), and where it would go. */
function sizeInfo(core: Core, f: SelectFilter): SpaceInfo | undefined {
  const count = f.place_count ?? 2;
  let best: SpaceInfo | undefined;
  for (const pool of candidatePools(core.state, f)) {
    const nodes = eligibleNodes(core.state, undefined, f).filter((n) => core.state.pools.some((p) => same(p.node, n) && same(p.name, pool)));
    const frees = nodes.map((n) => core.freeKib(n, pool)).sort((a, b) => b - a);
    if (frees.length < count) continue;
    const max = frees[count - 1] ?? 0;
    const p = place(core.state, { rd: undefined, filter: { ...f, storage_pool_list: [pool] }, sizeKib: max, count, freeKib: (n, sp) => core.freeKib(n, sp) });
    if (!p) continue;
    const totals = p.nodes.map((n) => core.state.pools.find((x) => same(x.node, n) && same(x.name, pool))?.totalKib ?? 0);
    const info: SpaceInfo = {
      max_vlm_size_in_kib: max,
      available_size_in_kib: max,
      capacity_in_kib: Math.min(...totals),
      default_max_oversubscription_ratio: 20,
      next_spawn_result: p.nodes.map((n) => ({ node_name: n, stor_pool_name: pool })),
    };
    if (!best || info.max_vlm_size_in_kib > best.max_vlm_size_in_kib) best = info;
  }
  return best;
}

/**
 * Spawn's autoplace as the controller answers it: the pool choice set as a property on the new
 * resources, and "autoplaced" with the resource-group object bit (measured).
 */
function spawnPlacement(core: Core, rd: RdRec, f: SelectFilter): ApiCallRc[] {
  const placed = autoplace(core, rd, f);
  const pool = f.storage_pool_list?.[0];
  const out = pool ? [rc(CREATED, MASK_CRT, MASK_RSC, 'Successfully set property key(s): StorPoolName', { obj_refs: { RscDfn: rd.name } })] : [];
  for (const e of placed) out.push(/successfully autoplaced/.test(e.message) ? withBits(e, MASK_CRT, MASK_RSC_GRP) : e);
  return out;
}

export function register(r: Router, core: Core): void {
  for (const routes of [registerResourceGroupReadsAndCreate, registerResourceGroupChanges, registerSpawnAndSizeRoutes]) routes(r, core);
}

/** Resource groups: list, get, create. */
function registerResourceGroupReadsAndCreate(r: Router, core: Core): void {
  r.add('GET', '/v1/resource-groups', (req) => ok(selectByName(core.state.rgs, req.query, 'resource_groups').map(rgJson)));
  r.add('GET', '/v1/resource-groups/:rg', (req) => ok(rgJson(needRg(core, req.params['rg'] ?? ''))));
  r.add('POST', '/v1/resource-groups', async (req) => {
    const body = jsonBody<{ name?: string; description?: string; select_filter?: SelectFilter; peer_slots?: number; props?: Props }>(req);
    const entries = await core.mutate(() => {
      const name = body.name ?? '';
      if (!validRgName(name)) fail(FAIL_INVLD_RSC_GRP_NAME, MASK_CRT, MASK_RSC_GRP, `The specified resource group name '${name}' is invalid.`);
      if (findRg(core.state, name)) {
        fail(FAIL_EXISTS_RSC_GRP, MASK_CRT, MASK_RSC_GRP, `A resource group with the name '${name}' already exists.`, { obj_refs: { RscGrp: name } });
      }
      const g = {
        name,
        uuid: uuid(),
        ...(body.description ? { description: body.description } : {}),
        props: {},
        selectFilter: cleanFilter(body.select_filter),
        ...(int(body.peer_slots) !== undefined ? { peerSlots: body.peer_slots } : {}),
      };
      core.state.rgs.push(g);
      return [
        rc(CREATED, MASK_CRT, MASK_RSC_GRP, `New resource group '${name}' created.`, {
          details: `Resource group '${name}' UUID is: ${g.uuid}`,
          obj_refs: { RscGrp: name },
        }),
      ];
    });
    return rcReply(entries, 201);
  });
}

/** Resource groups: modify and delete. */
function registerResourceGroupChanges(r: Router, core: Core): void {
  r.add('PUT', '/v1/resource-groups/:rg', async (req) => {
    const body = jsonBody<PropsModify & { description?: string; select_filter?: SelectFilter; peer_slots?: number }>(req);
    const entries = await core.mutate(() => {
      const g = needRg(core, req.params['rg'] ?? '', MASK_MOD, MASK_RSC_GRP);
      const out = applyPropsModify('rg', g.props, body, MASK_RSC_GRP);
      if (body.description !== undefined) g.description = body.description;
      if (body.select_filter) g.selectFilter = { ...g.selectFilter, ...cleanFilter(body.select_filter) };
      if (int(body.peer_slots) !== undefined) g.peerSlots = body.peer_slots;
      out.push(
        rc(MODIFIED, MASK_MOD, MASK_RSC_GRP, `Resource group '${g.name}' modified.`, {
          details: `Resource group '${g.name}' UUID is: ${g.uuid}`,
          obj_refs: { RscGrp: g.name },
        }),
      );
      return out;
    });
    return rcReply(entries, 200);
  });
  r.add('DELETE', '/v1/resource-groups/:rg', async (req) => {
    const entries = await core.mutate(() => {
      const name = req.params['rg'] ?? '';
      const g = findRg(core.state, name);
      // LINSTOR answers all three outcomes with the CREATE operation bit (measured).
      if (!g) return [rc(WARN_NOT_FOUND, MASK_CRT, MASK_RSC_GRP, `Resource group '${name}' not found.`, { obj_refs: { RscGrp: name } })];
      if (same(g.name, DEFAULT_RG)) fail(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_GRP, `The default resource group '${DEFAULT_RG}' cannot be deleted.`);
      const users = core.state.rds.filter((d) => same(d.rg, g.name));
      if (users.length > 0) {
        fail(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_GRP, `Cannot delete resource group '${g.name}' because it has existing resource definitions.`, {
          details: `Resource definitions: ${users.map((d) => d.name).join(', ')}`,
          obj_refs: { RscGrp: g.name },
        });
      }
      core.state.rgs = core.state.rgs.filter((x) => x !== g);
      return [
        rc(DELETED, MASK_CRT, MASK_RSC_GRP, `Resource group '${g.name}' deleted.`, {
          details: `Resource group '${g.name}' UUID was: ${g.uuid}`,
          obj_refs: { RscGrp: g.name },
        }),
      ];
    });
    return rcReply(entries, 200);
  });
}

/** Spawning from a group, and its size queries. */
function registerSpawnAndSizeRoutes(r: Router, core: Core): void {
  r.add('POST', '/v1/resource-groups/:rg/spawn', async (req) => {
    const body = jsonBody<{
      resource_definition_name?: string;
      resource_definition_external_name?: string;
      volume_sizes?: number[];
      select_filter?: SelectFilter;
      partial?: boolean;
      definitions_only?: boolean;
      peer_slots?: number;
      resource_definition_props?: Props;
    }>(req);
    req.rd = body.resource_definition_name;
    const entries = await core.mutate(async () => {
      const g = needRg(core, req.params['rg'] ?? '', MASK_CRT, MASK_RSC_DFN);
      const sizes = body.volume_sizes ?? [];
      for (const s of sizes) {
        if (typeof s !== 'number' || !Number.isInteger(s) || s < 1) fail(FAIL_INVLD_VLM_SIZES, MASK_CRT, MASK_RSC_DFN, `Invalid volume size: ${String(s)}`);
      }
      const { rd, entries: out } = createRd(core, {
        resource_definition: {
          name: body.resource_definition_name ?? '',
          ...(body.resource_definition_external_name ? { external_name: body.resource_definition_external_name } : {}),
          props: body.resource_definition_props ?? {},
          resource_group_name: g.name,
          ...(g.selectFilter.layer_stack ? { layer_data: g.selectFilter.layer_stack.map((t) => ({ type: t })) } : {}),
        },
        ...(int(body.peer_slots) !== undefined ? { drbd_peer_slots: body.peer_slots } : {}),
      });
      // The real controller lists the volume definitions before the resource definition.
      out.unshift(...sizes.map((s, i) => addVd(core, rd, i, s, {})));
      if (sizes.length === 0) out.push(rc(WARN_NOT_FOUND, MASK_CRT, MASK_RSC_DFN, `No volumes have been defined for resource '${rd.name}'`, { obj_refs: { RscDfn: rd.name } }));
      const f = effectiveFilter(core, rd, g.name, body.select_filter ? cleanFilter(body.select_filter) : undefined);
      if (body.definitions_only || f.place_count === undefined) {
        out.push(rc(INFO_NO_RSC_SPAWNED, MASK_CRT, MASK_RSC_DFN, `No resources spawned for resource definition '${rd.name}'.`, { obj_refs: { RscDfn: rd.name } }));
        return out;
      }
      out.push(...spawnPlacement(core, rd, f));
      return finish(core, rd, out);
    });
    return rcReply(entries, 201);
  });

  r.add('POST', '/v1/resource-groups/:rg/query-size-info', (req) => {
    const body = jsonBody<{ select_filter?: SelectFilter }>(req, true);
    const g = needRg(core, req.params['rg'] ?? '');
    const f = effectiveFilter(core, undefined, g.name, body.select_filter ? cleanFilter(body.select_filter) : undefined);
    const info = sizeInfo(core, f);
    if (!info) {
      const reports: ApiCallRc[] = [rc(FAIL_NOT_ENOUGH_NODES, 0n, MASK_RSC_GRP, 'Not enough available nodes', { obj_refs: { RscGrp: g.name } })];
      return ok({ space_info: { max_vlm_size_in_kib: 0, available_size_in_kib: 0, capacity_in_kib: 0, default_max_oversubscription_ratio: 20 }, reports });
    }
    return ok({ space_info: info });
  });
  r.add('GET', '/v1/resource-groups/:rg/query-max-volume-size', (req) => {
    const g = needRg(core, req.params['rg'] ?? '');
    const f = effectiveFilter(core, undefined, g.name, undefined);
    const info = sizeInfo(core, f);
    if (!info) fail(FAIL_NOT_ENOUGH_NODES, 0n, MASK_RSC_GRP, 'Not enough available nodes');
    const first = info.next_spawn_result?.[0];
    return ok({
      candidates: [{ storage_pool: first?.stor_pool_name ?? '', max_volume_size_kib: info.max_vlm_size_in_kib, node_names: info.next_spawn_result?.map((x) => x.node_name) ?? [], all_thin: true }],
      default_max_oversubscription_ratio: 20,
    });
  });
}
