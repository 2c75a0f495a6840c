/**
 * HTTP(S) transport to one or more LINSTOR controllers: keep-alive agents, per-request timeout,
 * bounded concurrency, failover (remembering the last good endpoint), and retries with backoff
 * and jitter under the policy in retry.ts.
 */
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../log/logger.js';
import type { CallStatsSource, LinstorCallStats } from './call-stats.js';
import { parseLinstorJson, stringifyLinstorJson } from './apicallrc.js';
import { LinstorConfigError, LinstorUnavailableError, type EndpointFailure } from './errors.js';
import { Limiter } from './limiter.js';
import { onSignal } from './on-abort.js';
import { routeTemplate } from './routes.js';
import { NO_METRICS, type LinstorMetrics } from '../metrics/port.js';
import { WriteTracker } from './write-tracker.js';
import { DEFAULTS, resolveTls, type LinstorConnectionOptions } from './options.js';
import { backoffDelay, isPreSendErrorCode, isTransientStatus, mayResend, type FailureKind, type RetryPolicy } from './retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Outcome of reading state back after a write whose reply was lost. */
export type ReadBackOutcome = 'done' | 'not-done' | 'unknown';

export interface RequestSpec {
  method: HttpMethod;
  /** Path below the base URL, already percent-encoded, e.g. "/v1/resource-definitions/pvc-1". */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Safe to resend even when it may have reached the controller (reads). */
  idempotent: boolean;
  /**
   * For writes: called when the request may have reached the controller but no reply came. It
   * reads the state back; 'done' counts as success, 'not-done' allows a resend.
   */
  readBack?: (signal: AbortSignal | undefined) => Promise<ReadBackOutcome>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON (ret_code as bigint), or undefined for an empty body. */
  body: unknown;
  /** Raw body text (for non-JSON error bodies). */
  text: string;
  endpoint: string;
  /** True when no reply was seen but a read-back confirmed the write. */
  confirmedByReadBack?: boolean;
}

export interface TransportDeps {
  clock: Clock;
  logger: Logger;
  /** Jitter source, [0, 1). */
  random?: () => number;
  /** Where the stats of the RPC a request runs for are found (the gRPC server provides it). */
  callStats?: CallStatsSource;
  /** Request counts and latency by route template; none when metrics are off. */
  metrics?: LinstorMetrics;
}

type Attempt =
  /** `at`: when the reply was complete (performance.now()), before it was parsed. */
  | { kind: 'response'; res: RawResponse; at: number }
  | { kind: 'failure'; failure: FailureKind; reason: string; aborted?: boolean };

const TOKEN_CACHE_MS = 10_000;

export class HttpTransport {
  readonly endpoints: readonly string[];
  /** Every non-GET request counts as a write (read caches check it). */
  readonly writes = new WriteTracker();
  private lastGood = 0;
  private readonly limiter: Limiter;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;
  private readonly basicAuth: string | undefined;
  private readonly tokenFile: string | undefined;
  private token: { value: string; readAt: number } | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly callStats: CallStatsSource;
  private readonly metrics: LinstorMetrics;

