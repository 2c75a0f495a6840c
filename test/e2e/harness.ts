/**
 * The end-to-end rig: the LINSTOR emulator in this process (so a test can take nodes down,
 * inject DRBD states, or stop and restart LINSTOR itself) and the real CLI, `linstor-csi serve`,
 * as one child process per node, reached only through its unix socket — as kubelet and the
 * sidecars reach it. node-a runs every service; further nodes run the Node service.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CreateVolumeRequest } from '../../src/csi/types.js';
import { sleep, startCluster, type Cluster } from '../helpers/emulated-cluster.js';

export { sleep, unmountUnder, type NodeDriver } from '../helpers/emulated-cluster.js';

export const MiB = 1024 * 1024;

/** The e2e rig is the shared emulated cluster (test/helpers/emulated-cluster.ts). */
export type Rig = Cluster;

export interface RigOptions {
  /** Nodes that get a driver; the first runs every service (default node-a, node-b). */
  nodes?: string[];
  /** Emulated resync after a node returns (ms). */
  resyncMs?: number;
  /** Extra `serve` flags for every driver. */
  args?: string[];
  /** The drivers' --log-level (default debug). */
  logLevel?: string;
}

const FROM_SOURCE = { LINSTOR_CSI_FROM_SOURCE: '1' };

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const nodes = opts.nodes ?? ['node-a', 'node-b'];
  return startCluster({
    prefix: 'lcsi-e2e-',
    nodes,
    allServicesOn: nodes[0],
    emulator: { poolSize: 8 * 1024 * MiB, resyncMs: opts.resyncMs ?? 300 },
    args: ['--device-wait-timeout=5s', '--linstor-request-timeout=5s', '--shutdown-timeout=5s', `--log-level=${opts.logLevel ?? 'debug'}`, ...(opts.args ?? [])],
    env: FROM_SOURCE,
  });
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

export type AccessMode = 'SINGLE_NODE_WRITER' | 'SINGLE_NODE_MULTI_WRITER' | 'MULTI_NODE_READER_ONLY' | 'SINGLE_NODE_READER_ONLY' | 'MULTI_NODE_MULTI_WRITER';

export function mountCap(mode: AccessMode = 'SINGLE_NODE_WRITER', fsType = 'ext4') {
  return { mount: { fs_type: fsType, mount_flags: [] }, access_mode: { mode } };
}
export function blockCap(mode: AccessMode = 'SINGLE_NODE_WRITER') {
  return { block: {}, access_mode: { mode } };
}

export function volumeRequest(name: string, opts: { sizeMiB?: number; replicas?: number; block?: boolean; mode?: AccessMode } = {}): CreateVolumeRequest {
  return {
    name,
    capacity_range: { required_bytes: String((opts.sizeMiB ?? 64) * MiB) },
    volume_capabilities: [opts.block ? blockCap(opts.mode) : mountCap(opts.mode)],
    parameters: {
      'linstor.csi.linbit.com/placementCount': String(opts.replicas ?? 2),
      'linstor.csi.linbit.com/storagePool': 'thin-pool',
    },
  };
}

/** Creates the staging directory (the CO's job). */
export async function stagingDir(rig: Rig, name: string): Promise<string> {
  const p = rig.path('staging', name);
  await mkdir(p, { recursive: true });
  return p;
}

export function socketGone(rig: Rig, node: string): boolean {
  return !existsSync(join(rig.dir, `csi-${node}.sock`));
}
