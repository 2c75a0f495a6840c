/** Snapshots (create, multi, list, view, get, delete, restore, rollback) and clone. */
import { canClone, canSnapshot, rdPools } from '../providers.js';
// The clone refusal's code is modelled (status and message are measured).
import { FAIL_INVLD_STOR_DRIVER } from '../../linstor/apicallrc.js';
import { rm, truncate } from 'node:fs/promises';
import type { ApiCallRc } from '../../linstor/types.js';
import {
  CREATED,
  DELETED,
  FAIL_EXISTS_RSC,
  FAIL_EXISTS_RSC_DFN,
  FAIL_EXISTS_SNAPSHOT_DFN,
  FAIL_EXISTS_VLM_DFN,
  FAIL_IN_USE,
  FAIL_INVLD_RSC_NAME,
  FAIL_INVLD_SNAPSHOT_NAME,
  FAIL_NOT_ALL_UPTODATE,
  FAIL_NOT_CONNECTED,
  FAIL_SNAPSHOTS_NOT_SUPPORTED,
  FAIL_NOT_ENOUGH_FREE_SPACE,
  FAIL_NOT_ENOUGH_NODES,
  FAIL_NOT_FOUND_RSC_DFN,
  FAIL_NOT_FOUND_SNAPSHOT,
  FAIL_NOT_FOUND_SNAPSHOT_DFN,
  FAIL_SNAPSHOT_NOT_UPTODATE,
  MASK_CRT,
  MASK_DEL,
  MASK_MOD,
  MASK_RSC,
  MASK_RSC_DFN,
  MASK_SNAPSHOT,
  MODIFIED,
  WARN_NOT_FOUND,
} from './codes.js';
import { allFiles, nodeFile } from '../replication.js';
import type { Core } from '../core.js';
import { diskState } from '../drbd.js';
import { ApiFailure, type Router, fail, jsonBody, listParam, ok, page, rc, rcReply } from '../http.js';
import { withBits } from '../replies.js';
import { addRsc, maintain, settle } from '../lifecycle.js';
import { validRscName, validSnapName } from '../names.js';
import { validateProps } from '../props.js';
import { snapshotJson } from '../render.js';
import { type Props, type RdRec, type SnapRec, diskful, findNode, findPool, findRd, findSnap, rscPool, same, uuid } from '../state.js';
import { needNode, needRd, needRg } from './common.js';
import { addVd } from './rds.js';

interface SnapReq {
  name?: string;
  resource_name?: string;
  nodes?: string[];
  snapshot_definition_props?: Props;
}

