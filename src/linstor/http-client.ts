/**
 * `LinstorClient` over HTTP(S) (see transport.ts for failover, retries and timeouts).
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../log/logger.js';
import type {
  ApiCallRc,
  CloneStarted,
  CloneStatus,
  ControllerProps,
  ControllerVersion,
  GenericPropsModify,
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
import type {
  ControllerApi,
  LinstorClient,
  NodesApi,
  RequestOptions,
  ResourceDefinitionsApi,
  ResourceGroupsApi,
  ResourcesApi,
  SnapshotsApi,
  StoragePoolsApi,
  VolumeDefinitionsApi,
} from './client.js';
import { WARN_NOT_FOUND, codeOf, describeRetCode, errorsOf, isApiCallRcList, isInfo, isWarning, retCodeIs } from './apicallrc.js';
import { LinstorApiError } from './errors.js';
import type { LinstorConnectionOptions } from './options.js';
import { HttpTransport, seg, type HttpMethod, type QueryValue, type RawResponse, type ReadBackOutcome } from './transport.js';

export interface HttpLinstorClientDeps {
  clock: Clock;
  logger: Logger;
  /** Jitter source for backoff, [0, 1); tests pass a fixed one. */
  random?: () => number;
}

type ReadBack = (signal: AbortSignal | undefined) => Promise<ReadBackOutcome>;

const RD = (rd: string): string => `/v1/resource-definitions/${seg(rd)}`;
const RG = (rg: string): string => `/v1/resource-groups/${seg(rg)}`;

export class HttpLinstorClient implements LinstorClient {
  readonly transport: HttpTransport;
  private readonly log: Logger;

  constructor(opts: LinstorConnectionOptions, deps: HttpLinstorClientDeps) {
    this.log = deps.logger;
    this.transport = new HttpTransport(opts, deps);
  }

  close(): void {
    this.transport.close();
  }

  // -------------------------------------------------------------------------------------------
  // plumbing
  // -------------------------------------------------------------------------------------------

  private async get<T>(path: string, query?: Record<string, QueryValue>, o?: RequestOptions): Promise<T> {
    const res = await this.transport.send({ method: 'GET', path, query, idempotent: true, ...reqOpts(o) });
    if (res.status < 200 || res.status >= 300) throw toApiError(res, 'GET', path);
    return res.body as T;
  }

  private async getList<T>(path: string, query?: Record<string, QueryValue>, o?: RequestOptions): Promise<T[]> {
    const body = await this.get<unknown>(path, query, o);
    if (body === undefined) return [];
    if (!Array.isArray(body)) throw new LinstorApiError({ status: 200, method: 'GET', path, entries: [], fallbackMessage: `LINSTOR answered GET ${path} with a non-list body` });
    return body as T[];
  }

  /** 'yes' / 'no' for an object GET; other failures propagate. */
  private async exists(path: string, signal: AbortSignal | undefined): Promise<boolean> {
    const res = await this.transport.send({ method: 'GET', path, idempotent: true, ...(signal ? { signal } : {}) });
    if (res.status >= 200 && res.status < 300) return true;
    const err = toApiError(res, 'GET', path);
    if (err.isNotFound()) return false;
    throw err;
  }

  private async write(
    method: HttpMethod,
    path: string,
    body: unknown,
    o: RequestOptions | undefined,
    extra: { query?: Record<string, QueryValue>; readBack?: ReadBack; isDelete?: boolean } = {},
  ): Promise<ApiCallRc[]> {
    const res = await this.transport.send({
      method,
      path,
      body,
      idempotent: false,
      ...(extra.query ? { query: extra.query } : {}),
      ...(extra.readBack ? { readBack: extra.readBack } : {}),
      ...reqOpts(o),
    });
    const entries = this.checkReply(res, method, path, extra.isDelete === true);
    return entries;
  }

