/** Resource definitions and volume definitions. */
import { canShrink, rdPools } from '../providers.js';
import type { ApiCallRc } from '../../linstor/types.js';
import {
  CREATED,
  DELETED,
  FAIL_EXISTS_EXT_NAME,
  FAIL_EXISTS_RSC_DFN,
  FAIL_EXISTS_SNAPSHOT_DFN,
  FAIL_EXISTS_VLM_DFN,
  FAIL_IN_USE,
  FAIL_INVLD_LAYER_STACK,
  FAIL_INVLD_RSC_NAME,
  FAIL_INVLD_VLM_SIZE,
  FAIL_NOT_ALL_UPTODATE,
  FAIL_NOT_ENOUGH_FREE_SPACE,
  FAIL_NOT_FOUND_VLM_DFN,
  MASK_CRT,
  MASK_DEL,
  MASK_MOD,
  MASK_RSC_DFN,
  MASK_VLM_DFN,
  MODIFIED,
  WARN_NOT_FOUND,
  WARN_VLMDFN_RESIZE_SAME_SIZE,
  FAIL_INVLD_VLM_NR,
} from './codes.js';
import type { Core } from '../core.js';
import { diskState } from '../drbd.js';
import { type Router, fail, jsonBody, ok, page, rc, rcReply } from '../http.js';
import { validRscName } from '../names.js';
import { applyPropsModify, type PropsModify, validateProps } from '../props.js';
import { rdJson, vdJson } from '../render.js';
import {
  DEFAULT_RG,
  MINOR_BASE,
  PORT_BASE,
  type Props,
  type RdRec,
  diskful,
  findRd,
  findVd,
  isDiskless,
  lowestFree,
  rscPool,
  same,
  findNode,
  usedMinors,
  uuid,
} from '../state.js';
import { int, needRd, needRg, selectByName } from './common.js';
import { randomBytes } from 'node:crypto';
import { rdDeletion, resizedEntries } from '../replies.js';

const LAYERS = new Set(['DRBD', 'LUKS', 'STORAGE', 'NVME', 'WRITECACHE', 'CACHE', 'BCACHE', 'EXOS']);
/** LINSTOR's volume size limits (VolumeDefinition: 1 KiB … 2^63-1 bytes in KiB). */
const MAX_VLM_KIB = 0x1fffffffffffff;

export interface RdCreateBody {
  resource_definition?: {
    name?: string;
    external_name?: string;
    props?: Props;
    resource_group_name?: string;
    layer_data?: { type?: string }[];
  };
  drbd_port?: number;
  drbd_secret?: string;
  drbd_peer_slots?: number;
}

/** Validates a layer list; appends STORAGE like the controller (with a warning entry). */
export function layerStack(list: unknown[] | undefined, op: bigint, obj: bigint, warnings: ApiCallRc[]): string[] {
  if (!list || list.length === 0) return ['DRBD', 'STORAGE'];
  const stack = list.map((l) => String(typeof l === 'string' ? l : ((l as { type?: unknown }).type ?? '')).toUpperCase());
  for (const l of stack) if (!LAYERS.has(l)) fail(FAIL_INVLD_LAYER_STACK, op, obj, `Invalid layer stack: unknown layer '${l}'`);
  if (stack[stack.length - 1] !== 'STORAGE') {
    stack.push('STORAGE');
    warnings.push(rc(WARN_NOT_FOUND, op, obj, "Layer stack did not end with 'STORAGE', 'STORAGE' was added."));
  }
  return stack;
}

function nameFromExternal(ext: string): string {
  let n = ext.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/^[A-Za-z_]/.test(n)) n = `_${n}`;
  return n.slice(0, 48).padEnd(2, '_');
}

