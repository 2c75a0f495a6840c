/** The LINSTOR REST API groups, each built on the request plumbing (requests.ts). */
import { errorsOf } from './apicallrc.js';
import type {
  ControllerApi,
  LinstorClient,
  NodesApi,
  ResourceDefinitionsApi,
  ResourceGroupsApi,
  ResourcesApi,
  SnapshotsApi,
  StoragePoolsApi,
  VolumeDefinitionsApi,
} from './client.js';
import { LinstorApiError } from './errors.js';
import { type LinstorRequests, isNotFoundish, propsApplied, reqOpts, toApiError } from './requests.js';
import { seg, type QueryValue } from './transport.js';
import type {
  CloneStarted,
  CloneStatus,
  ControllerProps,
  ControllerVersion,
  MaxVolumeSizes,
  Node,
  QuerySizeInfoResponse,
  Resource,
  ResourceDefinition,
  ResourceGroup,
  ResourceWithVolumes,
  Snapshot,
  StoragePool,
  Volume,
  VolumeDefinition,
} from './types.js';

const RD = (rd: string): string => `/v1/resource-definitions/${seg(rd)}`;
const RG = (rg: string): string => `/v1/resource-groups/${seg(rg)}`;
/** The paging query of a list request. */
const page = (f: { offset?: number; limit?: number } | undefined): Record<string, QueryValue> => ({ offset: f?.offset, limit: f?.limit });

/** Controller version and properties. */
export function controllerApi(rq: LinstorRequests): ControllerApi {
  return {
    version: (o) => rq.get<ControllerVersion>('/v1/controller/version', undefined, o),
    getProperties: async (o) => (await rq.get<ControllerProps | undefined>('/v1/controller/properties', undefined, o)) ?? {},
    modifyProperties: (body, o) =>
      rq.write('POST', '/v1/controller/properties', body, o, {
        readBack: async (signal) => {
          if (body.delete_namespaces && body.delete_namespaces.length > 0) return 'unknown';
          const props = (await rq.get<ControllerProps | undefined>('/v1/controller/properties', undefined, signal ? { signal } : undefined)) ?? {};
          return propsApplied(props, body) ? 'done' : 'not-done';
        },
      }),
  };
}

/** Nodes and their storage pools. */
export function nodesApi(rq: LinstorRequests): NodesApi {
  return {
    list: (f, o) => rq.getList<Node>('/v1/nodes', { nodes: f?.nodes, props: f?.props, ...page(f) }, o),
    get: (node, o) => rq.get<Node>(`/v1/nodes/${seg(node)}`, undefined, o),
    modify: (node, body, o) =>
      rq.write('PUT', `/v1/nodes/${seg(node)}`, body, o, { readBack: rq.propsAppliedIf(`/v1/nodes/${seg(node)}`, body) }),
    storagePools: (node, o) =>
      rq.getList<StoragePool>(`/v1/nodes/${seg(node)}/storage-pools`, { cached: o?.cached ? true : undefined }, o),
  };
}

/** The storage-pool view. */
export function storagePoolsApi(rq: LinstorRequests): StoragePoolsApi {
  return {
    view: (f, o) =>
      rq.getList<StoragePool>('/v1/view/storage-pools', { nodes: f?.nodes, storage_pools: f?.storagePools, props: f?.props, ...page(f), cached: f?.cached ? true : undefined }, o),
    get: (node, pool, o) => rq.get<StoragePool>(`/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`, undefined, o),
  };
}

/** Resource groups: CRUD, spawn, size queries. */
export function resourceGroupsApi(rq: LinstorRequests): ResourceGroupsApi {
  return {
    list: (f, o) => rq.getList<ResourceGroup>('/v1/resource-groups', { resource_groups: f?.resourceGroups, props: f?.props }, o),
    get: (name, o) => rq.get<ResourceGroup>(RG(name), undefined, o),
    create: (body, o) => rq.write('POST', '/v1/resource-groups', body, o, { readBack: rq.createdIf(RG(body.name)) }),
    modify: (name, body, o) => rq.write('PUT', RG(name), body, o, { readBack: rq.propsAppliedIf(RG(name), body) }),
    delete: (name, o) => rq.write('DELETE', RG(name), undefined, o, { readBack: rq.deletedIf(RG(name)), isDelete: true }),
    spawn: (name, body, o) => rq.write('POST', `${RG(name)}/spawn`, body, o),
    querySizeInfo: async (name, body, o) => {
      const path = `${RG(name)}/query-size-info`;
      const res = await rq.transport.send({ method: 'POST', path, body: body ?? {}, idempotent: true, ...reqOpts(o) });
      if (res.status < 200 || res.status >= 300) throw toApiError(res, 'POST', path);
      const out = (res.body ?? {}) as QuerySizeInfoResponse;
      const reports = out.reports ?? [];
      if (errorsOf(reports).length > 0) {
        // LINSTOR answers 200 here and puts the failure in `reports`; surface it like any other error.
        throw new LinstorApiError({ status: errorsOf(reports).some((e) => isNotFoundish(e)) ? 404 : res.status, method: 'POST', path, entries: reports, endpoint: res.endpoint });
      }
      rq.logEntries(reports, 'POST', path, false);
      return out;
    },
    queryMaxVolumeSize: (name, o) => rq.get<MaxVolumeSizes>(`${RG(name)}/query-max-volume-size`, undefined, o),
  };
}

