/** ApiCallRc reply builders for the entry lists the real controller sends. */
import { MASK_BITS_CODE, MASK_BITS_TYPE, makeRetCode, toUnsigned } from '../linstor/apicallrc.js';
import type { ApiCallRc } from '../linstor/types.js';

/** The entry with its op/obj bits replaced (the controller answers some steps in another context). */
export function withBits(e: ApiCallRc, op: bigint, obj: bigint): ApiCallRc {
  const code = toUnsigned(e.ret_code) & (MASK_BITS_TYPE | MASK_BITS_CODE);
  return { ...e, ret_code: makeRetCode(code, op, obj) };
}
