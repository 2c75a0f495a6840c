import { setMaxListeners } from 'node:events';
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Endpoint } from '../config/config.js';
import { unimplemented, type CsiError } from '../csi/errors.js';
import type { Logger } from '../log/logger.js';
import { grpcAddress, prepareUnixSocket, removeUnixSocket, restrictSocket } from './endpoint.js';
import type { UnaryHandler } from '../csi/handler.js';
import type { HandlersOf, RpcsOf } from '../csi/types.js';
import { CallTracker, unimplementedStream, wrapUnary, type InterceptorOptions } from './interceptor.js';
import { csiReflection } from '../csi/proto.js';
import { utf8CheckingDeserializer } from './utf8.js';
import type { MethodDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

/** The definition with every request deserializer checking string fields for valid UTF-8 (services csi.proto defines). */
function withUtf8Checks(serviceName: string, definition: ServiceDefinition): ServiceDefinition {
  const svc = csiReflection().lookup(serviceName);
  if (!(svc instanceof protobuf.Service)) return definition;
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [rpc, def] of Object.entries(definition) as Array<[string, MethodDefinition<unknown, unknown>]>) {
    const method = svc.methods[rpc];
    const type = method ? (method.resolve() as protobuf.Method).resolvedRequestType : null;
    out[rpc] = type ? { ...def, requestDeserialize: utf8CheckingDeserializer(type, def.requestDeserialize) } : def;
  }
  return out as ServiceDefinition;
}

export interface ServiceRegistration {
  /** e.g. "csi.v1.Controller" (for logs). */
  name: string;
  definition: ServiceDefinition;
  /** RPC name → handler; missing RPCs answer UNIMPLEMENTED. */
  handlers: Partial<Record<string, UnaryHandler<never, unknown>>>;
}

/**
 * A service and its handlers, each handler checked against its RPC in the generated definition
 * (the one place the typed handler map is widened to the server's untyped one).
 */
export function csiService<D extends ServiceDefinition>(name: string, definition: D, handlers: Partial<HandlersOf<RpcsOf<D>>>): ServiceRegistration {
  return { name, definition, handlers: handlers as ServiceRegistration['handlers'] };
}

export interface CsiServerOptions {
  endpoint: Endpoint;
  services: ServiceRegistration[];
  log: Logger;
  secretFields: ReadonlySet<string>;
  mapError?: (e: unknown) => CsiError | undefined;
}

export interface CsiServer {
  /** The bound address; for tcp://host:0 the real port. */
  address: string;
  /** Calls currently in flight. */
  inFlight(): number;
  /**
   * Stops accepting calls, lets in-flight calls finish for up to `graceMs`, then
   * cancels the rest, and removes the socket.
   */
  shutdown(graceMs: number): Promise<{ drained: boolean }>;
}

/** How long answers already sent may take to reach the client once no call runs (a unix socket needs far less). */
const FLUSH_MS = 500;

export async function startCsiServer(opts: CsiServerOptions): Promise<CsiServer> {
  const shutdownCtl = new AbortController();
  // Every call in flight listens for shutdown; hundreds at once are normal, not a leak.
  setMaxListeners(0, shutdownCtl.signal);
  const tracker = new CallTracker();
  const icOpts: InterceptorOptions = {
    log: opts.log,
    secretFields: opts.secretFields,
    shutdownSignal: shutdownCtl.signal,
    tracker,
    ...(opts.mapError ? { mapError: opts.mapError } : {}),
  };
  // Without a tight cap, one misbehaving client could make us buffer large messages.
  const server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  for (const svc of opts.services) {
    const impl: UntypedServiceImplementation = {};
    // Keys are the proto method names ("CreateVolume"); originalName is the camelCase alias.
    for (const [rpc, def] of Object.entries(svc.definition)) {
      if (def.responseStream || def.requestStream) {
        impl[rpc] = unimplementedStream(rpc, icOpts);
        continue;
      }
      const h =
        svc.handlers[rpc] ??
        (async (): Promise<never> => {
          throw unimplemented(`${rpc} is not implemented by this driver (${svc.name})`);
        });
      impl[rpc] = wrapUnary(rpc, h as UnaryHandler<unknown, unknown>, icOpts);
    }
    server.addService(withUtf8Checks(svc.name, svc.definition), impl);
  }

  const ep = opts.endpoint;
  if (ep.kind === 'unix') await prepareUnixSocket(ep.path);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(grpcAddress(ep), ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  if (ep.kind === 'unix') await restrictSocket(ep.path);
  const address = ep.kind === 'unix' ? ep.uri : `tcp://${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${port}`;
  opts.log.info({ address, services: opts.services.map((s) => s.name) }, 'CSI server listening');

  let stopping: Promise<{ drained: boolean }> | undefined;
  return {
    address,
    inFlight: () => tracker.size,
    shutdown(graceMs: number) {
      stopping ??= (async () => {
        const done = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), graceMs);
        });
        // Wait for the calls in flight only: kubelet and the sidecars keep idle connections open,
        // and tryShutdown alone would wait for them to close (the whole grace period).
        const expired = await Promise.race([tracker.idle().then(() => false), timedOut]);
        if (timer) clearTimeout(timer);
        if (expired) {
          opts.log.warn({ inFlight: tracker.size, graceMs }, 'shutdown grace period over; cancelling calls still running');
          shutdownCtl.abort();
        }
        // Nothing runs any more (or it was cancelled). Answers just handed to HTTP/2 get a moment to
        // flush (tryShutdown resolves as soon as every stream is done); whatever is still open then
        // is an idle connection or a request that never reached a handler: close it.
        let flushTimer: NodeJS.Timeout | undefined;
        await Promise.race([done, new Promise<void>((r) => (flushTimer = setTimeout(r, FLUSH_MS)))]);
        if (flushTimer) clearTimeout(flushTimer);
        server.forceShutdown();
        if (ep.kind === 'unix') await removeUnixSocket(ep.path);
        return { drained: !expired };
      })();
      return stopping;
    },
  };
}
