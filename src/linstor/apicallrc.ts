/**
 * LINSTOR ApiCallRc: bit masks, return codes, classification helpers and a JSON codec that keeps
 * `ret_code` exact.
 *
 * `ret_code` is a signed Java long. Error and warning codes have bit 63 set, so they are large
 * negative numbers on the wire (e.g. -4611686018406940171). A JS number keeps only 53 bits and
 * would lose the low bits, which are the code itself. Therefore:
 * - replies are parsed with `parseLinstorJson`, which turns every `"ret_code"` integer into a
 *   `bigint` (signed, as on the wire);
 * - requests/replies are written with `stringifyLinstorJson`, which writes bigints as exact
 *   JSON integers.
 *
 * Mask and code constants below are **unsigned** 64-bit values (as in golinstor's apiconsts.go
 * and linstor-common consts.json); codes are OR'ed with their type mask. All helpers accept a
 * signed or unsigned ret_code.
 */
import type { ApiCallRc } from './types.js';

// ---------------------------------------------------------------------------------------------
// Masks
// ---------------------------------------------------------------------------------------------

export const MASK_BITS_TYPE = 0xc000000000000000n;
/** Error = both top bits. */
export const MASK_ERROR = 0xc000000000000000n;
/** Warning = bit 63 only. */
export const MASK_WARN = 0x8000000000000000n;
/** Info = bit 62 only. */
export const MASK_INFO = 0x4000000000000000n;
export const MASK_SUCCESS = 0x0n;

export const MASK_BITS_OP = 0x3000000n;
export const MASK_CRT = 0x1000000n;
export const MASK_MOD = 0x2000000n;
export const MASK_DEL = 0x3000000n;

export const MASK_BITS_OBJ = 0x7c0000n;
export const MASK_NODE = 0x3c0000n;
export const MASK_RSC_DFN = 0x380000n;
export const MASK_RSC = 0x340000n;
export const MASK_VLM_DFN = 0x300000n;
export const MASK_VLM = 0x2c0000n;
export const MASK_NODE_CONN = 0x280000n;
export const MASK_RSC_CONN = 0x240000n;
export const MASK_NET_IF = 0x1c0000n;
export const MASK_STOR_POOL_DFN = 0x180000n;
export const MASK_STOR_POOL = 0x140000n;
export const MASK_CTRL_CONF = 0x100000n;
export const MASK_SNAPSHOT = 0xc0000n;
export const MASK_BACKUP = 0x80000n;
export const MASK_REMOTE = 0x40000n;
export const MASK_KVS = 0x400000n;
export const MASK_RSC_GRP = 0x440000n;
export const MASK_VLM_GRP = 0x480000n;

export const MASK_BITS_CODE = 0x7fffn;

const U64 = 0xffffffffffffffffn;

// ---------------------------------------------------------------------------------------------
// Codes (unsigned, OR'ed with their type mask, without op/obj bits)
// ---------------------------------------------------------------------------------------------

// success
export const CREATED = 1n;
export const DELETED = 2n;
export const MODIFIED = 3n;

// errors
export const FAIL_SQL = MASK_ERROR | 100n;

export const FAIL_INVLD_NODE_NAME = MASK_ERROR | 200n;
export const FAIL_INVLD_RSC_NAME = MASK_ERROR | 202n;
export const FAIL_INVLD_VLM_SIZE = MASK_ERROR | 206n;
export const FAIL_INVLD_STOR_POOL_NAME = MASK_ERROR | 208n;
export const FAIL_INVLD_PROP = MASK_ERROR | 213n;
export const FAIL_INVLD_SNAPSHOT_NAME = MASK_ERROR | 218n;
export const FAIL_INVLD_PLACE_COUNT = MASK_ERROR | 219n;
export const FAIL_INVLD_LAYER_STACK = MASK_ERROR | 225n;
export const FAIL_INVLD_VLM_SIZES = MASK_ERROR | 228n;
export const FAIL_INVLD_REQUEST = MASK_ERROR | 234n;
export const FAIL_INVLD_RSC_GRP_NAME = MASK_ERROR | 237n;

