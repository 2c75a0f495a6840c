/**
 * Node plugin figures: NodeStageVolume (promote, probe, mkfs, mount, grow check) against plain
 * `mkfs` + `mount` of the same device, and NodePublishVolume latency. Runs the real node service
 * on the emulator's loop devices (root). The DRBD tools are the emulator's stand-ins (a bash
 * relay and an HTTP call to the emulator, which persists its state on a promotion); the wall
 * time the stage spends waiting on them is measured and reported separately, since real
 * drbdadm and drbdsetup talk to the kernel instead.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { silentLogger } from '../src/log/logger.js';
import { createNodeOps, createToolRunner, type ToolRunner } from '../src/node-ops/index.js';
import { createNodeService, linstorHistoryStore } from '../src/node-service/index.js';
import { PROP_BORN } from '../src/csi/volume-history.js';
import { createLinstorClient } from '../src/linstor/index.js';
import type { VolumeCapability__Output } from '../src/csi/types.js';
import { InFlight } from '../src/csi/inflight.js';
import { systemClock } from '../src/util/clock.js';

const SIZE_MIB = 1024;
const ROUNDS = 5;
const PUBLISHES = 20;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const round = (n: number): number => Math.round(n * 100) / 100;

async function api(url: string, method: string, path: string, body?: unknown): Promise<void> {
  const r = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
}

async function sh(cmd: string, args: string[]): Promise<void> {
  await execa(cmd, args, { timeout: 300_000 });
}

/** Total length of the union of [start, end) intervals: wall time during which at least one ran. */
function unionMs(spans: readonly (readonly [number, number])[]): number {
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/** Records when drbdadm/drbdsetup ran, so the stand-ins' share of a stage is measured, not estimated. */
function drbdTimer(inner: ToolRunner): { tools: ToolRunner; spans: [number, number][] } {
  const spans: [number, number][] = [];
  return {
    spans,
    tools: {
      async run(command, args, opts) {
        if (command !== 'drbdadm' && command !== 'drbdsetup') return inner.run(command, args, opts);
        const t0 = performance.now();
        try {
          return await inner.run(command, args, opts);
        } finally {
          spans.push([t0, performance.now()]);
        }
      },
    },
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function benchNode(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-bench-node-'));
  const emu = await startEmulator({ stateDir: join(dir, 'emu'), nodes: ['node-a', 'node-b'], resyncMs: 0 });
  const mounts: string[] = [];
  let linstor: ReturnType<typeof createLinstorClient> | undefined;
  try {
    const log = silentLogger();
    const timer = drbdTimer(createToolRunner({ binDirs: [emu.nodeBinDir('node-a')] }));
    const ops = createNodeOps({ clock: systemClock, tools: timer.tools });
    linstor = createLinstorClient({ endpoints: [emu.url], timeoutMs: 10_000, maxConcurrency: 16 }, { clock: systemClock, logger: log });
    const svc = createNodeService({
      config: { nodeName: 'node-a', propertyNamespace: 'Aux/topology', devicePathTemplate: `${emu.nodeDevRoot('node-a')}/drbd/by-res/{resource}/{volume}`, deviceWaitTimeoutMs: 5000, maxVolumesPerNode: 1000, kubeletDir: dir },
      ops,
      topology: { nodeProps: async () => ({}) },
      // The record the format decision reads, in LINSTOR as in production (one GET per stage, one PUT after mkfs).
      history: linstorHistoryStore(linstor.resourceDefinitions),
      clock: systemClock,
      log,
      inflight: new InFlight(),
    });
    const call = { log, requestId: 'bench', signal: new AbortController().signal };
    const stage = svc.NodeStageVolume!;
    const unstage = svc.NodeUnstageVolume!;
    const out: Record<string, number> = {};

    for (const fs of ['ext4', 'xfs'] as const) {
      const cap = { access_type: 'mount', mount: { fs_type: fs, mount_flags: [], volume_mount_group: '' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } } as VolumeCapability__Output;
      const stageMs: number[] = [];
      const plainMs: number[] = [];
      const drbdMs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const name = `bench-${fs}-${i}`;
        // As CreateVolume makes it: born empty.
        await api(emu.url, 'POST', '/v1/resource-definitions', { resource_definition: { name, props: { [PROP_BORN]: 'empty' } } });
        await api(emu.url, 'POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: SIZE_MIB * 1024 } });
        await api(emu.url, 'POST', `/v1/resource-definitions/${name}/resources/node-a`, { resource: { props: { StorPoolName: 'thin-pool' } } });
        const dev = `${emu.nodeDevRoot('node-a')}/drbd/by-res/${name}/0`;
        const st = join(dir, `st-${name}`);
        await mkdir(st);
        mounts.push(st);
        timer.spans.length = 0;
        stageMs.push(await timed(() => stage({ volume_id: name, staging_target_path: st, volume_capability: cap, volume_context: {}, publish_context: {}, secrets: {} }, call)));
        // The stand-ins' share of this stage: wall time while a DRBD tool was running.
        drbdMs.push(unionMs(timer.spans));
        await unstage({ volume_id: name, staging_target_path: st }, call);
        // Baseline on the same device: wipe, then plain mkfs + mount.
        await sh('wipefs', ['-a', '-q', dev]);
        plainMs.push(await timed(async () => {
          await sh(`mkfs.${fs}`, fs === 'ext4' ? ['-q', '-F', dev] : ['-q', '-f', dev]);
          await sh('mount', fs === 'xfs' ? ['-o', 'nouuid', dev, st] : [dev, st]);
        }));
        await sh('umount', [st]);
      }
      const s = median(stageMs);
      const p = median(plainMs);
      const d = median(drbdMs);
      // Per round, then the median: the stage and its DRBD share come from the same run.
      const net = median(stageMs.map((x, k) => x - (drbdMs[k] ?? 0)));
      out[`node_stage_${fs}_1GiB_ms`] = round(s);
      out[`plain_mkfs_mount_${fs}_1GiB_ms`] = round(p);
      out[`node_stage_${fs}_ratio`] = round(s / p);
      out[`node_stage_${fs}_drbd_standin_ms`] = round(d);
      out[`node_stage_${fs}_ratio_without_standin`] = round(net / p);
    }

    // NodePublish latency: one staged volume, repeated publish/unpublish.
    const name = 'bench-pub';
    await api(emu.url, 'POST', '/v1/resource-definitions', { resource_definition: { name, props: { [PROP_BORN]: 'empty' } } });
    await api(emu.url, 'POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: 64 * 1024 } });
    await api(emu.url, 'POST', `/v1/resource-definitions/${name}/resources/node-a`, { resource: { props: { StorPoolName: 'thin-pool' } } });
    const cap = { access_type: 'mount', mount: { fs_type: 'ext4', mount_flags: [], volume_mount_group: '' }, access_mode: { mode: 'SINGLE_NODE_WRITER' } } as VolumeCapability__Output;
    const st = join(dir, 'st-pub');
    mounts.push(st);
    await stage({ volume_id: name, staging_target_path: st, volume_capability: cap, volume_context: {}, publish_context: {}, secrets: {} }, call);
    const pubMs: number[] = [];
    const unpubMs: number[] = [];
    for (let i = 0; i < PUBLISHES; i++) {
      const target = join(dir, 'pods', String(i), 'vol');
      pubMs.push(await timed(() => svc.NodePublishVolume!({ volume_id: name, staging_target_path: st, target_path: target, volume_capability: cap, readonly: false, volume_context: {}, publish_context: {}, secrets: {} }, call)));
      unpubMs.push(await timed(() => svc.NodeUnpublishVolume!({ volume_id: name, target_path: target }, call)));
    }
    await unstage({ volume_id: name, staging_target_path: st }, call);
    out.node_publish_median_ms = round(median(pubMs));
    out.node_unpublish_median_ms = round(median(unpubMs));
    return out;
  } finally {
    for (const m of mounts.reverse()) await execa('umount', [m], { reject: false });
    for (const node of ['node-a', 'node-b']) {
      const root = `${emu.nodeDevRoot(node)}/drbd/by-res`;
      for (const r of await readdir(root).catch(() => [] as string[])) await execa('blockdev', ['--setrw', `${root}/${r}/0`], { reject: false });
    }
    linstor?.close();
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchNode(), null, 2));
}