/** Validates a snapshot request; returns the RD and the nodes to snapshot on. */
function checkSnap(core: Core, rdName: string, req: SnapReq): { rd: RdRec; nodes: string[]; name: string } {
  const rd = needRd(core, rdName, MASK_CRT, MASK_SNAPSHOT);
  const name = req.name ?? '';
  if (!validSnapName(name)) fail(FAIL_INVLD_SNAPSHOT_NAME, MASK_CRT, MASK_SNAPSHOT, `The specified snapshot name '${name}' is invalid.`);
  if (findSnap(core.state, rd.name, name)) {
    fail(FAIL_EXISTS_SNAPSHOT_DFN, MASK_CRT, MASK_SNAPSHOT, `A snapshot definition with the name '${name}' already exists in resource definition '${rd.name}'.`, {
      obj_refs: { RscDfn: rd.name, Snapshot: name },
    });
  }
  validateProps('snap', req.snapshot_definition_props ?? {}, undefined, MASK_CRT, MASK_SNAPSHOT);
  const disk = diskful(rd);
  if (disk.length === 0) {
    fail(FAIL_NOT_ENOUGH_NODES, MASK_CRT, MASK_SNAPSHOT, `Resource '${rd.name}' has no diskful resource to take a snapshot of.`, { obj_refs: { RscDfn: rd.name } });
  }
  let nodes = disk.map((r) => r.node);
  if (req.nodes && req.nodes.length > 0) {
    nodes = req.nodes.map((n) => {
      const r = disk.find((x) => same(x.node, n));
      if (!r) fail(FAIL_NOT_ENOUGH_NODES, MASK_CRT, MASK_SNAPSHOT, `Resource '${rd.name}' has no diskful resource on node '${n}'.`);
      return r.node;
    });
  }
  const noSnap = rdPools(core, rd).find((p) => nodes.some((n) => same(n, p.node)) && !canSnapshot(p));
  if (noSnap) {
    fail(FAIL_SNAPSHOTS_NOT_SUPPORTED, MASK_CRT, MASK_SNAPSHOT, `Storage driver '${noSnap.kind}' does not support snapshots.`, { obj_refs: { RscDfn: rd.name, Snapshot: name } });
  }
  const offline = nodes.find((n) => !findNode(core.state, n)?.online);
  if (offline) {
    fail(FAIL_NOT_CONNECTED, MASK_CRT, MASK_SNAPSHOT, `No active connection to satellite '${offline}'`, { obj_refs: { RscDfn: rd.name, Node: offline } });
  }
  const now = core.now();
  const bad = disk.filter((r) => nodes.includes(r.node)).find((r) => rd.vds.some((v) => diskState(r, v.nr, now) !== 'UpToDate'));
  if (bad) fail(FAIL_SNAPSHOT_NOT_UPTODATE, MASK_CRT, MASK_SNAPSHOT, `Resource '${rd.name}' on node '${bad.node}' is not UpToDate.`);
  return { rd, nodes, name };
}

/** LINSTOR numbers an RD's snapshots (`SequenceNumber` in the snapshot definition's props). */
function nextSequence(core: Core, rd: string): number {
  const seen = core.state.snapshots.filter((x) => same(x.rd, rd)).map((x) => Number(x.props['SequenceNumber'] ?? 0));
  return Math.max(0, ...seen) + 1;
}

/** Takes the snapshots under the caller's lock: flush every member first (IO "suspended"), then copy. */
async function take(core: Core, reqs: { rd: RdRec; nodes: string[]; name: string; props: Props }[]): Promise<ApiCallRc[]> {
  const out: ApiCallRc[] = [];
  const made: SnapRec[] = [];
  try {
    for (const x of reqs) for (const vd of x.rd.vds) for (const f of allFiles(vd)) await core.sats.flush(f);
    for (const x of reqs) {
      const snap: SnapRec = {
        name: x.name,
        rd: x.rd.name,
        uuid: uuid(),
        nodes: x.nodes,
        flags: [],
        props: { SequenceNumber: String(nextSequence(core, x.rd.name)), ...x.props },
        createTs: core.now(),
        vols: [],
        rdProps: { ...x.rd.props },
        pools: Object.fromEntries(diskful(x.rd).filter((r) => x.nodes.includes(r.node)).map((r) => [r.node, rscPool(r)])),
      };
      made.push(snap);
      for (const vd of x.rd.vds) {
        const file = `snapshots/${x.rd.uuid}/${snap.uuid}/${vd.nr}.img`;
        // Diverged replicas (split brain): the data of the node the snapshot was taken on.
        const from = nodeFile(vd, x.nodes[0] ?? '');
        if (from) await core.sats.copySparse(from, file);
        else await core.sats.createFile(file, vd.sizeKib);
        snap.vols.push({ nr: vd.nr, sizeKib: vd.sizeKib, file, props: {} });
      }
      snap.flags = ['SUCCESSFUL'];
      core.state.snapshots.push(snap);
      const refs = { RscDfn: x.rd.name, Snapshot: x.name };
      out.push(
        rc(CREATED, MASK_CRT, MASK_SNAPSHOT, `New snapshot '${x.name}' of resource '${x.rd.name}' registered.`, {
          details: `Snapshot '${x.name}' of resource '${x.rd.name}' UUID is: ${snap.uuid}`,
          obj_refs: refs,
        }),
      );
      for (const n of x.nodes) out.push(rc(MODIFIED, MASK_CRT, MASK_SNAPSHOT, `Suspended IO of '[${x.rd.name}]' on '${n}' for snapshot`, { obj_refs: refs }));
      for (const n of x.nodes) out.push(rc(MODIFIED, MASK_CRT, MASK_SNAPSHOT, `Took snapshot of '[${x.rd.name}]' on '${n}'`, { obj_refs: refs }));
      for (const n of x.nodes) out.push(rc(MODIFIED, MASK_CRT, MASK_SNAPSHOT, `Resumed IO of '[${x.rd.name}]' on '${n}' after snapshot`, { obj_refs: refs }));
    }
  } catch (e) {
    for (const s of made) await rm(core.sats.abs(`snapshots/${findRd(core.state, s.rd)?.uuid ?? 'x'}/${s.uuid}`), { recursive: true, force: true });
    throw e;
  }
  return out;
}

