import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Endpoint } from '../config/config.js';
import { lstatIfExists } from '../util/fs.js';

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
 * directory) is refused: it may be somebody's data. A socket that still accepts
 * connections is not stale: another process serves it, and taking it over would
 * leave that process (and whoever talks to it) on an unlinked socket.
 */
export async function prepareUnixSocket(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const st = await lstatIfExists(path);
  if (st === undefined) return;
  if (!st.isSocket()) {
    throw new EndpointError(
      `${path} exists and is not a socket; refusing to replace it. Remove it or choose another --csi-endpoint`,
    );
  }
  if (await socketAnswers(path)) {
    throw new EndpointError(
      `${path} is in use: another process is listening on it (a second linstor-csi?). Stop it or choose another --csi-endpoint`,
    );
  }
  await unlink(path);
}

/** True when something accepts connections on the unix socket at `path`. */
function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (live: boolean): void => {
      s.destroy();
      resolve(live);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(timeoutMs, () => done(false));
  });
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
