/** Controller version and properties, and /health. */
import { CREATED, MASK_CRT, MASK_CTRL_CONF } from '../../linstor/apicallrc.js';
import type { Core } from '../core.js';
import { EMULATED_VERSION } from '../defaults.js';
import { type Router, jsonBody, ok, rc, rcReply } from '../http.js';
import { applyPropsModify, type PropsModify } from '../props.js';


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