  /** Throws on error replies; logs warnings; returns the entries of a 2xx ApiCallRc reply. */
  private checkReply(res: RawResponse, method: string, path: string, isDelete: boolean): ApiCallRc[] {
    if (res.status < 200 || res.status >= 300) throw toApiError(res, method, path);
    const entries = isApiCallRcList(res.body) ? res.body : [];
    if (errorsOf(entries).length > 0) {
      throw new LinstorApiError({ status: res.status, method, path, entries, endpoint: res.endpoint });
    }
    this.logEntries(entries, method, path, isDelete);
    return entries;
  }

  private logEntries(entries: readonly ApiCallRc[], method: string, path: string, isDelete: boolean): void {
    // Most replies are info entries logged at debug: build their fields only when that is on.
    const debug = this.log.isLevelEnabled('debug');
    const fields = (e: ApiCallRc): object => ({ method, path, retCode: describeRetCode(e.ret_code), cause: e.cause, correction: e.correction });
    for (const e of entries) {
      if (isWarning(e.ret_code)) {
        if (isDelete && retCodeIs(e.ret_code, WARN_NOT_FOUND)) {
          if (debug) this.log.debug(fields(e), `LINSTOR: ${e.message}`);
        } else this.log.warn(fields(e), `LINSTOR warning: ${e.message}`);
      } else if (debug && isInfo(e.ret_code)) {
        this.log.debug(fields(e), `LINSTOR: ${e.message}`);
      }
    }
  }

  /** Read-back for creates: the object exists → done. */
  private createdIf(path: string): ReadBack {
    return async (signal) => ((await this.exists(path, signal)) ? 'done' : 'not-done');
  }

  /** Read-back for deletes: the object is gone → done; still there → resend. */
  private deletedIf(path: string): ReadBack {
    return async (signal) => ((await this.exists(path, signal)) ? 'not-done' : 'done');
  }

  /** Read-back for props modifications: every override present and every deleted key gone → done. */
  private propsAppliedIf(path: string, body: GenericPropsModify, extraCheck?: (obj: unknown) => boolean): ReadBack {
    if (body.delete_namespaces && body.delete_namespaces.length > 0) return async () => 'unknown';
    return async (signal) => {
      let obj: { props?: Record<string, string> };
      try {
        obj = await this.get<{ props?: Record<string, string> }>(path, undefined, signal ? { signal } : undefined);
      } catch (e) {
        if (e instanceof LinstorApiError && e.isNotFound()) return 'unknown';
        throw e;
      }
      const props = obj.props ?? {};
      const overridesOk = Object.entries(body.override_props ?? {}).every(([k, v]) => props[k] === v);
      const deletesOk = (body.delete_props ?? []).every((k) => !(k in props));
      const extraOk = extraCheck ? extraCheck(obj) : true;
      return overridesOk && deletesOk && extraOk ? 'done' : 'not-done';
    };
  }

  // -------------------------------------------------------------------------------------------
  // API groups
  // -------------------------------------------------------------------------------------------

  readonly controller: ControllerApi = {
    version: (o) => this.get<ControllerVersion>('/v1/controller/version', undefined, o),
    getProperties: async (o) => (await this.get<ControllerProps | undefined>('/v1/controller/properties', undefined, o)) ?? {},
    modifyProperties: (body, o) =>
      this.write('POST', '/v1/controller/properties', body, o, {
        readBack: async (signal) => {
          if (body.delete_namespaces && body.delete_namespaces.length > 0) return 'unknown';
          const props = (await this.get<ControllerProps | undefined>('/v1/controller/properties', undefined, signal ? { signal } : undefined)) ?? {};
          const ok =
            Object.entries(body.override_props ?? {}).every(([k, v]) => props[k] === v) && (body.delete_props ?? []).every((k) => !(k in props));
          return ok ? 'done' : 'not-done';
        },
      }),
  };