async function removeSnapFiles(core: Core, s: SnapRec): Promise<void> {
  for (const v of s.vols) await rm(core.sats.abs(v.file), { force: true });
  const dir = s.vols[0]?.file.replace(/\/[^/]+$/, '');
  if (dir) await rm(core.sats.abs(dir), { recursive: true, force: true });
}

function needSnap(core: Core, rd: RdRec, name: string, code = FAIL_NOT_FOUND_SNAPSHOT, op = 0n): SnapRec {
  const s = findSnap(core.state, rd.name, name);
  if (!s) {
    // The real controller's snapshot not-found answers carry no object bits.
    fail(code, op, 0n, code === FAIL_NOT_FOUND_SNAPSHOT ? `Snapshot '${name}' not found.` : `Snapshot definition '${name}' of resource '${rd.name}' not found.`, {
      obj_refs: { RscDfn: rd.name, Snapshot: name },
    });
  }
  return s;
}

type SnapTake = { rd: RdRec; nodes: string[]; name: string; props: Props };

async function createOne(core: Core, rdName: string, body: SnapReq): Promise<ApiCallRc[]> {
  return core.mutate(async () => {
    const x = checkSnap(core, rdName, body);
    return take(core, [{ ...x, props: body.snapshot_definition_props ?? {} }]);
  });
}

async function createMulti(core: Core, body: { snapshots?: SnapReq[] }): Promise<ApiCallRc[]> {
  return core.mutate(async () => {
    const list: SnapTake[] = (body.snapshots ?? []).map((s) => ({ ...checkSnap(core, s.resource_name ?? '', s), props: s.snapshot_definition_props ?? {} }));
    const seen = new Set<string>();
    for (const x of list) {
      const k = `${x.rd.name.toUpperCase()}/${x.name.toUpperCase()}`;
      if (seen.has(k)) fail(FAIL_EXISTS_SNAPSHOT_DFN, MASK_CRT, MASK_SNAPSHOT, `Snapshot '${x.name}' of resource '${x.rd.name}' requested twice.`);
      seen.add(k);
    }
    return take(core, list);
  });
}

function viewSnapshots(core: Core, q: URLSearchParams): SnapRec[] {
  const nodes = listParam(q, 'nodes');
  const rscs = listParam(q, 'resources');
  const snaps = listParam(q, 'snapshots');
  return core.state.snapshots
    .filter((s) => rscs.length === 0 || rscs.some((x) => same(x, s.rd)))
    .filter((s) => snaps.length === 0 || snaps.some((x) => same(x, s.name)))
    .filter((s) => nodes.length === 0 || s.nodes.some((n) => nodes.some((x) => same(x, n))));
}

