/** ApiCallRc codes: the shared ones, plus the few the emulator needs that apicallrc.ts lacks. */
import { MASK_ERROR } from '../../linstor/apicallrc.js';

export * from '../../linstor/apicallrc.js';

/** linstor-common consts.json: FAIL_INVLD_VLM_NR = 205. */
export const FAIL_INVLD_VLM_NR = MASK_ERROR | 205n;
