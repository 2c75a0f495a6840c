/**
 * Typed, promise-returning CSI clients over a socket, for `linstor-csi demo` and the e2e suite:
 * `await c.controller.CreateVolume(req)` with the generated request and response types.
 */
import * as grpc from '@grpc/grpc-js';
import { csi } from '../../csi/proto.js';
import type { ControllerClient } from '../../csi/generated/csi/v1/Controller.js';
import type { IdentityClient } from '../../csi/generated/csi/v1/Identity.js';
import type { NodeClient } from '../../csi/generated/csi/v1/Node.js';
import type { GroupControllerClient } from '../../csi/generated/csi/v1/GroupController.js';

export interface CallOpts {
  /** Deadline from now (default 120 s). */
  timeoutMs?: number;
}

/** The last overload of a generated method is `(argument, callback)`: that gives the types. */
type Unary<F> = F extends (argument: infer Req, callback: grpc.requestCallback<infer Res>) => grpc.ClientUnaryCall
  ? (req: Req, opts?: CallOpts) => Promise<Res>
  : never;

/** The RPCs of a generated client (the capitalised method names), promisified. */
export type Promisified<C> = {
  [K in keyof C as K extends string ? (K extends Capitalize<K> ? K : never) : never]: Unary<C[K]>;
};

export interface CsiClient {
  address: string;
  identity: Promisified<IdentityClient>;
  controller: Promisified<ControllerClient>;
  groupController: Promisified<GroupControllerClient>;
  node: Promisified<NodeClient>;
  close(): void;
}

type RawUnary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => unknown;

function promisify<C extends grpc.Client>(client: C): Promisified<C> {
  const out: Record<string, unknown> = {};
  const proto = Object.getPrototypeOf(client) as Record<string, unknown>;
  for (const name of Object.keys(proto)) {
    const fn = proto[name];
    if (typeof fn !== 'function' || !/^[A-Z]/.test(name)) continue;
    out[name] = (req: unknown, opts?: CallOpts) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + (opts?.timeoutMs ?? 120_000);
        (fn as RawUnary).call(client, req, new grpc.Metadata(), { deadline }, (err, res) => (err ? reject(err) : resolve(res)));
      });
  }
  return out as Promisified<C>;
}

/** Clients for every CSI service at `address` (unix:///path/csi.sock). */
export function csiClient(address: string): CsiClient {
  const creds = grpc.credentials.createInsecure();
  const raw = [
    new csi.Identity(address, creds),
    new csi.Controller(address, creds),
    new csi.GroupController(address, creds),
    new csi.Node(address, creds),
  ] as const;
  return {
    address,
    identity: promisify(raw[0]),
    controller: promisify(raw[1]),
    groupController: promisify(raw[2]),
    node: promisify(raw[3]),
    close() {
      for (const c of raw) c.close();
    },
  };
}

/** The gRPC status of a failed call, or undefined when it succeeded. */
export async function statusOf(p: Promise<unknown>): Promise<{ code: grpc.status; name: string; details: string } | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    const err = e as grpc.ServiceError;
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, name: grpc.status[err.code] ?? String(err.code), details: err.details };
  }
}

export const GrpcStatus = grpc.status;
