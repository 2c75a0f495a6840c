import * as grpc from '@grpc/grpc-js';
import { csi } from '../../src/csi/proto.js';
import type { ControllerRpcs, GroupControllerRpcs, IdentityRpcs, NodeRpcs } from '../../src/csi/types.js';

/**
 * A grpc-js client whose unary methods return promises: `await c.CreateVolume(req)`.
 * Responses are left loosely typed on purpose: tests assert on the wire shape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Call = (req: object, opts?: { deadlineMs?: number }) => Promise<any>;
export type PromiseClient<M = Record<string, unknown>> = { [K in keyof M]: Call } & { close(): void };

function promisify<M>(client: grpc.Client): PromiseClient<M> {
  const out: Record<string, unknown> = { close: () => client.close() };
  const proto = Object.getPrototypeOf(client) as Record<string, unknown>;
  for (const name of Object.keys(proto)) {
    const fn = proto[name];
    if (typeof fn !== 'function' || !/^[A-Z]/.test(name)) continue;
    out[name] = (req: object, opts?: { deadlineMs?: number }) =>
      new Promise((resolve, reject) => {
        const callOpts: grpc.CallOptions = opts?.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {};
        (fn as (this: grpc.Client, r: object, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void).call(
          client,
          req,
          new grpc.Metadata(),
          callOpts,
          (err, res) => (err ? reject(err) : resolve(res)),
        );
      });
  }
  return out as PromiseClient<M>;
}

export interface CsiClients {
  identity: PromiseClient<IdentityRpcs>;
  controller: PromiseClient<ControllerRpcs>;
  groupController: PromiseClient<GroupControllerRpcs>;
  node: PromiseClient<NodeRpcs>;
  close(): void;
}

/** Clients for every CSI service at `address` (e.g. unix:///tmp/x/csi.sock). */
export function csiClients(address: string): CsiClients {
  const creds = grpc.credentials.createInsecure();
  const identity = promisify<IdentityRpcs>(new csi.Identity(address, creds));
  const controller = promisify<ControllerRpcs>(new csi.Controller(address, creds));
  const groupController = promisify<GroupControllerRpcs>(new csi.GroupController(address, creds));
  const node = promisify<NodeRpcs>(new csi.Node(address, creds));
  return {
    identity,
    controller,
    groupController,
    node,
    close() {
      for (const c of [identity, controller, groupController, node]) c.close();
    },
  };
}

/** The gRPC status code of a failed call (or undefined when it did not fail). */
export async function codeOf(p: Promise<unknown>): Promise<{ code: number; details: string } | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    const err = e as grpc.ServiceError;
    return { code: err.code, details: err.details };
  }
}

export const Status = grpc.status;
