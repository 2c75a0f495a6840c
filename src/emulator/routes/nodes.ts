/** Nodes (list/get/modify props) and storage pools (view, per-node list/get). */
import { FAIL_NOT_FOUND_STOR_POOL, MASK_MOD, MASK_NODE, MODIFIED } from '../../linstor/apicallrc.js';
import type { Core } from '../core.js';
import { type Router, fail, jsonBody, listParam, ok, page, propsMatch, rc, rcReply } from '../http.js';
import { applyPropsModify, type PropsModify } from '../props.js';
import { nodeJson, poolJson } from '../render.js';
import { same } from '../state.js';
import { needNode } from './common.js';

export function register(r: Router, core: Core): void {
  r.add('GET', '/v1/nodes', (req) => {
    const names = listParam(req.query, 'nodes');
    const props = req.query.getAll('props');
    const list = core.state.nodes
      .filter((n) => names.length === 0 || names.some((x) => same(x, n.name)))
      .filter((n) => propsMatch(n.props, props));
    return ok(page(list, req.query).map(nodeJson));
  });
  r.add('GET', '/v1/nodes/:node', (req) => ok(nodeJson(needNode(core, req.params['node'] ?? ''))));
  r.add('PUT', '/v1/nodes/:node', async (req) => {
    const body = jsonBody<PropsModify>(req);
    const entries = await core.mutate(() => {
      const n = needNode(core, req.params['node'] ?? '', MASK_MOD, MASK_NODE);
      const out = applyPropsModify('node', n.props, body, MASK_NODE);
      out.push(rc(MODIFIED, MASK_MOD, MASK_NODE, `Node '${n.name}' modified.`, { details: `Node '${n.name}' UUID is: ${n.uuid}`, obj_refs: { Node: n.name } }));
      return out;
    });
    return rcReply(entries, 200);
  });

  r.add('GET', '/v1/view/storage-pools', (req) => {
    const nodes = listParam(req.query, 'nodes');
    const pools = listParam(req.query, 'storage_pools');
    const props = req.query.getAll('props');
    const list = core.state.pools
      .filter((p) => nodes.length === 0 || nodes.some((x) => same(x, p.node)))
      .filter((p) => pools.length === 0 || pools.some((x) => same(x, p.name)))
      .filter((p) => propsMatch(p.props, props))
      .sort((a, b) => (a.node === b.node ? (a.name < b.name ? -1 : 1) : a.node < b.node ? -1 : 1));
    return ok(page(list, req.query).map((p) => poolJson(core, p)));
  });
  r.add('GET', '/v1/nodes/:node/storage-pools', (req) => {
    const node = needNode(core, req.params['node'] ?? '').name;
    return ok(page(core.state.pools.filter((p) => same(p.node, node)), req.query).map((p) => poolJson(core, p)));
  });
  r.add('GET', '/v1/nodes/:node/storage-pools/:pool', (req) => {
    const n = needNode(core, req.params['node'] ?? '');
    const name = req.params['pool'] ?? '';
    const p = core.state.pools.find((x) => same(x.node, n.name) && same(x.name, name));
    if (!p) fail(FAIL_NOT_FOUND_STOR_POOL, 0n, 0n, `Storage pool '${name}' on node '${n.name}' not found.`, { obj_refs: { Node: n.name, StorPoolDfn: name } });
    return ok(poolJson(core, p));
  });
}