async function deleteSnapshot(core: Core, rdName: string, name: string, nodes: string[]): Promise<ApiCallRc[]> {
  return core.mutate(async () => {
    const s = findSnap(core.state, rdName, name);
    if (!s) return [rc(WARN_NOT_FOUND, MASK_DEL, MASK_SNAPSHOT, `Snapshot '${name}' of resource '${rdName}' not found.`, { obj_refs: { RscDfn: rdName, Snapshot: name } })];
    const refs = { RscDfn: s.rd, Snapshot: s.name };
    if (nodes.length > 0) {
      s.nodes = s.nodes.filter((n) => !nodes.some((x) => same(x, n)));
      if (s.nodes.length > 0) return [rc(DELETED, MASK_DEL, MASK_SNAPSHOT, `Snapshot '${s.name}' of resource '${s.rd}' deleted from nodes ${nodes.join(', ')}.`, { obj_refs: refs })];
    }
    await removeSnapFiles(core, s);
    core.state.snapshots = core.state.snapshots.filter((x) => x !== s);
    return [
      rc(DELETED, MASK_DEL, MASK_SNAPSHOT, `Snapshot '${s.name}' of resource '${s.rd}' deleted.`, {
        details: `Snapshot '${s.name}' of resource '${s.rd}' UUID was: ${s.uuid}`,
        obj_refs: refs,
      }),
    ];
  });
}

function registerSnapshotCrud(r: Router, core: Core): void {
  r.add('POST', '/v1/resource-definitions/:rd/snapshots', async (req) => rcReply(await createOne(core, req.params['rd'] ?? '', jsonBody<SnapReq>(req)), 201));
  r.add('POST', '/v1/actions/snapshot/multi', async (req) => rcReply(await createMulti(core, jsonBody<{ snapshots?: SnapReq[] }>(req)), 201));
  r.add('GET', '/v1/resource-definitions/:rd/snapshots', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    const list = core.state.snapshots.filter((s) => same(s.rd, rd.name));
    return ok(page(list, req.query).map((s) => snapshotJson(core, s)));
  });
  r.add('GET', '/v1/resource-definitions/:rd/snapshots/:snap', (req) => {
    const rd = needRd(core, req.params['rd'] ?? '');
    return ok(snapshotJson(core, needSnap(core, rd, req.params['snap'] ?? '')));
  });
  r.add('GET', '/v1/view/snapshots', (req) => ok(page(viewSnapshots(core, req.query), req.query).map((s) => snapshotJson(core, s))));
  r.add('DELETE', '/v1/resource-definitions/:rd/snapshots/:snap', async (req) =>
    rcReply(await deleteSnapshot(core, req.params['rd'] ?? '', req.params['snap'] ?? '', listParam(req.query, 'nodes')), 200),
  );
}

/** Restores the snapshot's volume definitions into an empty RD (answered SNAPSHOT|CREATE, as LINSTOR does). */
function restoreVolumeDefinitions(core: Core, srcName: string, snapName: string, toName: string): ApiCallRc[] {
  const src = needRd(core, srcName, MASK_CRT, MASK_SNAPSHOT);
  const snap = needSnap(core, src, snapName, FAIL_NOT_FOUND_SNAPSHOT_DFN, MASK_CRT);
  const target = needRd(core, toName, MASK_CRT, MASK_RSC_DFN);
  if (target.resources.length > 0) {
    fail(FAIL_EXISTS_RSC, MASK_CRT, MASK_RSC_DFN, 'Cannot restore to resource definition which already has resources', { obj_refs: { RscDfn: target.name } });
  }
  const out: ApiCallRc[] = [];
  for (const v of snap.vols) {
    if (target.vds.some((x) => x.nr === v.nr)) {
      fail(FAIL_EXISTS_VLM_DFN, MASK_CRT, MASK_RSC_DFN, `A volume definition with the number ${v.nr} already exists in resource definition '${target.name}'.`);
    }
    out.push(withBits(addVd(core, target, v.nr, v.sizeKib, {}), MASK_CRT, MASK_SNAPSHOT));
  }
  out.push(
    rc(CREATED, MASK_CRT, MASK_SNAPSHOT, `Volume definitions of resource definition '${target.name}' restored from resource '${src.name}', snapshot '${snap.name}'.`, {
      obj_refs: { RscDfn: target.name, Snapshot: snap.name },
    }),
  );
  return out;
}