  constructor(opts: LinstorConnectionOptions, deps: TransportDeps) {
    if (opts.endpoints.length === 0) throw new LinstorConfigError('no LINSTOR controller endpoint configured');
    for (const e of opts.endpoints) {
      let u: URL;
      try {
        u = new URL(e);
      } catch {
        throw new LinstorConfigError(`invalid LINSTOR endpoint URL "${e}"`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LinstorConfigError(`LINSTOR endpoint "${e}" must be http or https`);
    }
    this.endpoints = opts.endpoints.map((e) => e.replace(/\/+$/, ''));
    this.clock = deps.clock;
    this.log = deps.logger;
    this.random = deps.random ?? Math.random;
    this.callStats = deps.callStats ?? (() => undefined);
    this.metrics = deps.metrics ?? NO_METRICS;
    this.timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
    const max = opts.maxConcurrency ?? DEFAULTS.maxConcurrency;
    this.limiter = new Limiter(max);
    this.policy = {
      retries: opts.retries ?? DEFAULTS.retries,
      baseDelayMs: opts.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
      maxDelayMs: opts.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs,
    };
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    this.userAgent = opts.userAgent ?? 'linstor-csi';
    this.basicAuth =
      opts.username !== undefined ? 'Basic ' + Buffer.from(`${opts.username}:${opts.password ?? ''}`, 'utf8').toString('base64') : undefined;
    this.tokenFile = opts.bearerTokenFile;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: max, keepAliveMsecs: 10_000 });
    const usesHttps = this.endpoints.some((e) => e.startsWith('https:'));
    const tls = usesHttps ? resolveTls(opts) : { rejectUnauthorized: !opts.skipTlsVerify };
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: max, keepAliveMsecs: 10_000, ...tls });
  }

  /** Requests in flight / waiting for a slot (for tests and metrics). */
  get stats(): { inFlight: number; queued: number; preferredEndpoint: string } {
    return { inFlight: this.limiter.inFlight, queued: this.limiter.queued, preferredEndpoint: this.endpoints[this.lastGood] ?? '' };
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /**
   * Sends a request with failover and the retry policy. Resolves with any HTTP answer. Inside an
   * RPC, the time until the answer (slot wait, attempts, backoff) counts as the call's LINSTOR time.
   */
  async send(spec: RequestSpec): Promise<RawResponse> {
    if (spec.method === 'GET') return this.timed(spec);
    this.writes.begin();
    try {
      return await this.timed(spec);
    } finally {
      this.writes.end();
    }
  }

  private async timed(spec: RequestSpec): Promise<RawResponse> {
    const stats = this.callStats();
    if (stats === undefined) return this.attempts(spec, undefined);
    const replied = { at: 0 };
    stats.begin(performance.now());
    try {
      return await this.attempts(spec, stats, replied);
    } finally {
      stats.end(replied.at || performance.now());
    }
  }

  private async attempts(spec: RequestSpec, stats: LinstorCallStats | undefined, replied?: { at: number }): Promise<RawResponse> {
    const failures = new Map<string, string>();
    let lastTransient: RawResponse | undefined;
    const n = this.endpoints.length;
    for (let round = 0; ; round++) {
      const start = this.lastGood;
      for (let i = 0; i < n; i++) {
        const idx = (start + i) % n;
        const endpoint = this.endpoints[idx] ?? '';
        throwIfAborted(spec.signal);
        const queued = stats ? performance.now() : 0;
        const r = await this.limiter.run(() => {
          if (stats) {
            stats.linstorCalls++;
            stats.linstorQueuedMs += performance.now() - queued;
          }
          return this.once(endpoint, spec);
        }, spec.signal);
        if (r.kind === 'response') {
          if (spec.idempotent && isTransientStatus(r.res.status, r.res.body)) {
            failures.set(endpoint, `HTTP ${r.res.status}`);
            lastTransient = r.res;
            this.log.warn({ endpoint, method: spec.method, path: spec.path, status: r.res.status }, 'LINSTOR answered with a transient error; trying again');
            continue;
          }
          if (idx !== this.lastGood) {
            this.log.info({ endpoint, previous: this.endpoints[this.lastGood] }, 'LINSTOR client switched controller');
            this.lastGood = idx;
          }
          if (replied) replied.at = r.at;
          return r.res;
        }
        if (r.aborted) throw spec.signal?.reason ?? new Error('aborted');
        failures.set(endpoint, r.reason);
        this.log.warn({ endpoint, method: spec.method, path: spec.path, reason: r.reason, sent: r.failure === 'maybe-sent' }, 'LINSTOR request failed');
        if (mayResend(r.failure, spec.idempotent)) continue;
        // A write that may have been applied: read the state back before anything else.
        const outcome = spec.readBack ? await this.safeReadBack(spec) : 'unknown';
        if (outcome === 'done') {
          this.lastGood = idx;
          return { status: 200, headers: {}, body: [], text: '', endpoint, confirmedByReadBack: true };
        }
        if (outcome === 'unknown') throw new LinstorUnavailableError(spec.method, spec.path, toFailures(failures), true);
        // 'not-done': resending is safe; go on to the next endpoint
      }
      if (round >= this.policy.retries) break;
      const delay = backoffDelay(round + 1, this.policy, this.random);
      this.log.debug({ method: spec.method, path: spec.path, attempt: round + 1, delayMs: delay }, 'LINSTOR retry after backoff');
      await this.clock.sleep(delay, spec.signal);
    }
    // A controller did answer, only with a transient error: surface that answer.
    if (lastTransient && lastTransient.status === 500) return lastTransient;
    throw new LinstorUnavailableError(spec.method, spec.path, toFailures(failures));
  }

  private async safeReadBack(spec: RequestSpec): Promise<ReadBackOutcome> {
    try {
      const o = await spec.readBack?.(spec.signal);
      this.log.info({ method: spec.method, path: spec.path, outcome: o }, 'LINSTOR write without reply: state read back');
      return o ?? 'unknown';
    } catch (e) {
      this.log.warn({ method: spec.method, path: spec.path, err: e }, 'LINSTOR write without reply: reading state back failed');
      return 'unknown';
    }
  }

  private async authHeader(): Promise<string | undefined> {
    if (this.tokenFile !== undefined) {
      const now = this.clock.now();
      if (this.token === undefined || now - this.token.readAt > TOKEN_CACHE_MS) {
        let value: string;
        try {
          value = (await readFile(this.tokenFile, 'utf8')).trim();
        } catch (e) {
          throw new LinstorConfigError(`cannot read LINSTOR bearer token file "${this.tokenFile}": ${(e as Error).message}`);
        }
        this.token = { value, readAt: now };
      }
      return `Bearer ${this.token.value}`;
    }
    return this.basicAuth;
  }

  /** One HTTP exchange with one endpoint. Never throws (except for config problems). */
  private async once(endpoint: string, spec: RequestSpec): Promise<Attempt> {
    const url = new URL(endpoint + spec.path + buildQuery(spec.query));
    const payload = spec.body === undefined ? undefined : Buffer.from(stringifyLinstorJson(spec.body), 'utf8');
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': this.userAgent };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    } else if (spec.method !== 'GET' && spec.method !== 'OPTIONS') {
      headers['Content-Length'] = 0;
    }
    const auth = await this.authHeader();
    if (auth !== undefined) headers['Authorization'] = auth;
    const began = performance.now();
    const measured = this.metrics.linstorRequestStarted(spec.method, routeTemplate(spec.path));
    const a = await this.exchange(endpoint, url, spec, headers, payload);
    measured(a.kind === 'response' ? a.res.status : 'error');
    if (a.kind === 'response') {
      this.log.debug({ endpoint, method: spec.method, path: spec.path, status: a.res.status, ms: Math.round(performance.now() - began) }, 'LINSTOR request');
    }
    return a;
  }

  /** Sends the request and settles once: with the reply, or a failure saying whether it may have been sent. */
  private exchange(endpoint: string, url: URL, spec: RequestSpec, headers: http.OutgoingHttpHeaders, payload: Buffer | undefined): Promise<Attempt> {
    const isHttps = url.protocol === 'https:';
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    return new Promise<Attempt>((resolve) => {
      let settled = false;
      const sent = { value: false };
      const finish = (a: Attempt): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe?.();
        resolve(a);
      };
      const req = (isHttps ? https : http).request(url, { method: spec.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent });
      const timer = setTimeout(() => {
        finish({ kind: 'failure', failure: sent.value ? 'maybe-sent' : 'not-sent', reason: `timeout after ${timeoutMs} ms` });
        req.destroy(new Error('timeout'));
      }, timeoutMs);
      const unsubscribe = onSignal(spec.signal, () => {
        finish({ kind: 'failure', failure: sent.value ? 'maybe-sent' : 'not-sent', reason: 'aborted', aborted: true });
        req.destroy(new Error('aborted'));
      });
      trackSent(req, isHttps, sent);
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A refused/unresolvable connection proves nothing was sent, whatever the socket said.
        const failure: FailureKind = isPreSendErrorCode(err.code) || !sent.value ? 'not-sent' : 'maybe-sent';
        finish({ kind: 'failure', failure, reason: err.code ?? err.message });
      });
      req.on('response', (res) => readReply(res, req, this.maxResponseBytes, endpoint, finish));
      if (payload !== undefined) req.end(payload);
      else req.end();
    });
  }
}