/** Creates an RD in the state (validated) and returns its entries; used by create and spawn. */
export function createRd(core: Core, body: RdCreateBody): { rd: RdRec; entries: ApiCallRc[] } {
  const d = body.resource_definition ?? {};
  const entries: ApiCallRc[] = [];
  let name = d.name ?? '';
  if (name === '' && d.external_name) name = nameFromExternal(d.external_name);
  if (!validRscName(name)) fail(FAIL_INVLD_RSC_NAME, MASK_CRT, MASK_RSC_DFN, `The specified resource name '${name}' is invalid.`);
  if (findRd(core.state, name)) {
    fail(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN, `A resource definition with the name '${name}' already exists`, { obj_refs: { RscDfn: name } });
  }
  if (d.external_name && core.state.rds.some((r) => r.externalName === d.external_name)) {
    fail(FAIL_EXISTS_EXT_NAME, MASK_CRT, MASK_RSC_DFN, `A resource definition with the external name '${d.external_name}' already exists`);
  }
  const rg = needRg(core, d.resource_group_name ?? DEFAULT_RG, MASK_CRT, MASK_RSC_DFN);
  const props = { ...(d.props ?? {}) };
  validateProps('rd', props, undefined, MASK_CRT, MASK_RSC_DFN);
  const stack = layerStack(d.layer_data, MASK_CRT, MASK_RSC_DFN, entries);
  const port = int(body.drbd_port) ?? lowestFree(core.state.rds.map((r) => r.port), PORT_BASE);
  const rd: RdRec = {
    name,
    uuid: uuid(),
    ...(d.external_name ? { externalName: d.external_name } : {}),
    props,
    flags: [],
    layerStack: stack,
    rg: rg.name,
    port,
    secret: body.drbd_secret ?? randomBytes(15).toString('base64url').slice(0, 20),
    peerSlots: int(body.drbd_peer_slots) ?? rg.peerSlots ?? 7,
    vds: [],
    resources: [],
    quorumByLinstor: false,
  };
  core.state.rds.push(rd);
  entries.unshift(
    rc(CREATED, MASK_CRT, MASK_RSC_DFN, `New resource definition '${name}' created.`, {
      details: `Resource definition '${name}' UUID is: ${rd.uuid}`,
      obj_refs: { RscDfn: name },
    }),
  );
  return { rd, entries };
}

function checkSize(size: unknown, op: bigint): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_VLM_KIB) {
    fail(FAIL_INVLD_VLM_SIZE, op, MASK_VLM_DFN, `Volume size value ${String(size)} is out of range [1 - ${MAX_VLM_KIB}]`);
  }
  return size;
}

/** Space check for `extraKib` more on every diskful replica of the RD. */
function checkSpace(core: Core, rd: RdRec, extraKib: number, op: bigint, nr: number): void {
  for (const r of diskful(rd)) {
    const pool = rscPool(r);
    if (core.freeKib(r.node, pool) < extraKib) {
      fail(FAIL_NOT_ENOUGH_FREE_SPACE, op, MASK_VLM_DFN, `Not enough free space available for volume ${nr} of resource '${rd.name}' on node '${r.node}'.`, {
        cause: `Storage pool '${pool}' on node '${r.node}' has ${core.freeKib(r.node, pool)} KiB free, ${extraKib} KiB are needed.`,
      });
    }
  }
}

/** Adds a VD (validated) to the state; used by VD create, spawn, restore and clone. */
export function addVd(core: Core, rd: RdRec, nr: number | undefined, sizeKib: number, props: Props, minor?: number): ApiCallRc {
  const number = nr ?? lowestFree(rd.vds.map((v) => v.nr), 0);
  if (number < 0 || number > 31999) fail(FAIL_INVLD_VLM_NR, MASK_CRT, MASK_VLM_DFN, `The specified volume number ${number} is invalid.`);
  if (findVd(rd, number)) {
    fail(FAIL_EXISTS_VLM_DFN, MASK_CRT, MASK_VLM_DFN, `A volume definition with the number ${number} already exists in resource definition '${rd.name}'.`, {
      obj_refs: { RscDfn: rd.name, VlmNr: String(number) },
    });
  }
  validateProps('vd', props, undefined, MASK_CRT, MASK_VLM_DFN);
  checkSpace(core, rd, sizeKib, MASK_CRT, number);
  const m = minor ?? lowestFree(usedMinors(core.state), MINOR_BASE);
  const vd = { nr: number, uuid: uuid(), sizeKib, props: { ...props }, flags: [], minor: m };
  rd.vds.push(vd);
  return rc(CREATED, MASK_CRT, MASK_VLM_DFN, `Volume definition with number '${number}' successfully  created in resource definition '${rd.name}'.`, {
    details: `Volume definition with number '${number}' of resource definition '${rd.name}' UUID is: ${vd.uuid}`,
    obj_refs: { RscDfn: rd.name, VlmNr: String(number) },
  });
}

export function register(r: Router, core: Core): void {
  for (const routes of [registerResourceDefinitionRoutes, registerVolumeDefinitionReadsAndCreate, registerVolumeDefinitionChanges]) routes(r, core);
}