interface RestoreReq {
  to_resource?: string;
  nodes?: string[];
  stor_pool_rename?: Record<string, string>;
}

/** Where each restored replica goes, checked before any data is copied. */
function restorePlan(core: Core, snap: SnapRec, target: RdRec, body: RestoreReq): { node: string; pool: string }[] {
  const nodes = body.nodes && body.nodes.length > 0 ? body.nodes : snap.nodes;
  return nodes.map((n) => {
    const node = needNode(core, n, MASK_CRT, MASK_RSC);
    const srcNode = snap.nodes.find((x) => same(x, node.name));
    if (!srcNode) fail(FAIL_NOT_FOUND_SNAPSHOT, MASK_CRT, 0n, `Snapshot '${snap.name}' of resource '${snap.rd}' not found on node '${node.name}'.`);
    const oldPool = snap.pools[srcNode] ?? 'DfltStorPool';
    const pool = body.stor_pool_rename?.[oldPool] ?? oldPool;
    const poolRec = findPool(core.state, node.name, pool);
    if (!poolRec) fail(FAIL_NOT_FOUND_SNAPSHOT, MASK_CRT, 0n, `Storage pool '${pool}' on node '${node.name}' not found.`);
    const need = target.vds.reduce((a, v) => a + v.sizeKib, 0);
    if (core.freeKib(node.name, poolRec.name) < need) {
      fail(FAIL_NOT_ENOUGH_FREE_SPACE, MASK_CRT, MASK_RSC, `Not enough free space in storage pool '${poolRec.name}' on node '${node.name}'.`);
    }
    return { node: node.name, pool: poolRec.name };
  });
}

/** Copies the snapshot's data into the target's volumes (grown to the target's size). */
async function copySnapshotData(core: Core, snap: SnapRec, target: RdRec): Promise<void> {
  for (const vd of target.vds) {
    const sv = snap.vols.find((v) => v.nr === vd.nr);
    if (!sv) continue;
    vd.file = core.volFile(target, vd);
    await core.sats.copySparse(sv.file, vd.file);
    if (vd.sizeKib * 1024 > sv.sizeKib * 1024) await truncate(core.sats.abs(vd.file), vd.sizeKib * 1024);
  }
}

async function restoreResources(core: Core, srcName: string, snapName: string, body: RestoreReq): Promise<ApiCallRc[]> {
  const src = needRd(core, srcName, MASK_CRT, MASK_SNAPSHOT);
  const snap = needSnap(core, src, snapName, FAIL_NOT_FOUND_SNAPSHOT_DFN, MASK_CRT);
  const target = needRd(core, body.to_resource ?? '', MASK_CRT, MASK_RSC);
  if (target.resources.length > 0) {
    fail(FAIL_EXISTS_RSC, MASK_CRT, MASK_RSC, 'Cannot restore to resource definition which already has resources', { obj_refs: { RscDfn: target.name } });
  }
  if (!snap.flags.includes('SUCCESSFUL')) fail(FAIL_SNAPSHOT_NOT_UPTODATE, MASK_CRT, MASK_SNAPSHOT, `Snapshot '${snap.name}' is not successful yet.`);
  const out: ApiCallRc[] = [];
  if (target.vds.length === 0) out.push(rc(WARN_NOT_FOUND, MASK_CRT, MASK_RSC, 'No volumes to restore.', { obj_refs: { RscDfn: target.name } }));
  const plan = restorePlan(core, snap, target, body);
  await copySnapshotData(core, snap, target); // data first, then the resources that use it
  try {
    out.push(rc(CREATED, MASK_CRT, MASK_RSC, `Resource '${target.name}' restored from resource '${src.name}', snapshot '${snap.name}'.`, { obj_refs: { RscDfn: target.name } }));
    for (const p of plan) out.push(...addRsc(core, target, { node: p.node, diskless: false, pool: p.pool }));
    const m = maintain(core, target);
    out.push(...m.entries);
    await settle(core, target, m.removed);
  } catch (e) {
    await core.dropData(target);
    throw e;
  }
  return out;
}