/** Sets `sent.value` once the request may have reached the server (a connected or reused socket). */
function trackSent(req: http.ClientRequest, isHttps: boolean, sent: { value: boolean }): void {
  req.on('socket', (socket: Socket) => {
    if (req.reusedSocket) {
      sent.value = true;
      return;
    }
    const ev = isHttps ? 'secureConnect' : 'connect';
    if (!isHttps && !socket.connecting) sent.value = true;
    else socket.once(ev, () => (sent.value = true));
  });
}

/** Reads a reply (bounded by `maxBytes`) and parses its JSON body, keeping ret_code exact. */
function readReply(res: http.IncomingMessage, req: http.ClientRequest, maxBytes: number, endpoint: string, finish: (a: Attempt) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) {
      finish({ kind: 'failure', failure: 'maybe-sent', reason: `reply larger than ${maxBytes} bytes` });
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  res.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'failure', failure: 'maybe-sent', reason: err.code ?? err.message }));
  res.on('end', () => {
    const at = performance.now();
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = parseLinstorJson(text);
      } catch {
        body = undefined;
      }
    }
    finish({ kind: 'response', res: { status: res.statusCode ?? 0, headers: res.headers, body, text, endpoint }, at });
  });
}

function toFailures(m: Map<string, string>): EndpointFailure[] {
  return [...m.entries()].map(([endpoint, reason]) => ({ endpoint, reason }));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** `?a=1&b=x&b=y`: lists repeat the key, as the JAX-RS server expects. Undefined values are left out. */
export function buildQuery(q: Record<string, QueryValue> | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v as readonly string[]) p.append(k, item);
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/** Percent-encodes one path segment (names are validated by LINSTOR; this keeps the URL well-formed). */
export function seg(s: string | number): string {
  return encodeURIComponent(String(s));
}