export const FAIL_NOT_FOUND_NODE = MASK_ERROR | 300n;
export const FAIL_NOT_FOUND_RSC_DFN = MASK_ERROR | 301n;
export const FAIL_NOT_FOUND_RSC = MASK_ERROR | 302n;
export const FAIL_NOT_FOUND_VLM_DFN = MASK_ERROR | 303n;
export const FAIL_NOT_FOUND_VLM = MASK_ERROR | 304n;
export const FAIL_NOT_FOUND_NET_IF = MASK_ERROR | 305n;
export const FAIL_NOT_FOUND_STOR_POOL_DFN = MASK_ERROR | 309n;
export const FAIL_NOT_FOUND_STOR_POOL = MASK_ERROR | 310n;
export const FAIL_NOT_FOUND_DFLT_STOR_POOL = MASK_ERROR | 311n;
export const FAIL_NOT_FOUND_SNAPSHOT_DFN = MASK_ERROR | 313n;
export const FAIL_NOT_FOUND_SNAPSHOT_VLM_DFN = MASK_ERROR | 314n;
export const FAIL_NOT_FOUND_SNAPSHOT = MASK_ERROR | 315n;
export const FAIL_NOT_FOUND_KVS = MASK_ERROR | 316n;
export const FAIL_NOT_FOUND_RSC_GRP = MASK_ERROR | 317n;
export const FAIL_NOT_FOUND_VLM_GRP = MASK_ERROR | 318n;

/** Access denied: codes 400–424. */
export const FAIL_ACC_DENIED_FIRST = 400;
export const FAIL_ACC_DENIED_LAST = 424;

export const FAIL_EXISTS_NODE = MASK_ERROR | 500n;
export const FAIL_EXISTS_RSC_DFN = MASK_ERROR | 501n;
export const FAIL_EXISTS_RSC = MASK_ERROR | 502n;
export const FAIL_EXISTS_VLM_DFN = MASK_ERROR | 503n;
export const FAIL_EXISTS_VLM = MASK_ERROR | 504n;
export const FAIL_EXISTS_NET_IF = MASK_ERROR | 505n;
export const FAIL_EXISTS_STOR_POOL = MASK_ERROR | 510n;
export const FAIL_EXISTS_SNAPSHOT_DFN = MASK_ERROR | 514n;
export const FAIL_EXISTS_SNAPSHOT = MASK_ERROR | 516n;
export const FAIL_EXISTS_EXT_NAME = MASK_ERROR | 517n;
export const FAIL_EXISTS_RSC_GRP = MASK_ERROR | 522n;
export const FAIL_EXISTS_VLM_GRP = MASK_ERROR | 523n;

export const FAIL_MISSING_PROPS = MASK_ERROR | 600n;
export const FAIL_MISSING_STLT_CONN = MASK_ERROR | 605n;
export const FAIL_MISSING_EXT_NAME = MASK_ERROR | 606n;

export const FAIL_POOL_EXHAUSTED_MINOR_NR = MASK_ERROR | 801n;
export const FAIL_POOL_EXHAUSTED_TCP_PORT = MASK_ERROR | 802n;
export const FAIL_POOL_EXHAUSTED_NODE_ID = MASK_ERROR | 803n;

export const FAIL_NOT_ALL_UPTODATE = MASK_ERROR | 974n;
export const FAIL_SNAPSHOT_NOT_UPTODATE = MASK_ERROR | 979n;
export const FAIL_NOT_ENOUGH_FREE_SPACE = MASK_ERROR | 980n;
export const FAIL_RSC_BUSY = MASK_ERROR | 992n;
export const FAIL_INSUFFICIENT_PEER_SLOTS = MASK_ERROR | 993n;
export const FAIL_SNAPSHOTS_NOT_SUPPORTED = MASK_ERROR | 994n;
export const FAIL_NOT_CONNECTED = MASK_ERROR | 995n;
export const FAIL_NOT_ENOUGH_NODES = MASK_ERROR | 996n;
export const FAIL_IN_USE = MASK_ERROR | 997n;
export const FAIL_UNKNOWN_ERROR = MASK_ERROR | 998n;
export const FAIL_IMPL_ERROR = MASK_ERROR | 999n;