async function rollback(core: Core, rdName: string, snapName: string): Promise<ApiCallRc[]> {
  const rd = needRd(core, rdName, MASK_MOD, MASK_SNAPSHOT);
  const snap = needSnap(core, rd, snapName, FAIL_NOT_FOUND_SNAPSHOT_DFN, MASK_MOD);
  const inUse = rd.resources.find((x) => x.drbd.role === 'Primary');
  if (inUse) {
    fail(FAIL_IN_USE, MASK_MOD, MASK_SNAPSHOT, `Resource '${rd.name}' is still in use.`, {
      cause: `Resource is mounted/in use on node '${inUse.node}'.`,
      obj_refs: { RscDfn: rd.name, Snapshot: snap.name },
    });
  }
  for (const v of snap.vols) {
    const vd = rd.vds.find((x) => x.nr === v.nr);
    if (!vd?.file) continue;
    await core.sats.copySparse(v.file, vd.file);
    await truncate(core.sats.abs(vd.file), vd.sizeKib * 1024);
    await core.sats.flush(vd.file);
  }
  return [rc(MODIFIED, MASK_MOD, MASK_SNAPSHOT, `Resource '${rd.name}' rolled back to snapshot '${snap.name}'.`, { obj_refs: { RscDfn: rd.name, Snapshot: snap.name } })];
}

function registerRestore(r: Router, core: Core): void {
  r.add('POST', '/v1/resource-definitions/:rd/snapshot-restore-volume-definition/:snap', async (req) => {
    const body = jsonBody<{ to_resource?: string }>(req);
    req.rd = body.to_resource;
    const entries = await core.mutate(() => restoreVolumeDefinitions(core, req.params['rd'] ?? '', req.params['snap'] ?? '', body.to_resource ?? ''));
    return rcReply(entries, 200);
  });
  r.add('POST', '/v1/resource-definitions/:rd/snapshot-restore-resource/:snap', async (req) => {
    const body = jsonBody<RestoreReq>(req);
    req.rd = body.to_resource;
    return rcReply(await core.mutate(() => restoreResources(core, req.params['rd'] ?? '', req.params['snap'] ?? '', body)), 200);
  });
  r.add('POST', '/v1/resource-definitions/:rd/snapshot-rollback/:snap', async (req) => {
    jsonBody<Record<string, unknown>>(req, true);
    return rcReply(await core.mutate(() => rollback(core, req.params['rd'] ?? '', req.params['snap'] ?? '')), 200);
  });
}

interface CloneReq {
  name?: string;
  external_name?: string;
  resource_group?: string;
  override_props?: Props;
  delete_props?: string[];
  delete_namespaces?: string[];
  layer_list?: string[];
}

