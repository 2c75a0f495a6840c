/**
 * Retry policy of the LINSTOR client.
 *
 * What may be resent:
 * - any request that never reached a controller (connection refused, DNS failure, TLS handshake
 *   failure, timeout before the connection was up): nothing was sent, so resending is safe;
 * - reads (GET), after any transport failure or a transient server answer (502/503/504, or a 500
 *   that is not a LINSTOR ApiCallRc verdict);
 * - never a write whose request may have reached the controller, unless its state was first read
 *   back and shows the write did not happen.
 */
import { FAIL_IMPL_ERROR, FAIL_SQL, FAIL_UNKNOWN_ERROR, errorsOf, isApiCallRcList, retCodeIs } from './apicallrc.js';

export interface RetryPolicy {
  /** Extra attempts after the first round over all endpoints. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed, half random.
 * `attempt` starts at 1 for the first retry. `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const half = exp / 2;
  return Math.round(half + random() * half);
}

/** Transport error codes that mean the request was certainly not delivered. */
const PRE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/** Whether a socket-level error code proves nothing was sent. */
export function isPreSendErrorCode(code: string | undefined): boolean {
  return code !== undefined && PRE_SEND_CODES.has(code);
}

/** HTTP statuses that mean "try again / elsewhere" rather than a verdict. */
export function isTransientStatus(status: number, body: unknown): boolean {
  if (status === 502 || status === 503 || status === 504) return true;
  if (status !== 500) return false;
  // A 500 with an ApiCallRc verdict (FAIL_EXISTS_*, FAIL_IN_USE, …) is a real answer; only an
  // unhandled exception (FAIL_UNKNOWN_ERROR / FAIL_IMPL_ERROR / FAIL_SQL) or a non-LINSTOR body is transient.
  if (!isApiCallRcList(body)) return true;
  const first = errorsOf(body)[0];
  if (first === undefined) return true;
  return [FAIL_UNKNOWN_ERROR, FAIL_IMPL_ERROR, FAIL_SQL].some((c) => retCodeIs(first.ret_code, c));
}

export type FailureKind =
  /** Nothing reached the controller: safe to resend anything. */
  | 'not-sent'
  /** The request may have been processed. */
  | 'maybe-sent';

/** What to do after a transport failure. */
export function mayResend(kind: FailureKind, idempotent: boolean): boolean {
  return kind === 'not-sent' || idempotent;
}
