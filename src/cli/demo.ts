/**
 * `linstor-csi demo`: starts `dev` (emulator + drivers for node-a and node-b) in a temp dir and
 * walks one volume through its life over the real CSI sockets, printing each step, its timing
 * and what it showed. Every step checks its claim; the demo exits 1 when one does not hold.
 *
 * node-a's driver serves every service (it is also "the controller"); node-b's serves the Node
 * service on its own socket, as a second host's kubelet would see it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCsiEndpoint } from '../config/config.js';
import { formatHelp, parseFlags, rejectExtraPositionals, type FlagSpec } from '../config/flags.js';
import { commandArgs } from './args.js';
import { colorWanted } from './color.js';
import type { CreateVolumeRequest, VolumeCapability } from '../csi/types.js';
import { createLogger, type Logger } from '../log/logger.js';
import { csiClient, type CsiClient } from './demo/csi-client.js';
import { check, CheckFailed, describeError, formatBytes, formatMs, StepUi } from './demo/ui.js';
import { startDev, type DevEnvironment } from './dev.js';
import type { CliIo } from './main.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = 512 * MiB;
const GROWN = 1024 * MiB;

const DEMO_FLAGS: readonly FlagSpec[] = [
  { name: 'keep', boolean: true, help: 'keep the temp dir (state, driver log) afterwards', default: 'false' },
  { name: 'no-color', boolean: true, help: 'no colours or spinner even on a terminal (NO_COLOR is honoured too)', default: 'false' },
];

function demoHelp(): string {
  return formatHelp(
    'Usage: linstor-csi demo [--keep] [--no-color]\n\n' +
      'Walks a volume through its life on an emulated 3-node LINSTOR cluster, over the real CSI sockets:\n' +
      'create (2 replicas), stage + publish on node-a, write, snapshot, node-a goes down, the data on\n' +
      'node-b, restore the snapshot, expand, clean up. Needs root (loop devices, mkfs, mount).',
    DEMO_FLAGS,
  );
}

const CAP: VolumeCapability = { mount: { fs_type: 'xfs', mount_flags: [] }, access_mode: { mode: 'SINGLE_NODE_WRITER' } };

interface Attached {
  node: string;
  volumeId: string;
  staging: string;
  target: string;
}

/** What a demo run touches, so cleanup can undo whatever got done. */
interface DemoState {
  base: string;
  dev?: DevEnvironment;
  clients: Map<string, CsiClient>;
  volumes: string[];
  snapshots: string[];
  attached: Attached[];
  nodeADown: boolean;
}

interface LinstorResource {
  node_name: string;
  flags?: string[];
}

