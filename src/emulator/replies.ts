/**
 * Building LINSTOR replies as the controller does: ApiCallRc entries from a code plus op/obj masks,
 * and the HTTP status a reply list is sent with.
 */
import {
  API_CALL_PARSE_ERROR,
  FAIL_SIGN_IN,
  FAIL_SIGN_IN_MISSING_CREDENTIALS,
  codeOf,
  isError,
  makeRetCode,
  retCodeIs,
  toUnsigned,
} from '../linstor/apicallrc.js';
import type { ApiCallRc } from '../linstor/types.js';

/** A reply entry without its ret_code (built from code | op | obj). */
export type ApiCallRcInit = Omit<ApiCallRc, 'ret_code'>;

/** Builds an entry with a signed ret_code from a code constant plus op/obj masks. */
export function apiCallRc(code: bigint, op: bigint, obj: bigint, init: ApiCallRcInit): ApiCallRc {
  const rc: ApiCallRc = { ret_code: makeRetCode(code, op, obj), message: init.message };
  if (init.cause) rc.cause = init.cause;
  if (init.details) rc.details = init.details;
  if (init.correction) rc.correction = init.correction;
  if (init.error_report_ids && init.error_report_ids.length > 0) rc.error_report_ids = init.error_report_ids;
  if (init.obj_refs && Object.keys(init.obj_refs).length > 0) rc.obj_refs = init.obj_refs;
  if (init.created_at) rc.created_at = init.created_at;
  return rc;
}

/**
 * The HTTP status the controller would send for a reply list (ApiCallRcRestUtils.toResponse):
 * the first error decides; otherwise `okStatus`.
 */
export function httpStatusFor(entries: readonly ApiCallRc[], okStatus: number): number {
  for (const e of entries) {
    if (!isError(e.ret_code)) continue;
    const u = toUnsigned(e.ret_code);
    if (u === API_CALL_PARSE_ERROR) return 400;
    const c = codeOf(e.ret_code);
    if (u === FAIL_SIGN_IN_MISSING_CREDENTIALS || retCodeIs(u, FAIL_SIGN_IN_MISSING_CREDENTIALS)) return 401;
    if (c >= 300 && c <= 399) return 404;
    if ((c >= 400 && c <= 499) || retCodeIs(u, FAIL_SIGN_IN)) return 403;
    return 500;
  }
  return okStatus;
}
