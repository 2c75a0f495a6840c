/**
 * The request plumbing of the HTTP LINSTOR client: typed GETs, writes that check and log the
 * ApiCallRc reply, and the read-backs that tell whether a write without reply took effect.
 */
import type { Logger } from '../log/logger.js';
import { WARN_NOT_FOUND, codeOf, describeRetCode, errorsOf, isApiCallRcList, isInfo, isWarning, retCodeIs } from './apicallrc.js';
import type { RequestOptions } from './client.js';
import { LinstorApiError } from './errors.js';
import type { HttpMethod, HttpTransport, QueryValue, RawResponse, ReadBackOutcome } from './transport.js';
import type { ApiCallRc, GenericPropsModify } from './types.js';

export type ReadBack = (signal: AbortSignal | undefined) => Promise<ReadBackOutcome>;

/** Requests to one LINSTOR controller (set) over a transport; the API groups are built on it. */
export class LinstorRequests {
  constructor(
    readonly transport: HttpTransport,
    private readonly log: Logger,
  ) {}


  async get<T>(path: string, query?: Record<string, QueryValue>, o?: RequestOptions): Promise<T> {
    const res = await this.transport.send({ method: 'GET', path, query, idempotent: true, ...reqOpts(o) });
    if (res.status < 200 || res.status >= 300) throw toApiError(res, 'GET', path);
    return res.body as T;
  }

  async getList<T>(path: string, query?: Record<string, QueryValue>, o?: RequestOptions): Promise<T[]> {
    const body = await this.get<unknown>(path, query, o);
    if (body === undefined) return [];
    if (!Array.isArray(body)) throw new LinstorApiError({ status: 200, method: 'GET', path, entries: [], fallbackMessage: `LINSTOR answered GET ${path} with a non-list body` });
    return body as T[];
  }

  /** 'yes' / 'no' for an object GET; other failures propagate. */
  async exists(path: string, signal: AbortSignal | undefined): Promise<boolean> {
    const res = await this.transport.send({ method: 'GET', path, idempotent: true, ...(signal ? { signal } : {}) });
    if (res.status >= 200 && res.status < 300) return true;
    const err = toApiError(res, 'GET', path);
    if (err.isNotFound()) return false;
    throw err;
  }

  async write(
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
  checkReply(res: RawResponse, method: string, path: string, isDelete: boolean): ApiCallRc[] {
    if (res.status < 200 || res.status >= 300) throw toApiError(res, method, path);
    const entries = isApiCallRcList(res.body) ? res.body : [];
    if (errorsOf(entries).length > 0) {
      throw new LinstorApiError({ status: res.status, method, path, entries, endpoint: res.endpoint });
    }
    this.logEntries(entries, method, path, isDelete);
    return entries;
  }

  logEntries(entries: readonly ApiCallRc[], method: string, path: string, isDelete: boolean): void {
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
  createdIf(path: string): ReadBack {
    return async (signal) => ((await this.exists(path, signal)) ? 'done' : 'not-done');
  }

  /** Read-back for deletes: the object is gone → done; still there → resend. */
  deletedIf(path: string): ReadBack {
    return async (signal) => ((await this.exists(path, signal)) ? 'not-done' : 'done');
  }

  /** Read-back for props modifications: every override present and every deleted key gone → done. */
  propsAppliedIf(path: string, body: GenericPropsModify, extraCheck?: (obj: unknown) => boolean): ReadBack {
    if (body.delete_namespaces && body.delete_namespaces.length > 0) return async () => 'unknown';
    return async (signal) => {
      let obj: { props?: Record<string, string> };
      try {
        obj = await this.get<{ props?: Record<string, string> }>(path, undefined, signal ? { signal } : undefined);
      } catch (e) {
        if (e instanceof LinstorApiError && e.isNotFound()) return 'unknown';
        throw e;
      }
      const extraOk = extraCheck ? extraCheck(obj) : true;
      return propsApplied(obj.props ?? {}, body) && extraOk ? 'done' : 'not-done';
    };
  }
}


/** Whether `props` show every override of `body` and none of its deleted keys. */
export function propsApplied(props: Readonly<Record<string, string>>, body: GenericPropsModify): boolean {
  return Object.entries(body.override_props ?? {}).every(([k, v]) => props[k] === v) && (body.delete_props ?? []).every((k) => !(k in props));
}

export function reqOpts(o: RequestOptions | undefined): { signal?: AbortSignal; timeoutMs?: number } {
  const out: { signal?: AbortSignal; timeoutMs?: number } = {};
  if (o?.signal) out.signal = o.signal;
  if (o?.timeoutMs !== undefined) out.timeoutMs = o.timeoutMs;
  return out;
}

export function isNotFoundish(e: ApiCallRc): boolean {
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