export const FAIL_SIGN_IN = MASK_ERROR | 10000n;
export const FAIL_SIGN_IN_MISSING_CREDENTIALS = MASK_ERROR | 10001n;

// warnings
export const WARN_NOT_CONNECTED = MASK_WARN | 1002n;
export const WARN_STLT_NOT_UPDATED = MASK_WARN | 1003n;
export const WARN_DEL_UNSET_PROP = MASK_WARN | 1005n;
export const WARN_RSC_ALREADY_DEPLOYED = MASK_WARN | 1006n;
export const WARN_RSC_ALREADY_HAS_DISK = MASK_WARN | 1007n;
export const WARN_RSC_ALREADY_DISKLESS = MASK_WARN | 1008n;
export const WARN_ALL_DISKLESS = MASK_WARN | 1009n;
export const WARN_STORAGE_ERROR = MASK_WARN | 1010n;
export const WARN_NOT_ENOUGH_NODES_FOR_TIE_BREAKER = MASK_WARN | 1013n;
export const WARN_VLMDFN_RESIZE_SAME_SIZE = MASK_WARN | 1023n;
export const WARN_NOT_FOUND = MASK_WARN | 3000n;
export const WARN_NO_EFFECT = MASK_WARN | 3001n;
export const WARN_DEPRECATED = MASK_WARN | 4000n;

// info
export const INFO_NO_RSC_SPAWNED = MASK_INFO | 10000n;
export const INFO_PROP_SET = MASK_INFO | 10002n;
export const INFO_TIE_BREAKER_CREATED = MASK_INFO | 10003n;
export const INFO_TIE_BREAKER_DELETING = MASK_INFO | 10004n;
export const INFO_PROP_REMOVED = MASK_INFO | 10005n;
export const INFO_NOOP = MASK_INFO | 10007n;
export const INFO_RSC_ALREADY_EXISTS = MASK_INFO | 10008n;

// special (whole value, no op/obj bits)
export const UNKNOWN_API_CALL = MASK_ERROR | 0x0fffffffffffffffn;
export const API_CALL_AUTH_REQ = MASK_ERROR | 0x0ffffffffffffffen;
export const API_CALL_PARSE_ERROR = MASK_ERROR | 0x0ffffffffffffffdn;

