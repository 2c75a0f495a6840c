/** Controller version and properties, and /health. */
import { CREATED, MASK_CRT, MASK_CTRL_CONF } from '../../linstor/apicallrc.js';
import type { Core } from '../core.js';
import { type Router, jsonBody, ok, rc, rcReply } from '../http.js';
import { applyPropsModify, type PropsModify } from '../props.js';

export const EMULATED_VERSION = { version: '1.31.0', git_hash: 'emulator', build_time: '2025-01-01T00:00:00+00:00', rest_api_version: '1.28.0' };

export function register(r: Router, core: Core): void {
  r.add('GET', '/health', () => ({ status: 200, text: '' }));
  r.add('GET', '/v1/controller/version', () => ok(EMULATED_VERSION));
  r.add('GET', '/v1/controller/properties', () => ok(core.state.controllerProps));
  r.add('POST', '/v1/controller/properties', async (req) => {
    const body = jsonBody<PropsModify>(req);
    const entries = await core.mutate(() => applyPropsModify('ctrl', core.state.controllerProps, body, MASK_CTRL_CONF));
    return rcReply(entries.length ? entries : [rc(CREATED, MASK_CRT, MASK_CTRL_CONF, 'Controller properties applied')], 201);
  });
}
