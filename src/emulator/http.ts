/** Minimal router and LINSTOR-style replies (ApiCallRc lists, status from the first error). */
import type { ApiCallRc } from '../linstor/types.js';
import { API_CALL_PARSE_ERROR, FAIL_UNKNOWN_ERROR } from '../linstor/apicallrc.js';
import { apiCallRc, controllerFirst, httpStatusFor, type ApiCallRcInit } from './replies.js';

export interface Req {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  raw: string;
  /** Resource definition the request concerns, for the request log. */
  rd?: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export type Handler = (req: Req) => Promise<Reply> | Reply;

/** A refused request: the reply entries (status follows from them unless given). */
export class ApiFailure extends Error {
  constructor(
    readonly entries: ApiCallRc[],
    readonly status?: number,
  ) {
    super(entries[0]?.message ?? 'request failed');
  }
}

export function rc(code: bigint, op: bigint, obj: bigint, message: string, init: Omit<ApiCallRcInit, 'message'> = {}): ApiCallRc {
  return apiCallRc(code, op, obj, { ...init, message });
}

/** Throws a one-entry failure. */
export function fail(code: bigint, op: bigint, obj: bigint, message: string, init: Omit<ApiCallRcInit, 'message'> = {}): never {
  throw new ApiFailure([rc(code, op, obj, message, init)]);
}

// The satellites' entries follow the controller's, as the real controller lists them.
export function rcReply(entries: ApiCallRc[], okStatus: number): Reply {
  const ordered = controllerFirst(entries);
  return { status: httpStatusFor(ordered, okStatus), body: ordered };
}

export function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

/** Parses a JSON body; unparsable input is the only 400 the controller sends. */
export function jsonBody<T>(req: Req, allowEmpty = false): T {
  if (req.raw.trim() === '') {
    if (allowEmpty) return {} as T;
  }
  try {
    const v = JSON.parse(req.raw) as unknown;
    if (v === null || typeof v !== 'object') throw new Error('not an object');
    return v as T;
  } catch {
    throw new ApiFailure([apiCallRc(API_CALL_PARSE_ERROR, 0n, 0n, { message: 'Unable to parse input json.' })], 400);
  }
}

/** Drops what Jackson's NON_EMPTY drops: null/undefined, "", [] and {} (false and 0 stay). */
export function nonEmpty<T>(v: T): T {
  return clean(v) as T;
}

function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined || x === null || x === '') continue;
      const c = clean(x);
      if (Array.isArray(c) && c.length === 0) continue;
      if (c !== null && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue;
      out[k] = c;
    }
    return out;
  }
  return v;
}

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
  /** The last parameter swallows the rest of the path (e.g. property keys with '/'). */
  greedy: boolean;
}

export interface Match {
  handler: Handler;
  params: Record<string, string>;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): void {
    const parts = pattern.split('/').filter((p) => p !== '');
    const greedy = parts.length > 0 && (parts[parts.length - 1] ?? '').endsWith('*');
    if (greedy) parts[parts.length - 1] = (parts[parts.length - 1] ?? '').slice(0, -1);
    this.routes.push({ method, parts, handler, greedy });
  }

  /** A handler, 'method' when only the method differs, or undefined. */
  match(method: string, path: string): Match | 'method' | undefined {
    const segs = path.split('/').filter((p) => p !== '');
    let methodMismatch = false;
    for (const r of this.routes) {
      const params = matchParts(r, segs);
      if (!params) continue;
      if (r.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { handler: r.handler, params };
    }
    return methodMismatch ? 'method' : undefined;
  }
}

function matchParts(r: Route, segs: string[]): Record<string, string> | undefined {
  if (r.greedy ? segs.length < r.parts.length : segs.length !== r.parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < r.parts.length; i++) {
    const p = r.parts[i] ?? '';
    const s = segs[i] ?? '';
    if (p.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(r.greedy && i === r.parts.length - 1 ? segs.slice(i).join('/') : s);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = value;
    } else if (p !== s) return undefined;
  }
  return params;
}

export function notFoundPath(path: string): Reply {
  return { status: 404, body: [apiCallRc(FAIL_UNKNOWN_ERROR, 0n, 0n, { message: `Path '${path}' not found on server.` })] };
}

/** Repeated list query params (`?nodes=a&nodes=b`), also accepting comma-separated values. */
export function listParam(q: URLSearchParams, key: string): string[] {
  return q
    .getAll(key)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `props` filter: each entry `Key` (must exist) or `Key=Value` (exact); all must match. */
export function propsMatch(props: Record<string, string>, filters: string[]): boolean {
  return filters.every((f) => {
    const i = f.indexOf('=');
    if (i < 0) return props[f] !== undefined;
    return props[f.slice(0, i)] === f.slice(i + 1);
  });
}

/** limit/offset paging; limit 0 = no paging. */
export function page<T>(items: T[], q: URLSearchParams): T[] {
  const offset = Math.max(0, Number.parseInt(q.get('offset') ?? '0', 10) || 0);
  const limit = Math.max(0, Number.parseInt(q.get('limit') ?? '0', 10) || 0);
  if (limit === 0) return offset > 0 ? items.slice(offset) : items;
  return items.slice(offset, offset + limit);
}