async function linstorGet<T>(url: string, path: string): Promise<T> {
  const r = await fetch(`${url}${path}`);
  if (!r.ok) throw new Error(`LINSTOR ${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

async function replicas(url: string, rd: string): Promise<{ diskful: string[]; tieBreakers: string[]; diskless: string[] }> {
  const list = await linstorGet<LinstorResource[]>(url, `/v1/resource-definitions/${encodeURIComponent(rd)}/resources`);
  const has = (r: LinstorResource, f: string): boolean => (r.flags ?? []).includes(f);
  return {
    diskful: list.filter((r) => !has(r, 'DISKLESS')).map((r) => r.node_name).sort(),
    tieBreakers: list.filter((r) => has(r, 'TIE_BREAKER')).map((r) => r.node_name).sort(),
    diskless: list.filter((r) => has(r, 'DISKLESS') && !has(r, 'TIE_BREAKER')).map((r) => r.node_name).sort(),
  };
}

async function mountAt(path: string): Promise<{ source: string; fstype: string; options: string } | undefined> {
  try {
    const { stdout } = await run('findmnt', ['-J', '-o', 'TARGET,SOURCE,FSTYPE,OPTIONS', '--mountpoint', path], { timeout: 10_000 });
    const fs = (JSON.parse(stdout) as { filesystems?: Array<{ source: string; fstype: string; options: string }> }).filesystems?.[0];
    return fs;
  } catch {
    return undefined;
  }
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex').slice(0, 12);

function volumeRequest(name: string, extra: Partial<CreateVolumeRequest> = {}): CreateVolumeRequest {
  return {
    name,
    capacity_range: { required_bytes: String(SIZE) },
    volume_capabilities: [CAP],
    parameters: { 'linstor.csi.linbit.com/placementCount': '2', 'linstor.csi.linbit.com/storagePool': 'thin-pool' },
    ...extra,
  };
}

function client(s: DemoState, node: string): CsiClient {
  const c = s.clients.get(node);
  if (!c) throw new Error(`no driver for ${node}`);
  return c;
}

/** ControllerPublish + NodeStage + NodePublish of `volumeId` on `node`. */
async function attach(s: DemoState, volumeId: string, node: string, context: Record<string, string>): Promise<Attached> {
  const controller = client(s, 'node-a').controller;
  const pub = await controller.ControllerPublishVolume({ volume_id: volumeId, node_id: node, volume_capability: CAP, readonly: false, volume_context: context });
  const staging = join(s.base, 'kubelet', node, 'staging', volumeId);
  const target = join(s.base, 'kubelet', node, 'pods', `pod-${volumeId}`, 'mount');
  await mkdir(staging, { recursive: true });
  const n = client(s, node).node;
  const a: Attached = { node, volumeId, staging, target };
  s.attached.push(a);
  await n.NodeStageVolume({ volume_id: volumeId, staging_target_path: staging, volume_capability: CAP, publish_context: pub.publish_context ?? {}, volume_context: context });
  await n.NodePublishVolume({ volume_id: volumeId, staging_target_path: staging, target_path: target, volume_capability: CAP, readonly: false, volume_context: context });
  return a;
}

async function detach(s: DemoState, a: Attached): Promise<void> {
  const n = client(s, a.node).node;
  await n.NodeUnpublishVolume({ volume_id: a.volumeId, target_path: a.target });
  await n.NodeUnstageVolume({ volume_id: a.volumeId, staging_target_path: a.staging });
  await client(s, 'node-a').controller.ControllerUnpublishVolume({ volume_id: a.volumeId, node_id: a.node });
  s.attached = s.attached.filter((x) => x !== a);
}

async function writeSynced(path: string, data: string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Best effort: undoes whatever the steps did, in reverse; returns what could not be undone. */
async function cleanup(s: DemoState): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${describeError(e)}`);
    }
  };
  if (s.dev) {
    // Nothing may stay frozen for a Primary without quorum: its unmount would never return.
    await attempt('thawing frozen filesystems', () => (s.dev as DevEnvironment).emulator.releaseIo());
    if (s.nodeADown) {
      await attempt('bringing node-a back', () => (s.dev as DevEnvironment).emulator.control.setNodeOnline('node-a', true));
      s.nodeADown = false;
    }
    for (const a of [...s.attached].reverse()) await attempt(`detaching ${a.volumeId} from ${a.node}`, () => detach(s, a));
    const c = s.clients.get('node-a');
    if (c) {
      for (const id of [...s.volumes].reverse()) await attempt(`deleting volume ${id}`, () => c.controller.DeleteVolume({ volume_id: id }));
      for (const id of s.snapshots) await attempt(`deleting snapshot ${id}`, () => c.controller.DeleteSnapshot({ snapshot_id: id }));
    }
  }
  for (const c of s.clients.values()) c.close();
  s.clients.clear();
  if (s.dev) await attempt('stopping dev', () => (s.dev as DevEnvironment).stop());
  return problems;
}

/** One run of the demo: what its steps share. */
interface DemoRun {
  s: DemoState;
  ui: StepUi;
  log: Logger;
  base: string;
  /** The text written on node-a and looked for everywhere else. */
  file: string;
  url: string;
  volume: string;
  context: Record<string, string>;
  onA?: Attached;
  onB?: Attached;
  snapshotId: string;
}

/** Start the LINSTOR emulator and the driver. */
async function startCluster(d: DemoRun): Promise<string> {
  const sock = join(d.base, 'csi.sock');
  d.s.dev = await startDev({
    stateDir: join(d.base, 'state'),
    csiEndpoint: parseCsiEndpoint('--csi-endpoint', `unix://${sock}`),
    driverNodes: ['node-a', 'node-b'],
    clusterNodes: ['node-a', 'node-b', 'node-c'],
    poolSize: 20 * 1024 * MiB,
    poolName: 'thin-pool',
    host: '127.0.0.1',
    port: 0,
    maxVolumesPerNode: 1024,
    deviceWaitTimeoutMs: 10_000,
    shutdownTimeoutMs: 5_000,
    // The demo's kubelet stand-in stages and publishes under base/kubelet (see attach()).
    kubeletDir: join(d.base, 'kubelet'),
    log: d.log,
    logLevel: 'info',
    logFormat: 'text',
    resyncMs: 500,
  });
  d.url = d.s.dev.emulator.url;
  for (const driver of d.s.dev.drivers) d.s.clients.set(driver.node, csiClient(driver.endpoint));
  const probe = await client(d.s, 'node-a').identity.Probe({});
  check(probe.ready?.value === true, 'the driver is up but Probe does not report ready');
  const nodes = await linstorGet<Array<{ name: string }>>(d.url, '/v1/nodes');
  return `LINSTOR ${d.ui.cyan(d.url)} with ${nodes.map((n) => n.name).join(', ')}\nCSI node-a ${d.s.dev.drivers[0]?.endpoint ?? ''}\nCSI node-b ${d.s.dev.drivers[1]?.endpoint ?? ''}`;
}