/** Resource definitions: list, get, create, modify, delete. */
function registerResourceDefinitionRoutes(r: Router, core: Core): void {
  r.add('GET', '/v1/resource-definitions', (req) => {
    const withVds = req.query.get('with_volume_definitions') === 'true';
    return ok(selectByName(core.state.rds, req.query, 'resource_definitions').map((d) => rdJson(d, withVds)));
  });
  r.add('GET', '/v1/resource-definitions/:rd', (req) => ok(rdJson(needRd(core, req.params['rd'] ?? ''), false)));
  r.add('POST', '/v1/resource-definitions', async (req) => {
    const body = jsonBody<RdCreateBody>(req);
    req.rd = body.resource_definition?.name;
    const entries = await core.mutate(() => createRd(core, body).entries);
    return rcReply(entries, 201);
  });
  r.add('PUT', '/v1/resource-definitions/:rd', async (req) => {
    const body = jsonBody<PropsModify & { resource_group?: string; layer_stack?: string[]; drbd_peer_slots?: number }>(req);
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_MOD, MASK_RSC_DFN);
      const quorumBefore = rd.props['DrbdOptions/Resource/quorum'];
      const out = applyPropsModify('rd', rd.props, body, MASK_RSC_DFN);
      if (body.override_props?.['DrbdOptions/Resource/quorum'] !== undefined || (quorumBefore !== undefined && rd.props['DrbdOptions/Resource/quorum'] === undefined)) {
        rd.quorumByLinstor = false;
      }
      if (body.resource_group) rd.rg = needRg(core, body.resource_group, MASK_MOD, MASK_RSC_DFN).name;
      if (body.layer_stack && body.layer_stack.length > 0) rd.layerStack = layerStack(body.layer_stack, MASK_MOD, MASK_RSC_DFN, out);
      if (int(body.drbd_peer_slots) !== undefined) rd.peerSlots = body.drbd_peer_slots ?? rd.peerSlots;
      out.push(
        rc(MODIFIED, MASK_MOD, MASK_RSC_DFN, `Resource definition '${rd.name}' modified.`, {
          details: `Resource definition '${rd.name}' UUID is: ${rd.uuid}`,
          obj_refs: { RscDfn: rd.name },
        }),
      );
      await core.deployRd(rd);
      return out;
    });
    return rcReply(entries, 200);
  });
  r.add('DELETE', '/v1/resource-definitions/:rd', async (req) => {
    const name = req.params['rd'] ?? '';
    const entries = await core.mutate(async () => {
      const rd = findRd(core.state, name);
      if (!rd) return [rc(WARN_NOT_FOUND, MASK_DEL, MASK_RSC_DFN, `Resource definition: ${name} not found.`, { obj_refs: { RscDfn: name } })];
      if (core.state.snapshots.some((s) => same(s.rd, rd.name))) {
        fail(FAIL_EXISTS_SNAPSHOT_DFN, MASK_DEL, MASK_RSC_DFN, `Cannot delete resource definition '${rd.name}' because it has snapshots.`, {
          obj_refs: { RscDfn: rd.name },
        });
      }
      const inUse = rd.resources.find((x) => x.drbd.role === 'Primary');
      if (inUse) {
        fail(FAIL_IN_USE, MASK_DEL, MASK_RSC_DFN, `Resource '${rd.name}' is still in use.`, {
          cause: `Resource is mounted/in use on node '${inUse.node}'.`,
          correction: `Un-mount resource '${rd.name}' on the node '${inUse.node}'.`,
          obj_refs: { RscDfn: rd.name },
        });
      }
      const online = rd.resources.filter((x) => findNode(core.state, x.node)?.online).map((x) => x.node);
      await core.removeRdData(rd);
      core.state.rds = core.state.rds.filter((x) => x !== rd);
      return rdDeletion(rd.name, rd.uuid, online);
    });
    return rcReply(entries, 200);
  });
}

/** Volume definitions: list, get, create. */
function registerVolumeDefinitionReadsAndCreate(r: Router, core: Core): void {
  // Volume definitions
  r.add('GET', '/v1/resource-definitions/:rd/volume-definitions', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    return ok(page(rd.vds.slice().sort((a, b) => a.nr - b.nr), req.query).map((v) => vdJson(rd, v)));
  });
  r.add('GET', '/v1/resource-definitions/:rd/volume-definitions/:nr', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    const nr = Number(req.params['nr']);
    const vd = findVd(rd, nr);
    if (!vd) fail(FAIL_NOT_FOUND_VLM_DFN, 0n, 0n, `Volume definition '${req.params['nr'] ?? ''}' of resource definition '${rd.name}' not found.`, { obj_refs: { RscDfn: rd.name, VlmNr: String(req.params['nr']) } });
    return ok(vdJson(rd, vd));
  });
  r.add('POST', '/v1/resource-definitions/:rd/volume-definitions', async (req) => {
    const body = jsonBody<{ volume_definition?: { volume_number?: number; size_kib?: number; props?: Props }; drbd_minor_number?: number }>(req);
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_CRT, MASK_VLM_DFN);
      const v = body.volume_definition ?? {};
      const size = checkSize(v.size_kib, MASK_CRT);
      const out = [addVd(core, rd, int(v.volume_number), size, v.props ?? {}, int(body.drbd_minor_number))];
      await core.deployRd(rd);
      return out;
    });
    return rcReply(entries, 200);
  });
}

