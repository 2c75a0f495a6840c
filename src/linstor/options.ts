/**
 * Connection settings for the LINSTOR client, and their parsing from the environment with the
 * same names as golinstor / the Go linstor-csi driver.
 */
import { readFileSync } from 'node:fs';
import { LinstorConfigError } from './errors.js';

export interface LinstorConnectionOptions {
  /** Controller base URLs, tried in order with failover, e.g. ["http://ctrl-a:3370", "http://ctrl-b:3370"]. */
  endpoints: string[];
  /** CA bundle for https: a PEM file path (caFile) or PEM text (ca). */
  caFile?: string;
  ca?: string;
  /** Client certificate and key for mTLS: file paths or PEM text. */
  certFile?: string;
  cert?: string;
  keyFile?: string;
  key?: string;
  /** A file holding a bearer token; re-read periodically so rotated tokens are picked up. */
  bearerTokenFile?: string;
  /** Basic auth. */
  username?: string;
  password?: string;
  /** Do not verify the controller's TLS certificate (testing only). */
  skipTlsVerify?: boolean;
  /** Per-request timeout (connect + reply), ms. */
  timeoutMs?: number;
  /** Most requests in flight at once; further calls wait. */
  maxConcurrency?: number;
  /** Extra attempts for reads and for requests that never reached a controller. */
  retries?: number;
  /** Backoff: first delay and cap, ms (exponential, with jitter). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** User-Agent header. */
  userAgent?: string;
  /** Largest reply body accepted, bytes. */
  maxResponseBytes?: number;
}

export const DEFAULT_HTTP_PORT = 3370;
export const DEFAULT_HTTPS_PORT = 3371;
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:3370';

export const DEFAULTS = {
  timeoutMs: 30_000,
  maxConcurrency: 16,
  retries: 3,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 5_000,
  maxResponseBytes: 256 * 1024 * 1024,
} as const;

/** The environment variable names (golinstor `client/client.go`). */
export const ENV = {
  controllers: 'LS_CONTROLLERS',
  rootCa: 'LS_ROOT_CA',
  userCertificate: 'LS_USER_CERTIFICATE',
  userKey: 'LS_USER_KEY',
  bearerTokenFile: 'LS_BEARER_TOKEN_FILE',
  username: 'LS_USERNAME',
  password: 'LS_PASSWORD',
} as const;

/**
 * Normalises one controller address to a base URL.
 * Accepts `host`, `host:port`, `[v6]:port`, `http://…`, `https://…`, `linstor://host` (http),
 * `linstor+ssl://host` (https). The default scheme is https when TLS material is configured,
 * else http; the default port is 3370 (http) or 3371 (https).
 */
export function normalizeEndpoint(raw: string, preferHttps = false): string {
  let s = raw.trim();
  if (s === '') throw new LinstorConfigError('empty LINSTOR controller address');
  let scheme: 'http' | 'https';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(s);
  if (m) {
    const given = (m[1] ?? '').toLowerCase();
    if (given === 'http' || given === 'linstor') scheme = 'http';
    else if (given === 'https' || given === 'linstor+ssl') scheme = 'https';
    else throw new LinstorConfigError(`unsupported scheme "${given}" in LINSTOR controller address "${raw}" (use http, https, linstor or linstor+ssl)`);
    s = s.slice(m[0].length);
  } else {
    scheme = preferHttps ? 'https' : 'http';
  }
  let url: URL;
  try {
    url = new URL(`${scheme}://${s}`);
  } catch {
    throw new LinstorConfigError(`invalid LINSTOR controller address "${raw}"`);
  }
  if (url.port === '') url.port = String(scheme === 'https' ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** Splits a comma list (LS_CONTROLLERS / --linstor-endpoint) into normalised base URLs. */
export function parseEndpoints(list: string, preferHttps = false): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => normalizeEndpoint(s, preferHttps));
}

function isPem(v: string): boolean {
  return v.trimStart().startsWith('-----BEGIN');
}