/** Every named code above, for diagnostics (`retCodeName`). */
export const RET_CODE_NAMES: ReadonlyMap<bigint, string> = new Map<bigint, string>(
  Object.entries({
    FAIL_SQL, FAIL_INVLD_NODE_NAME, FAIL_INVLD_RSC_NAME, FAIL_INVLD_VLM_SIZE, FAIL_INVLD_STOR_POOL_NAME,
    FAIL_INVLD_PROP, FAIL_INVLD_SNAPSHOT_NAME, FAIL_INVLD_PLACE_COUNT, FAIL_INVLD_LAYER_STACK,
    FAIL_INVLD_VLM_SIZES, FAIL_INVLD_REQUEST, FAIL_INVLD_RSC_GRP_NAME,
    FAIL_NOT_FOUND_NODE, FAIL_NOT_FOUND_RSC_DFN, FAIL_NOT_FOUND_RSC, FAIL_NOT_FOUND_VLM_DFN,
    FAIL_NOT_FOUND_VLM, FAIL_NOT_FOUND_NET_IF, FAIL_NOT_FOUND_STOR_POOL_DFN, FAIL_NOT_FOUND_STOR_POOL,
    FAIL_NOT_FOUND_DFLT_STOR_POOL, FAIL_NOT_FOUND_SNAPSHOT_DFN, FAIL_NOT_FOUND_SNAPSHOT_VLM_DFN,
    FAIL_NOT_FOUND_SNAPSHOT, FAIL_NOT_FOUND_KVS, FAIL_NOT_FOUND_RSC_GRP, FAIL_NOT_FOUND_VLM_GRP,
    FAIL_EXISTS_NODE, FAIL_EXISTS_RSC_DFN, FAIL_EXISTS_RSC, FAIL_EXISTS_VLM_DFN, FAIL_EXISTS_VLM,
    FAIL_EXISTS_NET_IF, FAIL_EXISTS_STOR_POOL, FAIL_EXISTS_SNAPSHOT_DFN, FAIL_EXISTS_SNAPSHOT,
    FAIL_EXISTS_EXT_NAME, FAIL_EXISTS_RSC_GRP, FAIL_EXISTS_VLM_GRP,
    FAIL_MISSING_PROPS, FAIL_MISSING_STLT_CONN, FAIL_MISSING_EXT_NAME,
    FAIL_POOL_EXHAUSTED_MINOR_NR, FAIL_POOL_EXHAUSTED_TCP_PORT, FAIL_POOL_EXHAUSTED_NODE_ID,
    FAIL_NOT_ALL_UPTODATE, FAIL_SNAPSHOT_NOT_UPTODATE, FAIL_NOT_ENOUGH_FREE_SPACE, FAIL_RSC_BUSY,
    FAIL_INSUFFICIENT_PEER_SLOTS, FAIL_SNAPSHOTS_NOT_SUPPORTED, FAIL_NOT_CONNECTED, FAIL_NOT_ENOUGH_NODES,
    FAIL_IN_USE, FAIL_UNKNOWN_ERROR, FAIL_IMPL_ERROR, FAIL_SIGN_IN, FAIL_SIGN_IN_MISSING_CREDENTIALS,
    WARN_NOT_CONNECTED, WARN_STLT_NOT_UPDATED, WARN_DEL_UNSET_PROP, WARN_RSC_ALREADY_DEPLOYED,
    WARN_RSC_ALREADY_HAS_DISK, WARN_RSC_ALREADY_DISKLESS, WARN_ALL_DISKLESS, WARN_STORAGE_ERROR,
    WARN_NOT_ENOUGH_NODES_FOR_TIE_BREAKER, WARN_VLMDFN_RESIZE_SAME_SIZE, WARN_NOT_FOUND, WARN_NO_EFFECT,
    WARN_DEPRECATED,
    INFO_NO_RSC_SPAWNED, INFO_PROP_SET, INFO_TIE_BREAKER_CREATED, INFO_TIE_BREAKER_DELETING,
    INFO_PROP_REMOVED, INFO_NOOP, INFO_RSC_ALREADY_EXISTS,
  }).map(([k, v]) => [v, k] as const),
);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** The ret_code as an unsigned 64-bit value (accepts the signed wire form). */
export function toUnsigned(retCode: bigint): bigint {
  return BigInt.asUintN(64, retCode);
}

/** The ret_code as the signed 64-bit value that goes on the wire. */
export function toSigned(retCode: bigint): bigint {
  return BigInt.asIntN(64, retCode);
}

export type RcType = 'error' | 'warning' | 'info' | 'success';

export function rcType(retCode: bigint): RcType {
  const t = toUnsigned(retCode) & MASK_BITS_TYPE;
  if (t === MASK_ERROR) return 'error';
  if (t === MASK_WARN) return 'warning';
  if (t === MASK_INFO) return 'info';
  return 'success';
}

/** Both top bits set (the python client's test). */
export function isError(retCode: bigint): boolean {
  return (toUnsigned(retCode) & MASK_ERROR) === MASK_ERROR;
}

/** Exactly a warning (bit 63 only). Unlike python's is_warning, errors do not count. */
export function isWarning(retCode: bigint): boolean {
  return (toUnsigned(retCode) & MASK_BITS_TYPE) === MASK_WARN;
}

/** Exactly an info entry (bit 62 only). */
export function isInfo(retCode: bigint): boolean {
  return (toUnsigned(retCode) & MASK_BITS_TYPE) === MASK_INFO;
}

export function isSuccess(retCode: bigint): boolean {
  return (toUnsigned(retCode) & MASK_BITS_TYPE) === MASK_SUCCESS;
}

/** The code part (`ret_code & 0x7FFF`), e.g. 501. */
export function codeOf(retCode: bigint): number {
  return Number(toUnsigned(retCode) & MASK_BITS_CODE);
}

/** The operation bits (MASK_CRT / MASK_MOD / MASK_DEL, or 0n). */
export function opOf(retCode: bigint): bigint {
  return toUnsigned(retCode) & MASK_BITS_OP;
}

/** The object bits (MASK_RSC_DFN, …, or 0n). */
export function objOf(retCode: bigint): bigint {
  return toUnsigned(retCode) & MASK_BITS_OBJ;
}

