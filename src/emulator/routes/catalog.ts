/**
 * Endpoints a real controller has that the emulator models only as far as clients need:
 * remotes (none), error reports (none), the key-value store and resource-group volume groups.
 */
import {
  CREATED,
  DELETED,
  FAIL_EXISTS_VLM_GRP,
  FAIL_INVLD_VLM_NR,
  FAIL_NOT_FOUND_KVS,
  FAIL_NOT_FOUND_VLM_GRP,
  MASK_CRT,
  MASK_DEL,
  MASK_KVS,
  MASK_VLM_GRP,
  WARN_NOT_FOUND,
} from './codes.js';
import type { Core } from '../core.js';
import { type Router, fail, jsonBody, ok, rc, rcReply } from '../http.js';
import { applyPropsModify, type PropsModify, validateProps } from '../props.js';
import { type Props, lowestFree, same, uuid } from '../state.js';
import { int, needRg } from './common.js';

function registerRemotes(r: Router): void {
  // No remotes exist: the lists are empty and Jackson leaves them out.
  r.add('GET', '/v1/remotes', () => ok({}));
  r.add('GET', '/v1/remotes/s3', () => ok([]));
  r.add('GET', '/v1/remotes/linstor', () => ok([]));
  r.add('GET', '/v1/remotes/ebs', () => ok([]));
  r.add('GET', '/v1/error-reports', () => ok([]));
}

function kvsJson(name: string, props: Props): unknown {
  return Object.keys(props).length > 0 ? { name, props } : { name };
}

function registerKvs(r: Router, core: Core): void {
  const store = (): Record<string, Props> => (core.state.kvs ??= {});
  const find = (name: string): string | undefined => Object.keys(store()).find((k) => same(k, name));
  r.add('GET', '/v1/key-value-store', () => ok(Object.entries(store()).map(([n, p]) => kvsJson(n, p))));
  r.add('GET', '/v1/key-value-store/:kvs', (req) => {
    const name = req.params['kvs'] ?? '';
    const key = find(name);
    if (key === undefined) fail(FAIL_NOT_FOUND_KVS, 0n, MASK_KVS, `Could not find key value store instance '${name}'`, { obj_refs: { KeyValueStore: name } });
    // A one-element list, as the real controller answers (golinstor's Get expects exactly one).
    return ok([kvsJson(key, store()[key] ?? {})]);
  });
  r.add('PUT', '/v1/key-value-store/:kvs', async (req) => {
    const body = jsonBody<PropsModify>(req);
    const name = req.params['kvs'] ?? '';
    const entries = await core.mutate(() => {
      const key = find(name) ?? name;
      const props = (store()[key] ??= {});
      const out = applyPropsModify('kvs', props, body, MASK_KVS);
      return out.length > 0 ? out : [rc(CREATED, MASK_CRT, MASK_KVS, `Key value store '${key}' modified.`, { obj_refs: { KeyValueStore: key } })];
    });
    return rcReply(entries, 200);
  });
  r.add('DELETE', '/v1/key-value-store/:kvs', async (req) => {
    const name = req.params['kvs'] ?? '';
    const entries = await core.mutate(() => {
      const key = find(name);
      if (key === undefined) return [rc(WARN_NOT_FOUND, MASK_DEL, MASK_KVS, `Key value store '${name}' not found.`, { obj_refs: { KeyValueStore: name } })];
      delete store()[key];
      return [rc(DELETED, MASK_DEL, MASK_KVS, `Key value store '${key}' deleted.`, { obj_refs: { KeyValueStore: key } })];
    });
    return rcReply(entries, 200);
  });
}

interface VgReq {
  volume_number?: number;
  props?: Props;
  flags?: string[];
}

function registerVolumeGroups(r: Router, core: Core): void {
  r.add('GET', '/v1/resource-groups/:rg/volume-groups', (req) => {
    const g = needRg(core, req.params['rg'] ?? '');
    return ok((g.vgs ?? []).map((v) => ({ volume_number: v.nr, ...(Object.keys(v.props).length ? { props: v.props } : {}), flags: [], uuid: v.uuid })));
  });
  r.add('POST', '/v1/resource-groups/:rg/volume-groups', async (req) => {
    const body = jsonBody<VgReq>(req);
    const entries = await core.mutate(() => {
      const g = needRg(core, req.params['rg'] ?? '', MASK_CRT, MASK_VLM_GRP);
      const vgs = (g.vgs ??= []);
      const nr = body.volume_number === undefined ? lowestFree(vgs.map((v) => v.nr), 0) : int(body.volume_number) ?? -1;
      if (!Number.isInteger(nr) || nr < 0 || nr > 31999) fail(FAIL_INVLD_VLM_NR, MASK_CRT, MASK_VLM_GRP, `Invalid volume number: ${String(nr)}`);
      if (vgs.some((v) => v.nr === nr)) fail(FAIL_EXISTS_VLM_GRP, MASK_CRT, MASK_VLM_GRP, `Volume group with number '${nr}' already exists in resource group '${g.name}'.`);
      validateProps('vd', body.props ?? {}, undefined, MASK_CRT, MASK_VLM_GRP);
      const vg = { nr, uuid: uuid(), props: { ...(body.props ?? {}) } };
      vgs.push(vg);
      return [
        rc(CREATED, MASK_CRT, MASK_VLM_GRP, `New volume group with number '${nr}' of resource group '${g.name}' created.`, {
          details: `Volume group with number '${nr}' of resource group '${g.name}' UUID is: ${vg.uuid}`,
          obj_refs: { RscGrp: g.name, VlmNr: String(nr) },
        }),
      ];
    });
    return rcReply(entries, 201);
  });
  r.add('DELETE', '/v1/resource-groups/:rg/volume-groups/:nr', async (req) => {
    const nr = Number(req.params['nr']);
    const entries = await core.mutate(() => {
      const g = needRg(core, req.params['rg'] ?? '', MASK_DEL, MASK_VLM_GRP);
      const vg = (g.vgs ?? []).find((v) => v.nr === nr);
      if (!vg) fail(FAIL_NOT_FOUND_VLM_GRP, MASK_DEL, MASK_VLM_GRP, `Volume group with number '${nr}' of resource group '${g.name}' not found.`);
      g.vgs = (g.vgs ?? []).filter((v) => v !== vg);
      return [rc(DELETED, MASK_DEL, MASK_VLM_GRP, `Volume group with number '${nr}' of resource group '${g.name}' deleted.`, { obj_refs: { RscGrp: g.name } })];
    });
    return rcReply(entries, 200);
  });
}

export function register(r: Router, core: Core): void {
  registerRemotes(r);
  registerKvs(r, core);
  registerVolumeGroups(r, core);
}
