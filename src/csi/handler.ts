import type { Logger } from '../log/logger.js';

/** What every RPC handler gets besides its request. */
export interface CallContext {
  /** Child logger already bound with rpc name, request id and volume/snapshot id. */
  log: Logger;
  requestId: string;
  /** Aborted when the client cancels or its deadline passes, and on shutdown. */
  signal: AbortSignal;
}

/**
 * A unary RPC handler: validate, call the domain, map the result. Throw CsiError for
 * conditions with a known gRPC code; anything else becomes INTERNAL in the interceptor.
 */
export type UnaryHandler<Req, Res> = (req: Req, ctx: CallContext) => Promise<Res>;

/** A service implementation: RPC name (as in the proto, e.g. "CreateVolume") to handler. */
export type ServiceHandlers = Record<string, UnaryHandler<never, unknown>>;
