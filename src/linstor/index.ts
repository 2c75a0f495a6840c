/** The LINSTOR client: port, HTTP implementation, wire types, ApiCallRc helpers and errors. */
export * from './types.js';
export * from './apicallrc.js';
export * from './errors.js';
export * from './options.js';
export * from './client.js';
export * from './layers.js';
export { HttpLinstorClient, createLinstorClient, toApiError, type HttpLinstorClientDeps } from './http-client.js';
export { HttpTransport, buildQuery, type RequestSpec, type RawResponse, type HttpMethod, type ReadBackOutcome } from './transport.js';
export { Limiter } from './limiter.js';
export { backoffDelay, isTransientStatus, type RetryPolicy } from './retry.js';