/**
 * Reads the LINSTOR connection settings from the environment:
 * - `LS_CONTROLLERS`: comma list of controllers (default http://127.0.0.1:3370);
 * - `LS_ROOT_CA`, `LS_USER_CERTIFICATE`, `LS_USER_KEY`: PEM text (as golinstor) or a file path;
 *   the `_FILE` variants always name a file;
 * - `LS_BEARER_TOKEN_FILE`; `LS_USERNAME` / `LS_PASSWORD` (or `LS_PASSWORD_FILE`).
 * Numeric knobs (timeout, concurrency, retries) are left unset for the config module to fill.
 */
export function linstorConnectionFromEnv(env: Readonly<Record<string, string | undefined>>): LinstorConnectionOptions {
  const get = (k: string): string | undefined => {
    const v = env[k];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const opts: LinstorConnectionOptions = { endpoints: [] };

  const pemOrFile = (name: string, set: (pem: string | undefined, file: string | undefined) => void): void => {
    const fileVar = get(`${name}_FILE`);
    const v = get(name);
    if (v !== undefined) {
      if (isPem(v)) set(v, undefined);
      else set(undefined, v.trim());
    } else if (fileVar !== undefined) {
      set(undefined, fileVar.trim());
    }
  };
  pemOrFile(ENV.rootCa, (pem, file) => {
    if (pem !== undefined) opts.ca = pem;
    if (file !== undefined) opts.caFile = file;
  });
  pemOrFile(ENV.userCertificate, (pem, file) => {
    if (pem !== undefined) opts.cert = pem;
    if (file !== undefined) opts.certFile = file;
  });
  pemOrFile(ENV.userKey, (pem, file) => {
    if (pem !== undefined) opts.key = pem;
    if (file !== undefined) opts.keyFile = file;
  });

  const token = get(ENV.bearerTokenFile);
  if (token !== undefined) opts.bearerTokenFile = token.trim();
  const user = get(ENV.username);
  if (user !== undefined) opts.username = user;
  const pass = get(ENV.password);
  const passFile = get(`${ENV.password}_FILE`);
  if (pass !== undefined) opts.password = pass;
  else if (passFile !== undefined) {
    try {
      opts.password = readFileSync(passFile.trim(), 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new LinstorConfigError(`cannot read ${ENV.password}_FILE "${passFile}": ${(e as Error).message}`);
    }
  }

  const tls = hasTlsMaterial(opts);
  const controllers = get(ENV.controllers);
  opts.endpoints = controllers !== undefined ? parseEndpoints(controllers, tls) : [normalizeEndpoint(DEFAULT_ENDPOINT)];
  // A list of only separators is a mistake, not a request for the default controller.
  if (opts.endpoints.length === 0) throw new LinstorConfigError(`${ENV.controllers} lists no controller ("${controllers ?? ''}"); use e.g. http://linstor-controller:3370`);
  return opts;
}

export function hasTlsMaterial(o: LinstorConnectionOptions): boolean {
  return Boolean(o.ca ?? o.caFile ?? o.cert ?? o.certFile ?? o.key ?? o.keyFile);
}

export interface ResolvedTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/** Loads the PEM material (files read once, at client construction). */
export function resolveTls(o: LinstorConnectionOptions): ResolvedTls {
  const load = (pem: string | undefined, file: string | undefined, what: string): string | undefined => {
    if (pem !== undefined) return pem;
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new LinstorConfigError(`cannot read LINSTOR ${what} file "${file}": ${(e as Error).message}`);
    }
  };
  const out: ResolvedTls = { rejectUnauthorized: !o.skipTlsVerify };
  const ca = load(o.ca, o.caFile, 'CA');
  const cert = load(o.cert, o.certFile, 'client certificate');
  const key = load(o.key, o.keyFile, 'client key');
  if ((cert === undefined) !== (key === undefined)) {
    throw new LinstorConfigError('LINSTOR mTLS needs both a client certificate and a key (LS_USER_CERTIFICATE and LS_USER_KEY)');
  }
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  return out;
}