  readonly nodes: NodesApi = {
    list: (f, o) => this.getList<Node>('/v1/nodes', { nodes: f?.nodes, props: f?.props, offset: f?.offset, limit: f?.limit }, o),
    get: (node, o) => this.get<Node>(`/v1/nodes/${seg(node)}`, undefined, o),
    modify: (node, body, o) =>
      this.write('PUT', `/v1/nodes/${seg(node)}`, body, o, { readBack: this.propsAppliedIf(`/v1/nodes/${seg(node)}`, body) }),
    storagePools: (node, o) =>
      this.getList<StoragePool>(`/v1/nodes/${seg(node)}/storage-pools`, { cached: o?.cached ? true : undefined }, o),
  };

  readonly storagePools: StoragePoolsApi = {
    view: (f, o) =>
      this.getList<StoragePool>(
        '/v1/view/storage-pools',
        {
          nodes: f?.nodes,
          storage_pools: f?.storagePools,
          props: f?.props,
          offset: f?.offset,
          limit: f?.limit,
          cached: f?.cached ? true : undefined,
        },
        o,
      ),
    get: (node, pool, o) => this.get<StoragePool>(`/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`, undefined, o),
  };

  readonly resourceGroups: ResourceGroupsApi = {
    list: (f, o) => this.getList<ResourceGroup>('/v1/resource-groups', { resource_groups: f?.resourceGroups, props: f?.props }, o),
    get: (name, o) => this.get<ResourceGroup>(RG(name), undefined, o),
    create: (body, o) => this.write('POST', '/v1/resource-groups', body, o, { readBack: this.createdIf(RG(body.name)) }),
    modify: (name, body, o) => this.write('PUT', RG(name), body, o, { readBack: this.propsAppliedIf(RG(name), body) }),
    delete: (name, o) => this.write('DELETE', RG(name), undefined, o, { readBack: this.deletedIf(RG(name)), isDelete: true }),
    spawn: (name, body, o) => this.write('POST', `${RG(name)}/spawn`, body, o),
    querySizeInfo: async (name, body, o) => {
      const path = `${RG(name)}/query-size-info`;
      const res = await this.transport.send({ method: 'POST', path, body: body ?? {}, idempotent: true, ...reqOpts(o) });
      if (res.status < 200 || res.status >= 300) throw toApiError(res, 'POST', path);
      const out = (res.body ?? {}) as QuerySizeInfoResponse;
      const reports = out.reports ?? [];
      if (errorsOf(reports).length > 0) {
        // LINSTOR answers 200 here and puts the failure in `reports`; surface it like any other error.
        throw new LinstorApiError({ status: errorsOf(reports).some((e) => isNotFoundish(e)) ? 404 : res.status, method: 'POST', path, entries: reports, endpoint: res.endpoint });
      }
      this.logEntries(reports, 'POST', path, false);
      return out;
    },
    queryMaxVolumeSize: (name, o) => this.get<MaxVolumeSizes>(`${RG(name)}/query-max-volume-size`, undefined, o),
  };

