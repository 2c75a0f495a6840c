import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Endpoint } from '../config/config.js';

/** The socket is for kubelet and the sidecars (root): nobody else may connect. */
export const SOCKET_MODE = 0o660;

export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

/**
 * Makes the socket path bindable: creates the parent directory and removes a stale
 * socket left by a previous run. Anything else at the path (a regular file, a
 * directory) is refused: it may be somebody's data.
 */
export async function prepareUnixSocket(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) {
    throw new EndpointError(
      `${path} exists and is not a socket; refusing to replace it. Remove it or choose another --csi-endpoint`,
    );
  }
  await unlink(path);
}

export async function restrictSocket(path: string): Promise<void> {
  await chmod(path, SOCKET_MODE);
}

/** Removes our socket on shutdown; a missing file is fine. */
export async function removeUnixSocket(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isSocket()) await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The address string grpc-js binds to. */
export function grpcAddress(ep: Endpoint): string {
  return ep.kind === 'unix' ? `unix://${ep.path}` : `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;
}