/** Resource definitions: CRUD, clone. */
export function resourceDefinitionsApi(rq: LinstorRequests): ResourceDefinitionsApi {
  return {
    list: (f, o) =>
      rq.getList<ResourceDefinition>('/v1/resource-definitions', { resource_definitions: f?.resourceDefinitions, props: f?.props, with_volume_definitions: f?.withVolumeDefinitions ? true : undefined, ...page(f) }, o),
    get: (name, o) => rq.get<ResourceDefinition>(RD(name), undefined, o),
    create: (body, o) => {
      const name = body.resource_definition.name;
      return rq.write('POST', '/v1/resource-definitions', body, o, name ? { readBack: rq.createdIf(RD(name)) } : {});
    },
    modify: (name, body, o) =>
      rq.write('PUT', RD(name), body, o, {
        readBack: rq.propsAppliedIf(RD(name), body, (obj) =>
          body.resource_group === undefined
            ? true
            : (obj as ResourceDefinition).resource_group_name?.toLowerCase() === body.resource_group.toLowerCase(),
        ),
      }),
    delete: (name, o) => rq.write('DELETE', RD(name), undefined, o, { readBack: rq.deletedIf(RD(name)), isDelete: true }),
    clone: async (source, body, o) => {
      const path = `${RD(source)}/clone`;
      const res = await rq.transport.send({
        method: 'POST',
        path,
        body,
        idempotent: false,
        readBack: async (signal) => {
          // the clone status answers 404 until a clone RD carrying `cloned-from` exists
          const st = await rq.transport.send({ method: 'GET', path: `${path}/${seg(body.name)}`, idempotent: true, ...(signal ? { signal } : {}) });
          if (st.status >= 200 && st.status < 300) return 'done';
          return toApiError(st, 'GET', path).isNotFound() ? 'not-done' : 'unknown';
        },
        ...reqOpts(o),
      });
      if (res.status < 200 || res.status >= 300) throw toApiError(res, 'POST', path);
      if (res.confirmedByReadBack) return { source_name: source, clone_name: body.name };
      const out = (res.body ?? {}) as CloneStarted;
      const msgs = out.messages ?? [];
      if (errorsOf(msgs).length > 0) throw new LinstorApiError({ status: res.status, method: 'POST', path, entries: msgs, endpoint: res.endpoint });
      rq.logEntries(msgs, 'POST', path, false);
      return out;
    },
    cloneStatus: (source, target, o) => rq.get<CloneStatus>(`${RD(source)}/clone/${seg(target)}`, undefined, o),
  };
}

/** Volume definitions: CRUD and resize. */
export function volumeDefinitionsApi(rq: LinstorRequests): VolumeDefinitionsApi {
  return {
    list: (rd, o) => rq.getList<VolumeDefinition>(`${RD(rd)}/volume-definitions`, undefined, o),
    get: (rd, nr, o) => rq.get<VolumeDefinition>(`${RD(rd)}/volume-definitions/${nr}`, undefined, o),
    create: (rd, body, o) => {
      const nr = body.volume_definition.volume_number;
      return rq.write('POST', `${RD(rd)}/volume-definitions`, body, o, nr !== undefined ? { readBack: rq.createdIf(`${RD(rd)}/volume-definitions/${nr}`) } : {});
    },
    modify: (rd, nr, body, o) => {
      const path = `${RD(rd)}/volume-definitions/${nr}`;
      return rq.write('PUT', path, body, o, {
        readBack: rq.propsAppliedIf(path, body, (obj) => body.size_kib === undefined || (obj as VolumeDefinition).size_kib >= body.size_kib),
      });
    },
    delete: (rd, nr, o) => {
      const path = `${RD(rd)}/volume-definitions/${nr}`;
      return rq.write('DELETE', path, undefined, o, { readBack: rq.deletedIf(path), isDelete: true });
    },
  };
}