/**
 * golinstor's `ApiCallRc.Is`: compares type and code, ignoring op/obj bits.
 * `retCodeIs(rc, FAIL_EXISTS_RSC_DFN)` matches whatever op and object bits are set.
 * Special whole-value codes (UNKNOWN_API_CALL …) are compared exactly.
 */
export function retCodeIs(retCode: bigint, code: bigint): boolean {
  const u = toUnsigned(retCode);
  const c = toUnsigned(code);
  if ((c & ~(MASK_BITS_TYPE | MASK_BITS_CODE) & U64) !== 0n) return u === c;
  return (u & (MASK_BITS_TYPE | MASK_BITS_CODE)) === c;
}

/**
 * Builds a signed wire ret_code from a type-or-code, an optional op mask and an optional object
 * mask: `makeRetCode(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN)` = -4611686018406940171n.
 * The first argument may also be a bare type mask plus a numeric code:
 * `makeRetCode(MASK_ERROR | 501n, ...)`.
 */
export function makeRetCode(code: bigint, op: bigint = 0n, obj: bigint = 0n): bigint {
  return toSigned((toUnsigned(code) | op | obj) & U64);
}

/** The constant's name for a ret_code (type+code only), e.g. "FAIL_EXISTS_RSC_DFN"; else hex. */
export function retCodeName(retCode: bigint): string {
  const u = toUnsigned(retCode);
  const exact = RET_CODE_NAMES.get(u);
  if (exact !== undefined) return exact;
  const key = u & (MASK_BITS_TYPE | MASK_BITS_CODE);
  const name = RET_CODE_NAMES.get(key);
  if (name !== undefined) return name;
  return `0x${u.toString(16).toUpperCase()}`;
}

/** Type/op/obj/code as text for logs: "ERROR CRT RSC_DFN 501 (FAIL_EXISTS_RSC_DFN)". */
export function describeRetCode(retCode: bigint): string {
  const ops: Record<string, string> = { [String(MASK_CRT)]: 'CRT', [String(MASK_MOD)]: 'MOD', [String(MASK_DEL)]: 'DEL' };
  const op = ops[String(opOf(retCode))];
  const objName = OBJ_NAMES.get(objOf(retCode));
  return [rcType(retCode).toUpperCase(), op, objName, String(codeOf(retCode)), `(${retCodeName(retCode)})`]
    .filter((s): s is string => s !== undefined)
    .join(' ');
}

const OBJ_NAMES: ReadonlyMap<bigint, string> = new Map<bigint, string>([
  [MASK_NODE, 'NODE'],
  [MASK_RSC_DFN, 'RSC_DFN'],
  [MASK_RSC, 'RSC'],
  [MASK_VLM_DFN, 'VLM_DFN'],
  [MASK_VLM, 'VLM'],
  [MASK_NODE_CONN, 'NODE_CONN'],
  [MASK_RSC_CONN, 'RSC_CONN'],
  [MASK_NET_IF, 'NET_IF'],
  [MASK_STOR_POOL_DFN, 'STOR_POOL_DFN'],
  [MASK_STOR_POOL, 'STOR_POOL'],
  [MASK_CTRL_CONF, 'CTRL_CONF'],
  [MASK_SNAPSHOT, 'SNAPSHOT'],
  [MASK_BACKUP, 'BACKUP'],
  [MASK_REMOTE, 'REMOTE'],
  [MASK_KVS, 'KVS'],
  [MASK_RSC_GRP, 'RSC_GRP'],
  [MASK_VLM_GRP, 'VLM_GRP'],
]);

/** Not-found codes 300–399 (the server answers those with 404). */
export function isNotFoundCode(retCode: bigint): boolean {
  const c = codeOf(retCode);
  return isError(retCode) && c >= 300 && c <= 399;
}

/** Already-exists codes 500–599. */
export function isAlreadyExistsCode(retCode: bigint): boolean {
  const c = codeOf(retCode);
  return isError(retCode) && c >= 500 && c <= 599;
}

/** Access-denied codes 400–499 (403). */
export function isAccessDeniedCode(retCode: bigint): boolean {
  const c = codeOf(retCode);
  return isError(retCode) && c >= 400 && c <= 499;
}

