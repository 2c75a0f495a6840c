/**
 * `LinstorClient` over HTTP(S): the API groups (http-apis.ts) on the request plumbing
 * (requests.ts) over the transport (transport.ts: failover, retries and timeouts).
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../log/logger.js';
import type { CallStatsSource } from './call-stats.js';
import type { LinstorClient } from './client.js';
import { type LinstorApis, linstorApis } from './http-apis.js';
import type { LinstorConnectionOptions } from './options.js';
import { LinstorRequests } from './requests.js';
import { HttpTransport } from './transport.js';
import type { WriteTracker } from './write-tracker.js';

export interface HttpLinstorClientDeps {
  clock: Clock;
  logger: Logger;
  /** Jitter source for backoff, [0, 1); tests pass a fixed one. */
  random?: () => number;
  /** Where the stats of the RPC a request runs for are found (the gRPC server provides it). */
  callStats?: CallStatsSource;
}

// The API groups (controller, nodes, …) are assigned in the constructor from linstorApis().
export interface HttpLinstorClient extends LinstorApis {}

export class HttpLinstorClient implements LinstorClient {
  readonly transport: HttpTransport;

  constructor(opts: LinstorConnectionOptions, deps: HttpLinstorClientDeps) {
    this.transport = new HttpTransport(opts, deps);
    Object.assign(this, linstorApis(new LinstorRequests(this.transport, deps.logger)));
  }

  close(): void {
    this.transport.close();
  }

  get writes(): WriteTracker {
    return this.transport.writes;
  }
}

/** Creates the HTTP client. */
export function createLinstorClient(opts: LinstorConnectionOptions, deps: HttpLinstorClientDeps): HttpLinstorClient {
  return new HttpLinstorClient(opts, deps);
}