/** Create a 2-replica volume. */
async function createVolume(d: DemoRun): Promise<string> {
  const r = await client(d.s, 'node-a').controller.CreateVolume(volumeRequest('demo-data'));
  d.volume = r.volume?.volume_id ?? '';
  d.context = r.volume?.volume_context ?? {};
  check(d.volume !== '', 'CreateVolume returned no volume id');
  d.s.volumes.push(d.volume);
  const rep = await replicas(d.url, d.volume);
  check(rep.diskful.length === 2, `expected 2 diskful replicas, LINSTOR shows ${rep.diskful.join(', ') || 'none'}`);
  const tb = rep.tieBreakers.length > 0 ? `, tie-breaker on ${rep.tieBreakers.join(', ')}` : '';
  return `${d.ui.cyan(d.volume)} ${formatBytes(Number(r.volume?.capacity_bytes ?? 0))}: replicas on ${rep.diskful.join(' + ')}${tb}`;
}

/** Stage and publish it on node-a. */
async function publishOnNodeA(d: DemoRun): Promise<string> {
  d.onA = await attach(d.s, d.volume, 'node-a', d.context);
  const m = await mountAt(d.onA.target);
  check(m !== undefined, `nothing is mounted at ${d.onA.target}`);
  check(m.fstype === 'xfs', `expected xfs at the pod's path, found ${m.fstype}`);
  const role = await (d.s.dev as DevEnvironment).emulator.control.drbd('node-a', 'drbdadm', ['role', d.volume]);
  check(/Primary/.test(role.stdout), `node-a should be Primary, drbdadm role says ${role.stdout.trim()}`);
  return `formatted xfs, node-a is DRBD Primary\nmounted at ${d.onA.target}`;
}

/** Write a file. */
async function writeFile(d: DemoRun): Promise<string> {
  const a = d.onA as Attached;
  await writeSynced(join(a.target, 'hello.txt'), d.file);
  const back = await readFile(join(a.target, 'hello.txt'), 'utf8');
  check(back === d.file, 'the file reads back differently');
  return `hello.txt, ${d.file.length} bytes, sha256 ${d.ui.cyan(sha(d.file))}`;
}

/** Take a snapshot. */
async function takeSnapshot(d: DemoRun): Promise<string> {
  const r = await client(d.s, 'node-a').controller.CreateSnapshot({ source_volume_id: d.volume, name: 'demo-snap' });
  d.snapshotId = r.snapshot?.snapshot_id ?? '';
  check(d.snapshotId !== '', 'CreateSnapshot returned no snapshot id');
  d.s.snapshots.push(d.snapshotId);
  check(r.snapshot?.ready_to_use === true, 'the snapshot is not ready to use');
  return `${d.ui.cyan(d.snapshotId)} of ${d.volume}, ${formatBytes(Number(r.snapshot?.size_bytes ?? 0))}, ready to use`;
}

/** Take node-a down. */
async function takeNodeADown(d: DemoRun): Promise<string> {
  const dev = d.s.dev as DevEnvironment;
  const a = d.onA as Attached;
  // A crash: the satellite goes offline and the host's mounts are gone, as after a reboot.
  await dev.emulator.control.setNodeOnline('node-a', false);
  d.s.nodeADown = true;
  await run('umount', [a.target]);
  await run('umount', [a.staging]);
  d.s.attached = d.s.attached.filter((x) => x !== a);
  // The CO force-detaches the dead node.
  await client(d.s, 'node-a').controller.ControllerUnpublishVolume({ volume_id: d.volume, node_id: 'node-a' });
  const nodes = await linstorGet<Array<{ name: string; connection_status?: string }>>(d.url, '/v1/nodes');
  const st = nodes.find((n) => n.name === 'node-a')?.connection_status ?? 'unknown';
  check(st === 'OFFLINE', `LINSTOR shows node-a ${st}, not OFFLINE`);
  return `LINSTOR: node-a ${d.ui.yellow('OFFLINE')}; its mounts are gone; detached from node-a`;
}