/** The error entries of a reply. */
export function errorsOf(entries: readonly ApiCallRc[]): ApiCallRc[] {
  return entries.filter((e) => isError(e.ret_code));
}

/** The warning entries of a reply (exact warnings, not errors). */
export function warningsOf(entries: readonly ApiCallRc[]): ApiCallRc[] {
  return entries.filter((e) => isWarning(e.ret_code));
}

/** Whether any entry matches `code` (see retCodeIs). */
export function hasRetCode(entries: readonly ApiCallRc[], code: bigint): boolean {
  return entries.some((e) => retCodeIs(e.ret_code, code));
}

/** A reply entry as golinstor prints it: "Message: '…'; Cause: '…'; …". */
export function formatApiCallRc(rc: ApiCallRc): string {
  let s = `Message: '${rc.message}'`;
  if (rc.cause) s += `; Cause: '${rc.cause}'`;
  if (rc.details) s += `; Details: '${rc.details}'`;
  if (rc.correction) s += `; Correction: '${rc.correction}'`;
  if (rc.error_report_ids && rc.error_report_ids.length > 0) s += `; Reports: '[${rc.error_report_ids.join(',')}]'`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// JSON codec keeping ret_code exact
// ---------------------------------------------------------------------------------------------

const BIG_MARK = '\u0000linstor-bigint:';
/** BIG_MARK as it is written inside JSON text (a raw NUL is not allowed there). */
const BIG_MARK_ESCAPED = '\\u0000linstor-bigint:';

/**
 * A `"ret_code"` key with an integer value. In valid JSON an unescaped quote followed by
 * `ret_code"` can only open a key (a closing quote cannot be followed by a letter), so the one
 * check needed is that the opening quote is not escaped, i.e. not preceded by a backslash.
 */
const RET_CODE_INT = /"ret_code"(\s*:\s*)(-?\d+)(?![\d.eE])/g;

/**
 * JSON.parse that keeps every `"ret_code"` integer exact, as a signed `bigint`.
 * Other numbers are parsed as usual.
 */
export function parseLinstorJson(text: string): unknown {
  if (!text.includes('"ret_code"')) return JSON.parse(text);
  let marked = false;
  const quoted = text.replace(RET_CODE_INT, (m: string, colon: string, num: string, offset: number) => {
    if (offset > 0 && text.charCodeAt(offset - 1) === 0x5c /* \ */) return m;
    marked = true;
    return `"ret_code"${colon}"${BIG_MARK_ESCAPED}${num}"`;
  });
  const value: unknown = JSON.parse(quoted);
  // A walk over the parsed value is much cheaper than a JSON.parse reviver (called for every value).
  if (marked) reviveRetCodes(value);
  return value;
}

function reviveRetCodes(v: unknown): void {
  if (Array.isArray(v)) {
    for (const item of v) if (item !== null && typeof item === 'object') reviveRetCodes(item);
    return;
  }
  if (v === null || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  for (const key in o) {
    const x = o[key];
    if (key === 'ret_code' && typeof x === 'string' && x.startsWith(BIG_MARK)) o[key] = BigInt(x.slice(BIG_MARK.length));
    else if (x !== null && typeof x === 'object') reviveRetCodes(x);
  }
}

const BIG_OUT = /"\\u0000linstor-bigint:(-?\d+)"/g;

/** JSON.stringify that writes every bigint (ret_code) as an exact JSON integer. */
export function stringifyLinstorJson(value: unknown, space?: number): string {
  let sawBig = false;
  const s = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') {
        sawBig = true;
        return `${BIG_MARK}${v.toString()}`;
      }
      return v;
    },
    space,
  );
  if (s === undefined) return 'null';
  return sawBig ? s.replace(BIG_OUT, '$1') : s;
}

/** Narrows unknown JSON to an ApiCallRc list (every element an object with a bigint ret_code). */
export function isApiCallRcList(v: unknown): v is ApiCallRc[] {
  return (
    Array.isArray(v) &&
    v.every((e: unknown) => typeof e === 'object' && e !== null && typeof (e as { ret_code?: unknown }).ret_code === 'bigint')
  );
}
