/** Look-ups that answer like the controller when something is missing or misnamed. */
import {
  FAIL_INVLD_NODE_NAME,
  FAIL_INVLD_RSC_NAME,
  FAIL_NOT_FOUND_NODE,
  FAIL_NOT_FOUND_RSC,
  FAIL_NOT_FOUND_RSC_DFN,
  FAIL_NOT_FOUND_RSC_GRP,
} from '../../linstor/apicallrc.js';
import type { Core } from '../core.js';
import { fail, listParam, page, propsMatch } from '../http.js';
import { validNodeName, validRscName } from '../names.js';
import { type NodeRec, type RdRec, type RgRec, type RscRec, findNode, findRd, findRg, findRsc, same } from '../state.js';

export function needRd(core: Core, name: string, op = 0n, obj = 0n): RdRec {
  if (!validRscName(name)) fail(FAIL_INVLD_RSC_NAME, op, obj, `The specified resource name '${name}' is invalid.`);
  const rd = findRd(core.state, name);
  if (!rd) fail(FAIL_NOT_FOUND_RSC_DFN, op, obj, `Resource definition '${name}' not found.`, { obj_refs: { RscDfn: name } });
  return rd;
}

export function needNode(core: Core, name: string, op = 0n, obj = 0n): NodeRec {
  if (!validNodeName(name)) fail(FAIL_INVLD_NODE_NAME, op, obj, `The specified node name '${name}' is invalid.`);
  const n = findNode(core.state, name);
  // The real controller's node not-found answers carry no object bits (measured).
  if (!n) fail(FAIL_NOT_FOUND_NODE, op, 0n, `Node '${name}' not found.`, { obj_refs: { Node: name } });
  return n;
}

export function needRg(core: Core, name: string, op = 0n, obj = 0n): RgRec {
  const g = findRg(core.state, name);
  if (!g) fail(FAIL_NOT_FOUND_RSC_GRP, op, obj, `Resource group '${name}' not found.`, { obj_refs: { RscGrp: name } });
  return g;
}

export function needRsc(core: Core, rd: RdRec, node: string, op = 0n, obj = 0n): RscRec {
  const r = findRsc(rd, node);
  if (!r) fail(FAIL_NOT_FOUND_RSC, op, obj, `Resource '${rd.name}' on '${node}' not found.`, { obj_refs: { RscDfn: rd.name, Node: node } });
  return r;
}

export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function strList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/**
 * A list route's answer set: the objects named by the `param` query (all when none) whose props
 * match the `props` query, sorted by name as the controller sorts (case-insensitively), then paged.
 */
export function selectByName<T extends { name: string; props: Record<string, string> }>(items: readonly T[], q: URLSearchParams, param: string): T[] {
  const names = listParam(q, param);
  const props = q.getAll('props');
  const list = items
    .filter((d) => names.length === 0 || names.some((x) => same(x, d.name)))
    .filter((d) => propsMatch(d.props, props))
    .sort((a, b) => (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : 1));
  return page(list, q);
}