/** The source RD, checked: a new valid name, diskful replicas all UpToDate and online. */
function checkClone(core: Core, srcName: string, body: CloneReq): { src: RdRec; name: string } {
  const src = needRd(core, srcName, MASK_CRT, MASK_RSC_DFN);
  const name = body.name ?? '';
  if (name === '' && !body.external_name) fail(FAIL_INVLD_RSC_NAME, MASK_CRT, MASK_RSC_DFN, 'No name for the cloned resource was specified.');
  if (!validRscName(name)) fail(FAIL_INVLD_RSC_NAME, MASK_CRT, MASK_RSC_DFN, `The specified resource name '${name}' is invalid.`);
  if (findRd(core.state, name)) fail(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN, `A resource definition with the name '${name}' already exists`, { obj_refs: { RscDfn: name } });
  const disk = diskful(src);
  if (disk.length === 0) fail(FAIL_NOT_ENOUGH_NODES, MASK_CRT, MASK_RSC_DFN, 'Not enough available nodes', { details: `Resource '${src.name}' has no diskful replica to clone.` });
  // Measured: LINSTOR 1.33 answers 500 with this message for FILE_THIN pools (the ret code is modelled).
  if (rdPools(core, src).some((p) => !canClone(p))) fail(FAIL_INVLD_STOR_DRIVER, MASK_CRT, MASK_RSC_DFN, 'Clone source contains unsupported storage pools');
  const now = core.now();
  const bad = disk.find((x) => src.vds.some((v) => diskState(x, v.nr, now) !== 'UpToDate') || !findNode(core.state, x.node)?.online);
  if (bad) fail(FAIL_NOT_ALL_UPTODATE, MASK_CRT, MASK_RSC_DFN, `Resource '${src.name}' is not UpToDate on node '${bad.node}'.`);
  return { src, name };
}

/** The clone's props: the source's (minus a LINSTOR-set quorum), then the request's changes. */
function cloneProps(src: RdRec, body: CloneReq): Props {
  const props: Props = {};
  for (const [k, v] of Object.entries(src.props)) if (k !== 'DrbdOptions/Resource/quorum' || !src.quorumByLinstor) props[k] = v;
  for (const k of body.delete_props ?? []) delete props[k];
  for (const ns of body.delete_namespaces ?? []) for (const k of Object.keys(props)) if (k.startsWith(`${ns}/`)) delete props[k];
  validateProps('rd', body.override_props ?? {}, undefined, MASK_CRT, MASK_RSC_DFN);
  Object.assign(props, body.override_props ?? {});
  props['cloned-from'] = src.name;
  return props;
}

/** Registers the clone RD (CLONING) with its VDs and replicas where the source has them. */
function registerCloneRd(core: Core, src: RdRec, name: string, body: CloneReq): ApiCallRc[] {
  const rd: RdRec = {
    name,
    uuid: uuid(),
    ...(body.external_name ? { externalName: body.external_name } : {}),
    props: cloneProps(src, body),
    flags: ['CLONING'],
    layerStack: body.layer_list && body.layer_list.length > 0 ? body.layer_list.map((l) => l.toUpperCase()) : [...src.layerStack],
    rg: body.resource_group ? needRg(core, body.resource_group, MASK_CRT, MASK_RSC_DFN).name : src.rg,
    port: Math.max(7000, ...core.state.rds.map((x) => x.port + 1)),
    secret: src.secret,
    peerSlots: src.peerSlots,
    vds: [],
    resources: [],
    quorumByLinstor: false,
  };
  core.state.rds.push(rd);
  const out = [rc(CREATED, MASK_CRT, MASK_RSC_DFN, `New resource definition '${name}' created.`, { details: `Resource definition '${name}' UUID is: ${rd.uuid}`, obj_refs: { RscDfn: name } })];
  for (const v of src.vds) out.push(addVd(core, rd, v.nr, v.sizeKib, { ...v.props }));
  for (const x of diskful(src)) {
    const pool = rscPool(x);
    if (core.freeKib(x.node, pool) < rd.vds.reduce((a, v) => a + v.sizeKib, 0)) {
      fail(FAIL_NOT_ENOUGH_NODES, MASK_CRT, MASK_RSC, 'Not enough available nodes', { details: `Storage pool '${pool}' on node '${x.node}' is too full for the clone.` });
    }
    out.push(...addRsc(core, rd, { node: x.node, diskless: false, pool }));
  }
  return out;
}

