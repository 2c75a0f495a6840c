/** The LINSTOR client: port, HTTP implementation, wire types, ApiCallRc helpers and errors. */
export * from './types.js';
export * from './apicallrc.js';
export * from './errors.js';
export * from './options.js';
export * from './client.js';
export * from './call-stats.js';
export * from './layers.js';
export * from './resource-flags.js';
export { HttpLinstorClient, createLinstorClient, type HttpLinstorClientDeps } from './http-client.js';
export { toApiError } from './requests.js';
export { HttpTransport, buildQuery, type RequestSpec, type RawResponse, type HttpMethod, type ReadBackOutcome } from './transport.js';
export { Limiter } from './limiter.js';
export { backoffDelay, isTransientStatus, type RetryPolicy } from './retry.js';
