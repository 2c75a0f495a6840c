import { status } from '@grpc/grpc-js';

/** gRPC status codes, re-exported so the domain does not import grpc-js directly. */
export const Code = status;
export type Code = status;

/**
 * The one error type the services throw. The message is shown to the CSI client
 * (kubelet, sidecars), so it must be a sentence a human can act on: no stack
 * traces, no secrets. Everything that is not a CsiError becomes INTERNAL.
 */
export class CsiError extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CsiError';
    this.code = code;
  }
}

export const invalidArgument = (msg: string): CsiError => new CsiError(Code.INVALID_ARGUMENT, msg);
export const notFound = (msg: string): CsiError => new CsiError(Code.NOT_FOUND, msg);
export const alreadyExists = (msg: string): CsiError => new CsiError(Code.ALREADY_EXISTS, msg);
export const failedPrecondition = (msg: string): CsiError => new CsiError(Code.FAILED_PRECONDITION, msg);
export const aborted = (msg: string): CsiError => new CsiError(Code.ABORTED, msg);
export const unavailable = (msg: string): CsiError => new CsiError(Code.UNAVAILABLE, msg);
export const outOfRange = (msg: string): CsiError => new CsiError(Code.OUT_OF_RANGE, msg);
export const resourceExhausted = (msg: string): CsiError => new CsiError(Code.RESOURCE_EXHAUSTED, msg);
export const unimplemented = (msg: string): CsiError => new CsiError(Code.UNIMPLEMENTED, msg);
export const internal = (msg: string): CsiError => new CsiError(Code.INTERNAL, msg);

export function isCsiError(e: unknown): e is CsiError {
  return e instanceof CsiError;
}