/** Volume definitions: modify (resize) and delete. */
function registerVolumeDefinitionChanges(r: Router, core: Core): void {
  r.add('PUT', '/v1/resource-definitions/:rd/volume-definitions/:nr', async (req) => {
    const body = jsonBody<PropsModify & { size_kib?: number }>(req);
    const entries = await core.mutate(async () => {
      const rd = needRd(core, req.params['rd'] ?? '', MASK_MOD, MASK_VLM_DFN);
      const nr = Number(req.params['nr']);
      const vd = findVd(rd, nr);
      if (!vd) fail(FAIL_NOT_FOUND_VLM_DFN, MASK_MOD, MASK_VLM_DFN, `Volume definition '${req.params['nr'] ?? ''}' of resource definition '${rd.name}' not found.`);
      const out = applyPropsModify('vd', vd.props, body, MASK_VLM_DFN);
      if (body.size_kib !== undefined) {
        const size = checkSize(body.size_kib, MASK_MOD);
        if (size === vd.sizeKib) {
          out.push(rc(WARN_VLMDFN_RESIZE_SAME_SIZE, MASK_MOD, MASK_VLM_DFN, `Volume definition '${nr}' of resource '${rd.name}' already has the requested size. Nothing to do.`));
        } else if (size < vd.sizeKib && rd.resources.some((x) => !isDiskless(x)) && rdPools(core, rd).every(canShrink)) {
          // FILE/FILE_THIN shrink the backing file (real LINSTOR allows it there); the data past the end is gone.
          vd.sizeKib = size;
          if (vd.file) await core.sats.growFile(vd.file, size);
        } else if (size < vd.sizeKib) {
          fail(FAIL_INVLD_VLM_SIZE, MASK_MOD, MASK_VLM_DFN, 'Volumes can only grow in size.', {
            details: `Current size: ${vd.sizeKib} KiB, requested size: ${size} KiB`,
          });
        } else {
          const now = core.now();
          const bad = rd.resources.find((x) => !isDiskless(x) && diskState(x, nr, now) !== 'UpToDate');
          if (bad) {
            fail(FAIL_NOT_ALL_UPTODATE, MASK_MOD, MASK_VLM_DFN, `Resize not possible: volume ${nr} of resource '${rd.name}' is not UpToDate on node '${bad.node}'.`);
          }
          checkSpace(core, rd, size - vd.sizeKib, MASK_MOD, nr);
          vd.sizeKib = size;
          if (vd.file) await core.sats.growFile(vd.file, size);
          out.push(...resizedEntries(rd.name, nr, rd.resources.filter((x) => findNode(core.state, x.node)?.online).map((x) => x.node)));
        }
      }
      out.push(
        rc(MODIFIED, MASK_MOD, MASK_VLM_DFN, `Volume definition with number '${nr}' on resource definition '${rd.name}' modified.`, {
          details: `Volume definition with number '${nr}' on resource definition '${rd.name}' UUID is: ${vd.uuid}`,
          obj_refs: { RscDfn: rd.name, VlmNr: String(nr) },
        }),
      );
      return out;
    });
    return rcReply(entries, 200);
  });
  r.add('DELETE', '/v1/resource-definitions/:rd/volume-definitions/:nr', async (req) => {
    const entries = await core.mutate(async () => {
      const name = req.params['rd'] ?? '';
      const nr = Number(req.params['nr']);
      const rd = findRd(core.state, name);
      const vd = rd ? findVd(rd, nr) : undefined;
      if (!rd || !vd) {
        return [rc(WARN_NOT_FOUND, MASK_DEL, MASK_VLM_DFN, `Volume definition with number '${req.params['nr'] ?? ''}' not found in resource definition '${name}'.`)];
      }
      const inUse = rd.resources.find((x) => x.drbd.role === 'Primary');
      if (inUse) fail(FAIL_IN_USE, MASK_DEL, MASK_VLM_DFN, `Resource '${rd.name}' is still in use.`, { cause: `Resource is mounted/in use on node '${inUse.node}'.` });
      await core.removeVdData(rd, vd);
      rd.vds = rd.vds.filter((v) => v !== vd);
      return [
        rc(DELETED, MASK_DEL, MASK_VLM_DFN, `Volume definition with number '${nr}' of resource definition '${rd.name}' deleted.`, {
          details: `Volume definition with number '${nr}' of resource definition '${rd.name}' UUID was: ${vd.uuid}`,
          obj_refs: { RscDfn: rd.name, VlmNr: String(nr) },
        }),
      ];
    });
    return rcReply(entries, 200);
  });
}