/** Resources (replicas) and their volumes. */
export function resourcesApi(rq: LinstorRequests): ResourcesApi {
  return {
    list: (rd, o) => rq.getList<Resource>(`${RD(rd)}/resources`, undefined, o),
    get: (rd, node, o) => rq.get<Resource>(`${RD(rd)}/resources/${seg(node)}`, undefined, o),
    create: (rd, node, body, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      const b = { ...body, resource: { ...body.resource, node_name: body.resource.node_name ?? node } };
      return rq.write('POST', path, b, o, { readBack: rq.createdIf(path) });
    },
    createMany: (rd, body, o) => rq.write('POST', `${RD(rd)}/resources`, body, o),
    modify: (rd, node, body, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      const onlyProps = body.drbd_tiebreaker === undefined && body.drbd_client === undefined;
      return rq.write('PUT', path, body, o, onlyProps ? { readBack: rq.propsAppliedIf(path, body) } : {});
    },
    autoplace: (rd, body, o) => rq.write('POST', `${RD(rd)}/autoplace`, body, o),
    makeAvailable: (rd, node, body, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      return rq.write('POST', `${path}/make-available`, body, o, body.diskful ? {} : { readBack: rq.createdIf(path) });
    },
    delete: (rd, node, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      return rq.write('DELETE', path, undefined, o, {
        query: { keep_tiebreaker: o?.keepTiebreaker === undefined ? undefined : o.keepTiebreaker },
        readBack: async (signal) => {
          try {
            const r = await rq.get<Resource>(path, undefined, signal ? { signal } : undefined);
            // kept as a tiebreaker counts as deleted when that was asked for
            return o?.keepTiebreaker && (r.flags ?? []).includes('TIE_BREAKER') ? 'done' : 'not-done';
          } catch (e) {
            if (e instanceof LinstorApiError && e.isNotFound()) return 'done';
            throw e;
          }
        },
        isDelete: true,
      });
    },
    listVolumes: (rd, node, o) => rq.getList<Volume>(`${RD(rd)}/resources/${seg(node)}/volumes`, undefined, o),
    getVolume: (rd, node, nr, o) => rq.get<Volume>(`${RD(rd)}/resources/${seg(node)}/volumes/${nr}`, undefined, o),
    view: (f, o) =>
      rq.getList<ResourceWithVolumes>(
        '/v1/view/resources',
        { nodes: f?.nodes, resources: f?.resources, storage_pools: f?.storagePools, props: f?.props, ...page(f) },
        o,
      ),
  };
}

/** Snapshots: create, delete, list, restore, rollback. */
export function snapshotsApi(rq: LinstorRequests): SnapshotsApi {
  return {
    create: (rd, body, o) => {
      const path = `${RD(rd)}/snapshots`;
      return rq.write('POST', path, { ...body, resource_name: body.resource_name ?? rd }, o, {
        readBack: rq.createdIf(`${path}/${seg(body.name)}`),
      });
    },
    createMulti: (body, o) =>
      rq.write('POST', '/v1/actions/snapshot/multi', body, o, {
        readBack: async (signal) => {
          for (const s of body.snapshots) {
            if (!(await rq.exists(`${RD(s.resource_name)}/snapshots/${seg(s.name)}`, signal))) return 'unknown';
          }
          return 'done';
        },
      }),
    list: (rd, o) => rq.getList<Snapshot>(`${RD(rd)}/snapshots`, { offset: o?.offset, limit: o?.limit }, o),
    get: (rd, snap, o) => rq.get<Snapshot>(`${RD(rd)}/snapshots/${seg(snap)}`, undefined, o),
    view: (f, o) =>
      rq.getList<Snapshot>('/v1/view/snapshots', { nodes: f?.nodes, resources: f?.resources, ...page(f) }, o),
    delete: (rd, snap, o) => {
      const path = `${RD(rd)}/snapshots/${seg(snap)}`;
      const partial = o?.nodes !== undefined && o.nodes.length > 0;
      return rq.write('DELETE', path, undefined, o, {
        query: { nodes: partial ? o?.nodes : undefined },
        ...(partial ? {} : { readBack: rq.deletedIf(path) }),
        isDelete: true,
      });
    },
    restoreVolumeDefinitions: (rd, snap, body, o) =>
      rq.write('POST', `${RD(rd)}/snapshot-restore-volume-definition/${seg(snap)}`, body, o),
    restoreResource: (rd, snap, body, o) => rq.write('POST', `${RD(rd)}/snapshot-restore-resource/${seg(snap)}`, body, o),
    rollback: (rd, snap, body, o) => rq.write('POST', `${RD(rd)}/snapshot-rollback/${seg(snap)}`, body ?? {}, o),
  };
}

/** Every API group of a LinstorClient. */
export type LinstorApis = Omit<LinstorClient, 'close'>;

/** The API groups, all on one request plumbing. */
export function linstorApis(rq: LinstorRequests): LinstorApis {
  return {
    controller: controllerApi(rq),
    nodes: nodesApi(rq),
    storagePools: storagePoolsApi(rq),
    resourceGroups: resourceGroupsApi(rq),
    resourceDefinitions: resourceDefinitionsApi(rq),
    volumeDefinitions: volumeDefinitionsApi(rq),
    resources: resourcesApi(rq),
    snapshots: snapshotsApi(rq),
  };
}