function cloneStatus(core: Core, name: string): string {
  const rd = findRd(core.state, name);
  if (!rd || rd.props['cloned-from'] === undefined) fail(FAIL_NOT_FOUND_RSC_DFN, 0n, 0n, 'Cloned resource not found.');
  if (rd.flags.includes('FAILED') || rd.resources.some((x) => !findNode(core.state, x.node)?.online)) return 'FAILED';
  if (rd.flags.includes('CLONING') || core.deployingClones.has(rd.name.toUpperCase())) return 'CLONING';
  return 'COMPLETE';
}

function registerClone(r: Router, core: Core): void {
  r.add('POST', '/v1/resource-definitions/:rd/clone', async (req) => {
    const body = jsonBody<CloneReq>(req);
    const srcName = req.params['rd'] ?? '';
    req.rd = body.name;
    const answer = { location: `/v1/resource-definitions/${srcName}/clone/${body.name ?? ''}`, source_name: srcName, clone_name: body.name };
    try {
      const result = await core.mutate(() => {
        const { src, name } = checkClone(core, srcName, body);
        const out = registerCloneRd(core, src, name, body);
        return { out, rd: name, src: src.name, pairs: src.vds.map((v) => ({ from: v.file, nr: v.nr })) };
      });
      core.track(runClone(core, result.src, result.rd, result.pairs));
      return { status: 201, body: { ...answer, messages: result.out } };
    } catch (e) {
      if (e instanceof ApiFailure) return { status: 500, body: { ...answer, messages: e.entries } };
      throw e;
    }
  });
  r.add('GET', '/v1/resource-definitions/:rd/clone/:clone', (req) => {
    req.rd = req.params['clone'];
    return ok({ status: cloneStatus(core, req.params['clone'] ?? '') });
  });
}

export function register(r: Router, core: Core): void {
  registerSnapshotCrud(r, core);
  registerRestore(r, core);
  registerClone(r, core);
}

/** Copies the source's data in the background, then deploys the clone and clears CLONING. */
async function runClone(core: Core, srcName: string, cloneName: string, pairs: { from: string | undefined; nr: number }[]): Promise<void> {
  const made: string[] = [];
  try {
    const target = await core.mutate(() => {
      const rd = findRd(core.state, cloneName);
      if (!rd) throw new Error('clone target vanished');
      return { uuid: rd.uuid };
    });
    for (const p of pairs) {
      const to = `volumes/${target.uuid}/${p.nr}.img`;
      if (p.from) {
        await core.mutate(() => core.sats.flush(p.from ?? ''));
        await core.sats.copySparse(p.from, to);
      }
      made.push(to);
    }
    await core.mutate(async () => {
      const rd = findRd(core.state, cloneName);
      if (!rd) throw new Error('clone target vanished');
      for (const vd of rd.vds) {
        const f = `volumes/${rd.uuid}/${vd.nr}.img`;
        if (made.includes(f)) vd.file = f;
      }
      // Like LINSTOR, the clone is COMPLETE only once its devices are up: readers polling the
      // status between clearing the flag and the deployment must still see CLONING.
      const key = rd.name.toUpperCase();
      core.deployingClones.add(key);
      try {
        rd.flags = rd.flags.filter((f) => f !== 'CLONING');
        const m = maintain(core, rd);
        await settle(core, rd, m.removed);
      } finally {
        core.deployingClones.delete(key);
      }
    });
    core.log.debug({ src: srcName, clone: cloneName }, 'clone complete');
  } catch (e) {
    core.log.warn({ src: srcName, clone: cloneName, err: (e as Error).message }, 'clone failed');
    if (core.isStopped) return;
    await core
      .mutate(() => {
        const rd = findRd(core.state, cloneName);
        if (rd) rd.flags = rd.flags.filter((f) => f !== 'CLONING').concat('FAILED');
      })
      .catch(() => undefined);
  }
}

export { MASK_RSC };
