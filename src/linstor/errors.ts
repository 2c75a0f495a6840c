/**
 * Typed LINSTOR client errors.
 *
 * - `LinstorApiError`: the controller answered, with an error (any non-2xx status, or an error
 *   entry in the reply). Keeps the HTTP status and every ApiCallRc entry.
 * - `LinstorUnavailableError`: no controller could be reached (connection refused, DNS, TLS,
 *   timeout), on every configured endpoint. The services map it to gRPC UNAVAILABLE.
 * - `LinstorConfigError`: the connection settings are unusable (bad URL, unreadable cert file).
 */
import type { ApiCallRc } from './types.js';
import {
  FAIL_IN_USE,
  FAIL_NOT_ENOUGH_FREE_SPACE,
  FAIL_NOT_ENOUGH_NODES,
  errorsOf,
  isAccessDeniedCode,
  isAlreadyExistsCode,
  isError,
  isNotFoundCode,
  retCodeIs,
  retCodeName,
} from './apicallrc.js';

export interface LinstorApiErrorInit {
  status: number;
  method: string;
  /** Request path without the query string. */
  path: string;
  entries: ApiCallRc[];
  /** Which controller answered. */
  endpoint?: string;
  /** Used as the message when there is no error entry. */
  fallbackMessage?: string;
}

export class LinstorApiError extends Error {
  /** HTTP status of the reply (a 2xx when the error came inside a successful reply). */
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly endpoint: string | undefined;
  /** Every entry of the reply (errors, warnings, infos). */
  readonly entries: readonly ApiCallRc[];
  /** ret_code of the first error entry (signed, as on the wire); undefined when there is none. */
  readonly retCode: bigint | undefined;
  /** The first error entry's `cause`. */
  override readonly cause: string | undefined;
  /** The first error entry's `correction`. */
  readonly correction: string | undefined;
  /** The first error entry's `details`. */
  readonly details: string | undefined;
  readonly errorReportIds: readonly string[];

  constructor(init: LinstorApiErrorInit) {
    const first = errorsOf(init.entries)[0];
    super(first?.message ?? init.fallbackMessage ?? `LINSTOR answered HTTP ${init.status} to ${init.method} ${init.path}`);
    this.name = 'LinstorApiError';
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.endpoint = init.endpoint;
    this.entries = init.entries;
    this.retCode = first?.ret_code;
    this.cause = first?.cause;
    this.correction = first?.correction;
    this.details = first?.details;
    this.errorReportIds = errorsOf(init.entries).flatMap((e) => e.error_report_ids ?? []);
  }

  /** The error entries of the reply. */
  get errors(): ApiCallRc[] {
    return errorsOf(this.entries);
  }

  /** Whether any error entry matches `code` (type + code, ignoring op/obj bits, like golinstor `Is`). */
  is(code: bigint): boolean {
    return this.entries.some((e) => isError(e.ret_code) && retCodeIs(e.ret_code, code));
  }

  /** HTTP 404, or a FAIL_NOT_FOUND_* (300–399) error entry. */
  isNotFound(): boolean {
    return this.status === 404 || this.errors.some((e) => isNotFoundCode(e.ret_code));
  }

  /** A FAIL_EXISTS_* (500–599) error entry. LINSTOR answers these with HTTP 500, never 409. */
  isAlreadyExists(): boolean {
    return this.errors.some((e) => isAlreadyExistsCode(e.ret_code));
  }

  /** FAIL_IN_USE (the resource is still Primary somewhere, or the last diskful replica). */
  isInUse(): boolean {
    return this.is(FAIL_IN_USE);
  }

  /** FAIL_NOT_ENOUGH_NODES (autoplace cannot satisfy the filter). */
  isNotEnoughNodes(): boolean {
    return this.is(FAIL_NOT_ENOUGH_NODES);
  }

  isNotEnoughFreeSpace(): boolean {
    return this.is(FAIL_NOT_ENOUGH_FREE_SPACE);
  }

  /** 401/403 or a FAIL_ACC_DENIED_* entry. */
  isAccessDenied(): boolean {
    return this.status === 401 || this.status === 403 || this.errors.some((e) => isAccessDeniedCode(e.ret_code));
  }

  /** One line for logs: method, path, status, code name, message, cause, correction. */
  describe(): string {
    const parts = [`${this.method} ${this.path} -> HTTP ${this.status}`];
    if (this.retCode !== undefined) parts.push(retCodeName(this.retCode));
    parts.push(this.message);
    if (this.cause) parts.push(`cause: ${this.cause}`);
    if (this.correction) parts.push(`correction: ${this.correction}`);
    if (this.errorReportIds.length > 0) parts.push(`error reports: ${this.errorReportIds.join(',')}`);
    return parts.join('; ');
  }
}

export interface EndpointFailure {
  endpoint: string;
  /** e.g. "ECONNREFUSED", "timeout after 10000 ms", "HTTP 503". */
  reason: string;
}

export class LinstorUnavailableError extends Error {
  readonly method: string;
  readonly path: string;
  /** What went wrong on each endpoint that was tried (last attempt per endpoint). */
  readonly failures: readonly EndpointFailure[];
  /**
   * True when a write may have reached the controller (the request was sent, then the
   * connection failed or timed out) and its outcome could not be confirmed by reading back.
   */
  readonly outcomeUnknown: boolean;

  constructor(method: string, path: string, failures: EndpointFailure[], outcomeUnknown = false) {
    const list = failures.map((f) => `${f.endpoint} (${f.reason})`).join(', ');
    super(
      `LINSTOR controller unavailable for ${method} ${path}: ${list || 'no endpoint configured'}` +
        (outcomeUnknown ? '; the request may have been applied' : ''),
    );
    this.name = 'LinstorUnavailableError';
    this.method = method;
    this.path = path;
    this.failures = failures;
    this.outcomeUnknown = outcomeUnknown;
  }
}

export class LinstorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinstorConfigError';
  }
}

export function isLinstorApiError(e: unknown): e is LinstorApiError {
  return e instanceof LinstorApiError;
}

export function isLinstorUnavailableError(e: unknown): e is LinstorUnavailableError {
  return e instanceof LinstorUnavailableError;
}

/** True for a LinstorApiError that means "not found" (404 or a FAIL_NOT_FOUND_* code). */
export function isNotFoundError(e: unknown): boolean {
  return e instanceof LinstorApiError && e.isNotFound();
}

/** True for a LinstorApiError with a FAIL_EXISTS_* code. */
export function isAlreadyExistsError(e: unknown): boolean {
  return e instanceof LinstorApiError && e.isAlreadyExists();
}