  readonly resourceDefinitions: ResourceDefinitionsApi = {
    list: (f, o) =>
      this.getList<ResourceDefinition>(
        '/v1/resource-definitions',
        {
          resource_definitions: f?.resourceDefinitions,
          props: f?.props,
          with_volume_definitions: f?.withVolumeDefinitions ? true : undefined,
          offset: f?.offset,
          limit: f?.limit,
        },
        o,
      ),
    get: (name, o) => this.get<ResourceDefinition>(RD(name), undefined, o),
    create: (body, o) => {
      const name = body.resource_definition.name;
      return this.write('POST', '/v1/resource-definitions', body, o, name ? { readBack: this.createdIf(RD(name)) } : {});
    },
    modify: (name, body, o) =>
      this.write('PUT', RD(name), body, o, {
        readBack: this.propsAppliedIf(RD(name), body, (obj) =>
          body.resource_group === undefined
            ? true
            : (obj as ResourceDefinition).resource_group_name?.toLowerCase() === body.resource_group.toLowerCase(),
        ),
      }),
    delete: (name, o) => this.write('DELETE', RD(name), undefined, o, { readBack: this.deletedIf(RD(name)), isDelete: true }),
    clone: async (source, body, o) => {
      const path = `${RD(source)}/clone`;
      const res = await this.transport.send({
        method: 'POST',
        path,
        body,
        idempotent: false,
        readBack: async (signal) => {
          // the clone status answers 404 until a clone RD carrying `cloned-from` exists
          const st = await this.transport.send({ method: 'GET', path: `${path}/${seg(body.name)}`, idempotent: true, ...(signal ? { signal } : {}) });
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
      this.logEntries(msgs, 'POST', path, false);
      return out;
    },
    cloneStatus: (source, target, o) => this.get<CloneStatus>(`${RD(source)}/clone/${seg(target)}`, undefined, o),
  };

  readonly volumeDefinitions: VolumeDefinitionsApi = {
    list: (rd, o) => this.getList<VolumeDefinition>(`${RD(rd)}/volume-definitions`, undefined, o),
    get: (rd, nr, o) => this.get<VolumeDefinition>(`${RD(rd)}/volume-definitions/${nr}`, undefined, o),
    create: (rd, body, o) => {
      const nr = body.volume_definition.volume_number;
      return this.write('POST', `${RD(rd)}/volume-definitions`, body, o, nr !== undefined ? { readBack: this.createdIf(`${RD(rd)}/volume-definitions/${nr}`) } : {});
    },
    modify: (rd, nr, body, o) => {
      const path = `${RD(rd)}/volume-definitions/${nr}`;
      return this.write('PUT', path, body, o, {
        readBack: this.propsAppliedIf(path, body, (obj) => body.size_kib === undefined || (obj as VolumeDefinition).size_kib >= body.size_kib),
      });
    },
    delete: (rd, nr, o) => {
      const path = `${RD(rd)}/volume-definitions/${nr}`;
      return this.write('DELETE', path, undefined, o, { readBack: this.deletedIf(path), isDelete: true });
    },
  };

  readonly resources: ResourcesApi = {
    list: (rd, o) => this.getList<Resource>(`${RD(rd)}/resources`, undefined, o),
    get: (rd, node, o) => this.get<Resource>(`${RD(rd)}/resources/${seg(node)}`, undefined, o),
    create: (rd, node, body, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      const b = { ...body, resource: { ...body.resource, node_name: body.resource.node_name ?? node } };
      return this.write('POST', path, b, o, { readBack: this.createdIf(path) });
    },
    createMany: (rd, body, o) => this.write('POST', `${RD(rd)}/resources`, body, o),
    modify: (rd, node, body, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      const onlyProps = body.drbd_tiebreaker === undefined && body.drbd_client === undefined;
      return this.write('PUT', path, body, o, onlyProps ? { readBack: this.propsAppliedIf(path, body) } : {});
    },
    autoplace: (rd, body, o) => this.write('POST', `${RD(rd)}/autoplace`, body, o),
    makeAvailable: (rd, node, body, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      return this.write('POST', `${path}/make-available`, body, o, body.diskful ? {} : { readBack: this.createdIf(path) });
    },
    delete: (rd, node, o) => {
      const path = `${RD(rd)}/resources/${seg(node)}`;
      return this.write('DELETE', path, undefined, o, {
        query: { keep_tiebreaker: o?.keepTiebreaker === undefined ? undefined : o.keepTiebreaker },
        readBack: async (signal) => {
          try {
            const r = await this.get<Resource>(path, undefined, signal ? { signal } : undefined);
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
    listVolumes: (rd, node, o) => this.getList<Volume>(`${RD(rd)}/resources/${seg(node)}/volumes`, undefined, o),
    getVolume: (rd, node, nr, o) => this.get<Volume>(`${RD(rd)}/resources/${seg(node)}/volumes/${nr}`, undefined, o),
    view: (f, o) =>
      this.getList<ResourceWithVolumes>(
        '/v1/view/resources',
        { nodes: f?.nodes, resources: f?.resources, storage_pools: f?.storagePools, props: f?.props, offset: f?.offset, limit: f?.limit },
        o,
      ),
  };

  readonly snapshots: SnapshotsApi = {
    create: (rd, body, o) => {
      const path = `${RD(rd)}/snapshots`;
      return this.write('POST', path, { ...body, resource_name: body.resource_name ?? rd }, o, {
        readBack: this.createdIf(`${path}/${seg(body.name)}`),
      });
    },
    createMulti: (body, o) =>
      this.write('POST', '/v1/actions/snapshot/multi', body, o, {
        readBack: async (signal) => {
          for (const s of body.snapshots) {
            if (!(await this.exists(`${RD(s.resource_name)}/snapshots/${seg(s.name)}`, signal))) return 'unknown';
          }
          return 'done';
        },
      }),
    list: (rd, o) => this.getList<Snapshot>(`${RD(rd)}/snapshots`, { offset: o?.offset, limit: o?.limit }, o),
    get: (rd, snap, o) => this.get<Snapshot>(`${RD(rd)}/snapshots/${seg(snap)}`, undefined, o),
    view: (f, o) =>
      this.getList<Snapshot>('/v1/view/snapshots', { nodes: f?.nodes, resources: f?.resources, offset: f?.offset, limit: f?.limit }, o),
    delete: (rd, snap, o) => {
      const path = `${RD(rd)}/snapshots/${seg(snap)}`;
      const partial = o?.nodes !== undefined && o.nodes.length > 0;
      return this.write('DELETE', path, undefined, o, {
        query: { nodes: partial ? o?.nodes : undefined },
        ...(partial ? {} : { readBack: this.deletedIf(path) }),
        isDelete: true,
      });
    },
    restoreVolumeDefinitions: (rd, snap, body, o) =>
      this.write('POST', `${RD(rd)}/snapshot-restore-volume-definition/${seg(snap)}`, body, o),
    restoreResource: (rd, snap, body, o) => this.write('POST', `${RD(rd)}/snapshot-restore-resource/${seg(snap)}`, body, o),
    rollback: (rd, snap, body, o) => this.write('POST', `${RD(rd)}/snapshot-rollback/${seg(snap)}`, body ?? {}, o),
  };
}

function reqOpts(o: RequestOptions | undefined): { signal?: AbortSignal; timeoutMs?: number } {
  const out: { signal?: AbortSignal; timeoutMs?: number } = {};
  if (o?.signal) out.signal = o.signal;
  if (o?.timeoutMs !== undefined) out.timeoutMs = o.timeoutMs;
  return out;
}

function isNotFoundish(e: ApiCallRc): boolean {
  const c = codeOf(e.ret_code);
  return c >= 300 && c <= 399;
}

/** Builds the LinstorApiError for a non-2xx reply. */
export function toApiError(res: RawResponse, method: string, path: string): LinstorApiError {
  let entries: ApiCallRc[] = [];
  if (isApiCallRcList(res.body)) entries = res.body;
  else if (typeof res.body === 'object' && res.body !== null) {
    const msgs = (res.body as { messages?: unknown }).messages;
    const reports = (res.body as { reports?: unknown }).reports;
    if (isApiCallRcList(msgs)) entries = msgs;
    else if (isApiCallRcList(reports)) entries = reports;
  }
  let fallback: string | undefined;
  if (res.status >= 300 && res.status < 400) {
    const loc = res.headers.location;
    fallback = `LINSTOR controller ${res.endpoint} redirected ${method} ${path} to ${loc ?? '(no location)'}; configure that endpoint (https) instead`;
  } else if (res.status === 404 && entries.length === 0) {
    fallback = `${method} ${path}: not found`;
  } else if (entries.length === 0) {
    const t = res.text.trim().slice(0, 200);
    fallback = `LINSTOR answered HTTP ${res.status} to ${method} ${path}${t ? `: ${t}` : ''}`;
  }
  return new LinstorApiError({ status: res.status, method, path, entries, endpoint: res.endpoint, ...(fallback ? { fallbackMessage: fallback } : {}) });
}

/** Creates the HTTP client. */
export function createLinstorClient(opts: LinstorConnectionOptions, deps: HttpLinstorClientDeps): HttpLinstorClient {
  return new HttpLinstorClient(opts, deps);
}
