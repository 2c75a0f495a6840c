/**
 * LINSTOR client errors → CsiError, keeping LINSTOR's message, cause and correction in the
 * text (never a raw reply dump).
 */
import { Code, CsiError, isCsiError } from '../csi/errors.js';
import {
  FAIL_IMPL_ERROR,
  FAIL_INSUFFICIENT_PEER_SLOTS,
  FAIL_MISSING_STLT_CONN,
  FAIL_NOT_ALL_UPTODATE,
  FAIL_NOT_CONNECTED,
  FAIL_POOL_EXHAUSTED_MINOR_NR,
  FAIL_POOL_EXHAUSTED_NODE_ID,
  FAIL_POOL_EXHAUSTED_TCP_PORT,
  FAIL_RSC_BUSY,
  FAIL_SQL,
  FAIL_UNKNOWN_ERROR,
  codeOf,
} from './apicallrc.js';
import { LinstorApiError, LinstorUnavailableError } from './errors.js';

export function isLinstorApiError(e: unknown): e is LinstorApiError {
  return e instanceof LinstorApiError;
}

/** LINSTOR's words: message, cause and correction, in one line. */
export function linstorText(e: LinstorApiError): string {
  let t = e.message.trim().replace(/\.$/, '');
  if (e.cause && !t.includes(e.cause)) t += ` (cause: ${e.cause.trim().replace(/\.$/, '')})`;
  if (e.correction) t += `; LINSTOR suggests: ${e.correction.trim().replace(/\.$/, '')}`;
  return t;
}

export function codeFor(e: LinstorApiError): Code {
  if (e.isNotEnoughNodes() || e.isNotEnoughFreeSpace()) return Code.RESOURCE_EXHAUSTED;
  if ([FAIL_POOL_EXHAUSTED_MINOR_NR, FAIL_POOL_EXHAUSTED_TCP_PORT, FAIL_POOL_EXHAUSTED_NODE_ID, FAIL_INSUFFICIENT_PEER_SLOTS].some((c) => e.is(c))) {
    return Code.RESOURCE_EXHAUSTED;
  }
  if (e.isInUse() || e.is(FAIL_NOT_ALL_UPTODATE)) return Code.FAILED_PRECONDITION;
  if (e.is(FAIL_NOT_CONNECTED) || e.is(FAIL_MISSING_STLT_CONN)) return Code.UNAVAILABLE;
  if (e.is(FAIL_RSC_BUSY)) return Code.ABORTED;
  if (e.isAccessDenied()) return Code.PERMISSION_DENIED;
  if (e.isNotFound()) return Code.NOT_FOUND;
  if (e.isAlreadyExists()) return Code.ALREADY_EXISTS;
  if (e.retCode !== undefined) {
    const c = codeOf(e.retCode);
    if (c >= 200 && c < 300) return Code.INVALID_ARGUMENT;
    if (e.is(FAIL_SQL) || e.is(FAIL_IMPL_ERROR) || e.is(FAIL_UNKNOWN_ERROR)) return Code.INTERNAL;
  }
  // A 5xx without an error entry (proxy, overload): worth a retry.
  if (e.status >= 500) return Code.UNAVAILABLE;
  return Code.INTERNAL;
}

/**
 * The CsiError for an error from a LINSTOR call made while `doing` (e.g. "creating volume
 * pvc-1"): CsiErrors pass through, LINSTOR errors and aborts get their code. Anything else is no
 * LINSTOR error: undefined, and the caller throws it as it is (it becomes INTERNAL).
 */
export function mapLinstorError(e: unknown, doing: string): CsiError | undefined {
  if (isCsiError(e)) return e;
  if (e instanceof LinstorUnavailableError) {
    return new CsiError(Code.UNAVAILABLE, `${doing}: ${e.message}`, { cause: e });
  }
  if (e instanceof LinstorApiError) {
    const code = codeFor(e);
    const hint = code === Code.RESOURCE_EXHAUSTED ? ' (not enough nodes or free space for the requested placement)' : '';
    return new CsiError(code, `${doing}: LINSTOR: ${linstorText(e)}${hint}`, { cause: e });
  }
  if (e instanceof Error && e.name === 'AbortError') return new CsiError(Code.CANCELLED, `${doing}: cancelled`, { cause: e });
  return undefined;
}

/** Runs a LINSTOR call and maps its failure. */
export async function linstorCall<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapLinstorError(e, doing) ?? e;
  }
}

export function isNotFoundError(e: unknown): boolean {
  return e instanceof LinstorApiError && e.isNotFound();
}
