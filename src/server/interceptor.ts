import { randomUUID } from 'node:crypto';
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream, ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { Code, CsiError } from '../csi/errors.js';
import type { Logger } from '../log/logger.js';
import { CallStats, runWithCallStats } from './call-stats.js';
import type { CallContext, UnaryHandler } from '../csi/handler.js';
import { redactSecrets } from '../log/redact.js';
import { requestIds } from './request-ids.js';
import { invalidUtf8Field } from './utf8.js';

export interface InterceptorOptions {
  log: Logger;
  /** Field names annotated csi_secret in the proto; never logged. */
  secretFields: ReadonlySet<string>;
  /** Turns adapter errors (e.g. LINSTOR unreachable) into a CsiError; undefined = unknown. */
  mapError?: (e: unknown) => CsiError | undefined;
  /** Aborted on shutdown so long waits inside handlers end early. */
  shutdownSignal: AbortSignal;
  /** Counts calls in flight, for draining on shutdown. */
  tracker: CallTracker;
}

export class CallTracker {
  private active = 0;
  private waiters: Array<() => void> = [];
  enter(): void {
    this.active++;
  }
  leave(): void {
    this.active--;
    if (this.active === 0) for (const w of this.waiters.splice(0)) w();
  }
  get size(): number {
    return this.active;
  }
  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}

const GENERIC_INTERNAL = 'internal error; the driver log has the details for this request id';

function toServiceError(code: Code, message: string): Partial<ServiceError> {
  return { code, details: message, metadata: new Metadata() };
}

/**
 * The one wrapper around every RPC: request id, one log line per call (rpc, ids,
 * gRPC code, duration and, for calls that used LINSTOR, `linstorMs` / `linstorCalls`: how
 * much of the duration was waiting for LINSTOR), secrets redacted, CsiError mapped to its
 * code and anything else to INTERNAL with a generic message (the stack stays in the log).
 */
export function wrapUnary<Req, Res>(
  rpc: string,
  handler: UnaryHandler<Req, Res>,
  opts: InterceptorOptions,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID().slice(0, 8);
    const req = call.request;
    const log = opts.log.child({ rpc, requestId, ...requestIds(req) });
    const abort = new AbortController();
    const onCancel = (): void => abort.abort(new CsiError(Code.CANCELLED, 'the client cancelled the call'));
    const onShutdown = (): void => abort.abort(new CsiError(Code.UNAVAILABLE, 'the driver is shutting down; retry'));
    call.on('cancelled', onCancel);
    opts.shutdownSignal.addEventListener('abort', onShutdown, { once: true });
    const deadline = call.getDeadline();
    let timer: NodeJS.Timeout | undefined;
    if (deadline instanceof Date || typeof deadline === 'number') {
      const ms = Number(deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
      if (Number.isFinite(ms)) {
        timer = setTimeout(
          () => abort.abort(new CsiError(Code.DEADLINE_EXCEEDED, 'the call deadline passed')),
          Math.max(0, ms),
        );
      }
    }
    if (log.isLevelEnabled('debug')) log.debug({ request: redactSecrets(req, opts.secretFields) }, 'request');
    const ctx: CallContext = { log, requestId, signal: abort.signal };
    const stats = new CallStats();
    opts.tracker.enter();
    const finish = (code: Code, err?: unknown, res?: Res): void => {
      if (timer) clearTimeout(timer);
      call.removeListener('cancelled', onCancel);
      opts.shutdownSignal.removeEventListener('abort', onShutdown);
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const fields: Record<string, unknown> = { code: Code[code], durationMs: round3(durationMs) };
      const linstorMs = stats.linstorMs(performance.now());
      if (stats.linstorCalls > 0 || linstorMs > 0) {
        fields['linstorMs'] = round3(linstorMs);
        fields['linstorCalls'] = stats.linstorCalls;
        if (stats.linstorQueuedMs > 0) fields['linstorQueuedMs'] = round3(stats.linstorQueuedMs);
      }
      if (code === Code.OK) {
        log.info(fields, 'ok');
        if (log.isLevelEnabled('debug')) log.debug({ response: redactSecrets(res, opts.secretFields) }, 'response');
        callback(null, res);
      } else if (err instanceof CsiError && code !== Code.INTERNAL) {
        log[code === Code.ABORTED || code === Code.NOT_FOUND || code === Code.ALREADY_EXISTS ? 'info' : 'warn'](
          { ...fields, error: err.message, cause: causeText(err) },
          'failed',
        );
        callback(toServiceError(code, err.message));
      } else {
        const message = err instanceof CsiError ? err.message : GENERIC_INTERNAL;
        log.error({ ...fields, err }, 'internal error');
        callback(toServiceError(Code.INTERNAL, message));
      }
      opts.tracker.leave();
    };
    let p: Promise<Res>;
    const badUtf8 = invalidUtf8Field(req);
    try {
      // Decoding replaced the bad bytes with U+FFFD: distinct names would look alike, so refuse before any handler sees it.
      if (badUtf8 !== undefined) throw new CsiError(Code.INVALID_ARGUMENT, `${badUtf8} is not valid UTF-8; CSI strings must be UTF-8 text`);
      p = runWithCallStats(stats, () => handler(req, ctx));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (res) => finish(Code.OK, undefined, res),
      (e: unknown) => {
        const mapped = e instanceof CsiError ? e : opts.mapError?.(e);
        if (mapped) finish(mapped.code, mapped);
        else finish(Code.INTERNAL, e);
      },
    );
  };
}

/** Streaming RPCs we do not implement (SnapshotMetadata) still answer and log like the rest. */
export function unimplementedStream(
  rpc: string,
  opts: InterceptorOptions,
): (call: ServerWritableStream<unknown, unknown>) => void {
  return (call) => {
    opts.log.child({ rpc }).info({ code: 'UNIMPLEMENTED', durationMs: 0 }, 'failed');
    call.emit('error', toServiceError(Code.UNIMPLEMENTED, `${rpc} is not implemented by this driver`));
  };
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

function causeText(e: Error): string | undefined {
  const c = (e as { cause?: unknown }).cause;
  return c instanceof Error ? c.message : undefined;
}