/** Stage on node-b: the file is there. */
async function stageOnNodeB(d: DemoRun): Promise<string> {
  d.onB = await attach(d.s, d.volume, 'node-b', d.context);
  const got = await readFile(join(d.onB.target, 'hello.txt'), 'utf8');
  check(got === d.file, `hello.txt on node-b differs (sha256 ${sha(got)}, expected ${sha(d.file)})`);
  const rep = await replicas(d.url, d.volume);
  return `hello.txt on node-b: sha256 ${d.ui.cyan(sha(got))} ${d.ui.green('(same)')}; replicas ${rep.diskful.join(' + ')}`;
}

/** Restore the snapshot into a new volume. */
async function restoreSnapshot(d: DemoRun): Promise<string> {
  const r = await client(d.s, 'node-a').controller.CreateVolume(volumeRequest('demo-restored', { volume_content_source: { snapshot: { snapshot_id: d.snapshotId } } }));
  const id = r.volume?.volume_id ?? '';
  check(id !== '', 'CreateVolume from the snapshot returned no volume id');
  d.s.volumes.push(id);
  const restored = await attach(d.s, id, 'node-b', r.volume?.volume_context ?? {});
  const got = await readFile(join(restored.target, 'hello.txt'), 'utf8');
  check(got === d.file, 'the restored volume does not hold the snapshot\'s hello.txt');
  const rep = await replicas(d.url, id);
  await detach(d.s, restored);
  return `${d.ui.cyan(id)} on ${rep.diskful.join(' + ')}: hello.txt sha256 ${d.ui.cyan(sha(got))} ${d.ui.green('(as snapshotted)')}`;
}

/** Expand the volume. */
async function expandVolume(d: DemoRun): Promise<string> {
  const b = d.onB as Attached;
  const before = await statfs(b.target);
  const r = await client(d.s, 'node-a').controller.ControllerExpandVolume({ volume_id: d.volume, capacity_range: { required_bytes: String(GROWN) }, volume_capability: CAP });
  check(Number(r.capacity_bytes) >= GROWN, `ControllerExpandVolume answered ${r.capacity_bytes} bytes`);
  if (r.node_expansion_required) {
    await client(d.s, 'node-b').node.NodeExpandVolume({ volume_id: d.volume, volume_path: b.target, staging_target_path: b.staging, capacity_range: { required_bytes: String(GROWN) }, volume_capability: CAP });
  }
  const after = await statfs(b.target);
  const sizeBefore = before.blocks * before.bsize;
  const sizeAfter = after.blocks * after.bsize;
  check(sizeAfter > sizeBefore * 1.5, `the filesystem did not grow (${formatBytes(sizeBefore)} → ${formatBytes(sizeAfter)})`);
  return `device ${formatBytes(SIZE)} → ${formatBytes(Number(r.capacity_bytes))}, filesystem ${formatBytes(sizeBefore)} → ${d.ui.cyan(formatBytes(sizeAfter))} (online, mounted)`;
}

/** Clean up. */
async function cleanUp(d: DemoRun): Promise<string> {
  const dev = d.s.dev as DevEnvironment;
  await dev.emulator.control.setNodeOnline('node-a', true);
  d.s.nodeADown = false;
  // kubelet on the returning node-a cleans up what it remembers (already gone: no-ops).
  const a = d.onA as Attached;
  await client(d.s, 'node-a').node.NodeUnpublishVolume({ volume_id: d.volume, target_path: a.target });
  await client(d.s, 'node-a').node.NodeUnstageVolume({ volume_id: d.volume, staging_target_path: a.staging });
  const vols = d.s.volumes.length;
  const snaps = d.s.snapshots.length;
  const problems = await cleanup(d.s);
  check(problems.length === 0, problems.join('; '));
  const left = (await run('losetup', ['-a'], { timeout: 10_000 })).stdout.split('\n').filter((l) => l.includes(d.base));
  check(left.length === 0, `loop devices still attached: ${left.join(', ')}`);
  return `${vols} volumes and ${snaps} snapshot deleted, drivers and emulator stopped, loop devices detached`;
}

const STEPS: ReadonlyArray<{ title: string; run: (d: DemoRun) => Promise<string> }> = [
  { title: 'Start the LINSTOR emulator and the driver', run: startCluster },
  { title: 'Create a 2-replica volume', run: createVolume },
  { title: 'Stage and publish it on node-a', run: publishOnNodeA },
  { title: 'Write a file', run: writeFile },
  { title: 'Take a snapshot', run: takeSnapshot },
  { title: 'Take node-a down', run: takeNodeADown },
  { title: 'Stage on node-b: the file is there', run: stageOnNodeB },
  { title: 'Restore the snapshot into a new volume', run: restoreSnapshot },
  { title: 'Expand the volume', run: expandVolume },
  { title: 'Clean up', run: cleanUp },
];

