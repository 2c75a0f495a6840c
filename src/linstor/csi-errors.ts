/**
 * LINSTOR client errors → CsiError, keeping LINSTOR's message, cause and correction in the
 * text (never a raw reply dump).
 */
import { Code, CsiError, isCsiError } from '../csi/errors.js';
import { codeOf } from './apicallrc.js';
import { grpcCodeForRetCode } from './ret-codes.js';
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

/**
 * By meaning: the error entry's ret_code through the one table (ret-codes.ts). Only a reply
 * without a known error code falls back on the HTTP status: 404 not found, 401/403 denied, a
 * 5xx without an entry (proxy, overload) worth a retry.
 */
export function codeFor(e: LinstorApiError): Code {
  if (e.retCode !== undefined) {
    const c = grpcCodeForRetCode(codeOf(e.retCode));
    if (c !== undefined) return c;
  }
  if (e.status === 404) return Code.NOT_FOUND;
  if (e.status === 401 || e.status === 403) return Code.PERMISSION_DENIED;
  if (e.status >= 500 && e.retCode === undefined) return Code.UNAVAILABLE;
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