/** The demo's flags. */
function demoOptions(argv: string[]): { keep: boolean; noColor: boolean } {
  const parsed = parseFlags(argv, DEMO_FLAGS);
  rejectExtraPositionals(parsed);
  const on = (name: string): boolean => parsed.values.has(name) && parsed.values.get(name)?.[0] !== 'false';
  return { keep: on('keep'), noColor: on('no-color') };
}

/** Runs the steps in order until one fails or a signal arrives; cleans up after a failure. */
async function runSteps(d: DemoRun): Promise<{ ok: boolean; failedAt: number }> {
  // Stop on Ctrl-C between (or during) steps, still cleaning up.
  let interrupted = false;
  const onSig = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  let ok = true;
  let failedAt = -1;
  for (const [i, step] of STEPS.entries()) {
    if (interrupted) {
      d.ui.line(d.ui.yellow('  interrupted; cleaning up'));
      ok = false;
      break;
    }
    const r = await d.ui.step(step.title, () => step.run(d));
    if (!r.ok) {
      ok = false;
      failedAt = i;
      break;
    }
  }
  if (!ok) {
    const problems = await cleanup(d.s);
    for (const p of problems) d.ui.line(d.ui.red(`  cleanup: ${p}`));
  }
  process.off('SIGINT', onSig);
  process.off('SIGTERM', onSig);
  return { ok, failedAt };
}

/** The closing lines: what to try next, or where the log of a failed run is. */
function report(ui: StepUi, outcome: { ok: boolean; failedAt: number }, total: string, logFile: string): void {
  ui.line();
  if (outcome.ok) {
    ui.line(`  ${ui.green(ui.bold('Every step showed what it claimed'))} ${ui.dim(`(${total})`)}`);
    ui.line();
    ui.line(`  Try it yourself:  ${ui.cyan('linstor-csi dev --state-dir /tmp/linstor-csi-dev --node node-a --node node-b')}`);
    ui.line(`  then point csi-sanity, csc or your own client at the printed sockets.`);
  } else {
    ui.line(`  ${ui.red(ui.bold(outcome.failedAt >= 0 ? `Step ${outcome.failedAt + 1} did not show what it claims` : 'The demo stopped early'))} ${ui.dim(`(${total})`)}`);
    ui.line(`  driver and emulator log: ${logFile}`);
  }
  ui.line();
}

export async function runDemo(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = commandArgs('demo', argv, io, demoHelp(), demoOptions);
  if ('exit' in parsed) return parsed.exit;
  const opts = parsed.args;
  const color = !opts.noColor && colorWanted(io.stdout.isTTY, env);
  const ui = new StepUi({ out: io.stdout, color, spinner: color, titleWidth: Math.max(...STEPS.map((t) => t.title.length)) }, STEPS.length);

  if (process.getuid?.() !== 0) {
    io.stderr.write('linstor-csi demo: needs root (it attaches loop devices, runs mkfs and mount); try: sudo linstor-csi demo\n');
    return 1;
  }
  const base = await mkdtemp(join(tmpdir(), 'linstor-csi-demo-'));
  const s: DemoState = { base, clients: new Map(), volumes: [], snapshots: [], attached: [], nodeADown: false };
  const logFile = join(base, 'driver.log');
  const logStream = createWriteStream(logFile);
  const log = createLogger({ level: 'info', format: 'text', destination: logStream, base: { name: 'linstor-csi-demo' } });
  const started = performance.now();

  ui.line();
  ui.line(`${ui.bold('linstor-csi demo')}  ${ui.dim('a volume\'s life on an emulated 3-node LINSTOR cluster, over the real CSI sockets')}  ${ui.dim(`node ${process.version}`)}`);
  ui.line();

  const file = `hello from node-a, written ${new Date().toISOString()}\n`;
  const outcome = await runSteps({ s, ui, log, base, file, url: '', volume: '', context: {}, snapshotId: '' });
  await new Promise<void>((res) => logStream.end(() => res()));
  report(ui, outcome, formatMs(performance.now() - started), logFile);
  if (outcome.ok && !opts.keep) await rm(base, { recursive: true, force: true });
  else if (opts.keep) ui.line(`  kept ${base}`);
  return outcome.ok ? 0 : 1;
}

export { CheckFailed };
