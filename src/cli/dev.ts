/**
 * `linstor-csi dev`: the embedded LINSTOR emulator and the CSI driver, wired together in one
 * process, for trying the driver out and for the conformance suite.
 *
 * The first `--node` gets every CSI service (Identity, Controller, GroupController, Node) on
 * `--csi-endpoint`; each further `--node` gets a node-only driver on its own socket next to it
 * (`csi-<node>.sock`), so a client can stage a volume on node-a, then on node-b, as a kubelet on
 * each host would. Every node's driver runs its DRBD tools through that node's emulator
 * stand-ins and finds devices under that node's emulated /dev.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SERVE_FLAGS, checkKubeconfig, haOptions, parseServeArgs, parseCsiEndpoint, type Config, type Endpoint, type HaOptions } from '../config/config.js';
import { ConfigError, flagOrEnv, formatHelp, parseDuration, parseFlags, parseListen, parseSize, rejectExtraPositionals, type FlagSpec } from '../config/flags.js';
import { commandArgs } from './args.js';
import { startDriver, type RunningDriver } from '../driver.js';
import { DEFAULT_NODES, DEFAULT_POOL_NAME, DEFAULT_POOL_SIZE, startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { createLogger, LOG_LEVELS, type LogFormat, type Logger, type LogLevel } from '../log/logger.js';
import { createNodeOps } from '../node-ops/index.js';
import { systemClock } from '../util/clock.js';
import type { CliIo } from './main.js';

export const DEV_FLAGS: readonly FlagSpec[] = [
  { name: 'state-dir', placeholder: 'DIR', help: 'emulator state: state.json, backing files, per-node bin/ and dev/ (required)' },
  { name: 'csi-endpoint', placeholder: 'URI', help: 'socket of the first node\'s driver (all CSI services)', default: 'unix://DIR/csi.sock' },
  { name: 'node', placeholder: 'NAME', repeatable: true, help: 'run a driver for this node; the first serves every service on --csi-endpoint, each further one the Node service on csi-NAME.sock beside it', default: 'node-a' },
  { name: 'nodes', placeholder: 'A,B,C', help: 'satellites of a new emulated cluster', default: DEFAULT_NODES.join(',') },
  { name: 'pool-size', placeholder: 'SIZE', help: 'thin pool size per node', default: '20GiB' },
  { name: 'pool-name', placeholder: 'NAME', help: 'thin pool name', default: DEFAULT_POOL_NAME },
  { name: 'listen', placeholder: 'HOST:PORT', help: 'where the emulator serves the LINSTOR REST API', default: '127.0.0.1:0 (a free port)' },
  { name: 'kubelet-dir', placeholder: 'DIR', help: 'the directory standing in for the kubelet\'s: staging and target paths must lie beneath it', default: 'DIR/kubelet' },
  { name: 'max-volumes-per-node', placeholder: 'N', help: 'max_volumes_per_node reported by NodeGetInfo', default: '1048576' },
  { name: 'device-wait-timeout', placeholder: 'DURATION', help: 'how long NodeStage waits for the device', default: '10s' },
  { name: 'shutdown-timeout', placeholder: 'DURATION', help: 'how long in-flight calls may finish on SIGTERM', default: '10s' },
  { name: 'kubeconfig', placeholder: 'FILE', help: 'a Kubernetes API server: runs the HA agent beside each node\'s driver' },
  { name: 'ha-failover-timeout', placeholder: 'DURATION', help: 'with --kubeconfig: how long a peer must be unreachable before the HA agent fails over', default: '5s' },
  { name: 'ha-poll-interval', placeholder: 'DURATION', help: 'with --kubeconfig: how often the HA agent reads the DRBD state', default: '1s' },
  { name: 'log-level', placeholder: 'LEVEL', help: `log level: ${LOG_LEVELS.join('|')}`, default: 'info', env: ['LOG_LEVEL'] },
  { name: 'log-format', placeholder: 'json|text', help: 'log line format (logs go to stderr)', default: 'text', env: ['LOG_FORMAT'] },
];

export function devHelp(): string {
  return formatHelp(
    'Usage: linstor-csi dev --state-dir DIR [--csi-endpoint unix:///PATH] [--node node-a [--node node-b ...]]\n\n' +
      'Starts the LINSTOR emulator on a free loopback port and a CSI driver wired to it, prints where\n' +
      'everything is, and runs until SIGTERM or Ctrl-C (then stops both: sockets removed, loop devices detached).',
    DEV_FLAGS,
  );
}

export interface DevOptions {
  stateDir: string;
  /** Endpoint of the first node's all-services driver. */
  csiEndpoint: Endpoint;
  /** Nodes that get a driver; the first one runs every service. */
  driverNodes: string[];
  /** Satellites of a new cluster. */
  clusterNodes: string[];
  poolSize: number;
  poolName: string;
  host: string;
  port: number;
  maxVolumesPerNode: number;
  deviceWaitTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Every driver's --kubelet-dir: clients stage and publish beneath it (created at start). */
  kubeletDir: string;
  log: Logger;
  /** Log level for the driver configs (the logger itself is passed in). */
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Emulated resync time of a returning node (ms); emulator default when unset. */
  resyncMs?: number;
  /** Run the HA agent with each node's driver, against this API server. */
  ha?: { kubeconfig: string; failoverTimeoutMs: number; pollIntervalMs: number };
}

export interface DevDriver {
  node: string;
  /** "all" for the first node, "node" for the others. */
  mode: Config['mode'];
  endpoint: string;
  /** Socket path (unix endpoints). */
  socketPath: string | undefined;
  driver: RunningDriver;
}

export interface DevEnvironment {
  emulator: EmulatorHandle;
  drivers: DevDriver[];
  kubeletDir: string;
  /** Stops the drivers (draining for up to the shutdown timeout), then the emulator. Idempotent. */
  stop(): Promise<void>;
}

/** The socket of a further node's driver: beside the main socket (or in the state dir for tcp). */
export function nodeEndpoint(main: Endpoint, stateDir: string, node: string): Endpoint {
  const dir = main.kind === 'unix' ? dirname(main.path) : stateDir;
  const path = join(dir, `csi-${node}.sock`);
  return { kind: 'unix', path, uri: `unix://${path}` };
}

/** Starts the emulator and one driver per node, wired to it. Cleans up what it started on failure. */
export async function startDev(o: DevOptions): Promise<DevEnvironment> {
  await mkdir(o.kubeletDir, { recursive: true });
  const emulator = await startEmulator({
    stateDir: o.stateDir,
    nodes: o.clusterNodes,
    poolSize: o.poolSize,
    poolName: o.poolName,
    host: o.host,
    port: o.port,
    log: o.log.child({ component: 'emulator' }),
    ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
  });
  const drivers: DevDriver[] = [];
  const stopAll = async (): Promise<void> => {
    // Drivers first (they talk to the emulator while draining), then the emulator.
    for (const d of [...drivers].reverse()) {
      try {
        await d.driver.stop(o.shutdownTimeoutMs);
      } catch (e) {
        o.log.warn({ err: e, node: d.node }, 'driver did not stop cleanly');
      }
    }
    // Thaw first: unmounting a filesystem frozen for a Primary without quorum would hang.
    await emulator.releaseIo();
    await releaseDevices(emulator, o.log);
    await emulator.stop();
  };
  try {
    const known = new Set(emulator.nodes.map((n) => n.toLowerCase()));
    for (const [i, node] of o.driverNodes.entries()) {
      if (!known.has(node.toLowerCase())) {
        throw new ConfigError('--node', `--node ${node} is not a node of the emulated cluster (${emulator.nodes.join(', ')}); pick one of those or pass --nodes`);
      }
      const endpoint = i === 0 ? o.csiEndpoint : nodeEndpoint(o.csiEndpoint, o.stateDir, node);
      const mode: Config['mode'] = i === 0 ? 'all' : 'node';
      const config = parseServeArgs(
        [
          `--mode=${mode}`,
          `--node=${node}`,
          `--csi-endpoint=${endpoint.uri}`,
          `--linstor-endpoint=${emulator.url}`,
          `--device-path-template=${emulator.nodeDevRoot(node)}/drbd/by-res/{resource}/{volume}`,
          `--device-wait-timeout=${o.deviceWaitTimeoutMs}ms`,
          `--kubelet-dir=${o.kubeletDir}`,
          `--max-volumes-per-node=${o.maxVolumesPerNode}`,
          `--shutdown-timeout=${o.shutdownTimeoutMs}ms`,
          `--log-level=${o.logLevel}`,
          `--log-format=${o.logFormat}`,
          ...(o.ha ? ['--ha', `--kubeconfig=${o.ha.kubeconfig}`, `--ha-failover-timeout=${o.ha.failoverTimeoutMs}ms`, `--ha-poll-interval=${o.ha.pollIntervalMs}ms`] : []),
        ],
        {},
      );
      const log = o.log.child({ node });
      const driver = await startDriver(config, {
        log,
        nodeOps: createNodeOps({ clock: systemClock, log: log.child({ component: 'node-ops' }), binDirs: [emulator.nodeBinDir(node)] }),
      });
      drivers.push({ node, mode, endpoint: driver.server.address, socketPath: endpoint.kind === 'unix' ? endpoint.path : undefined, driver });
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    emulator,
    drivers,
    kubeletDir: o.kubeletDir,
    stop: () => (stopping ??= stopAll()),
  };
}

/**
 * Undoes what a client left staged or published on the emulator's devices (anywhere in the
 * mount table, e.g. csi-sanity's staging dir): those mounts would keep the loop devices
 * attached and leave mounts of a stopped cluster behind. Mounts of a device's filesystem
 * share its maj:min; binds of a device node show it as the target's rdev. Also clears the
 * kernel read-only flag a read-only stage set, which outlives the loop device's detach.
 */
export async function releaseDevices(emulator: Pick<EmulatorHandle, 'nodes' | 'nodeDevRoot'>, log: Logger): Promise<void> {
  const ops = createNodeOps({ clock: systemClock, log: log.child({ component: 'node-ops' }) });
  const devices = new Map<string, string>();
  for (const node of emulator.nodes) {
    const root = join(emulator.nodeDevRoot(node), 'drbd', 'by-res');
    for (const rsc of await readdir(root).catch(() => [] as string[])) {
      for (const vol of await readdir(join(root, rsc)).catch(() => [] as string[])) {
        const dev = join(root, rsc, vol);
        const num = await ops.fs.deviceNumber(dev).catch(() => undefined);
        if (num !== undefined) devices.set(num, dev);
      }
    }
  }
  if (devices.size === 0) return;
  const table = await ops.mounter.list();
  const targets: string[] = [];
  // Latest first: a publish (bind) sits above the staging mount it came from.
  for (const m of [...table].reverse()) {
    if (targets.includes(m.target)) continue;
    if (devices.has(m.majMin)) targets.push(m.target);
    // Only device-node filesystems can hold a bind of a device node; never stat other mounts (a dead network mount hangs).
    else if ((m.fstype === 'devtmpfs' || m.fstype === 'tmpfs') && devices.has((await ops.fs.deviceNumber(m.target).catch(() => undefined)) ?? '')) targets.push(m.target);
  }
  for (const t of targets) {
    try {
      await ops.mounter.unmount(t, { busyRetries: 2, retryDelayMs: 500 });
      log.info({ target: t }, 'unmounted a leftover mount of an emulated volume');
    } catch (e) {
      log.warn({ target: t, err: (e as Error).message }, 'could not unmount a leftover mount of an emulated volume; its loop device stays attached');
    }
  }
  for (const dev of devices.values()) await ops.blockdev.setReadOnly(dev, false).catch(() => undefined);
}

function value(parsed: ReturnType<typeof parseFlags>, name: string, env: NodeJS.ProcessEnv): { value: string; source: string } | undefined {
  const spec = DEV_FLAGS.find((s) => s.name === name) as FlagSpec;
  return flagOrEnv(parsed, spec, env);
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Parses the dev flags into options (without the logger). Throws ConfigError naming the flag. */
export function parseDevArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Omit<DevOptions, 'log'> {
  const parsed = parseFlags(argv, DEV_FLAGS);
  rejectExtraPositionals(parsed, 0, '; flags start with --');
  const sd = value(parsed, 'state-dir', env);
  if (!sd || sd.value.trim() === '') throw new ConfigError('--state-dir', '--state-dir is required: a directory for the emulator state (e.g. /tmp/linstor-csi-dev)');
  const stateDir = resolve(sd.value);
  const ep = value(parsed, 'csi-endpoint', env);
  const csiEndpoint = ep ? parseCsiEndpoint('--csi-endpoint', ep.value) : parseCsiEndpoint('--csi-endpoint', `unix://${join(stateDir, 'csi.sock')}`);
  const driverNodes = parsed.values.get('node') ?? ['node-a'];
  for (const n of driverNodes) {
    if (!NODE_NAME.test(n)) throw new ConfigError('--node', `--node must be a LINSTOR node name (letters, digits, ".", "_", "-"), got "${n}"`);
  }
  if (new Set(driverNodes.map((n) => n.toLowerCase())).size !== driverNodes.length) throw new ConfigError('--node', '--node names a node twice');
  const nodesRaw = value(parsed, 'nodes', env)?.value;
  const clusterNodes = nodesRaw === undefined ? DEFAULT_NODES : nodesRaw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (clusterNodes.length === 0 || clusterNodes.some((n) => !NODE_NAME.test(n))) {
    throw new ConfigError('--nodes', `--nodes must be a comma-separated list of node names, got "${nodesRaw ?? ''}"`);
  }
  const ps = value(parsed, 'pool-size', env);
  const poolSize = ps ? parseSize('--pool-size', ps.value) : DEFAULT_POOL_SIZE;
  if (poolSize < 64 * 1024 * 1024) throw new ConfigError('--pool-size', `--pool-size must be at least 64MiB, got "${ps?.value ?? ''}"`);
  const poolName = value(parsed, 'pool-name', env)?.value ?? DEFAULT_POOL_NAME;
  const listen = parseListen('--listen', value(parsed, 'listen', env)?.value ?? '127.0.0.1:0');
  const mv = value(parsed, 'max-volumes-per-node', env)?.value ?? '1048576';
  if (!/^\d+$/.test(mv) || Number(mv) <= 0) throw new ConfigError('--max-volumes-per-node', `--max-volumes-per-node must be a positive whole number, got "${mv}"`);
  const kd = value(parsed, 'kubelet-dir', env);
  const dwt = value(parsed, 'device-wait-timeout', env);
  const sdt = value(parsed, 'shutdown-timeout', env);
  const level = value(parsed, 'log-level', env)?.value ?? 'info';
  if (!LOG_LEVELS.includes(level as LogLevel)) throw new ConfigError('--log-level', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  const format = value(parsed, 'log-format', env)?.value ?? 'text';
  if (format !== 'json' && format !== 'text') throw new ConfigError('--log-format', `--log-format must be json or text, got "${format}"`);
  const ha = devHa(parsed, env);
  return {
    ...(ha ? { ha } : {}),
    stateDir,
    csiEndpoint,
    driverNodes,
    clusterNodes,
    poolSize,
    poolName,
    host: listen.host,
    port: listen.port,
    maxVolumesPerNode: Number(mv),
    deviceWaitTimeoutMs: dwt ? parseDuration('--device-wait-timeout', dwt.value) : 10_000,
    shutdownTimeoutMs: sdt ? parseDuration('--shutdown-timeout', sdt.value) : 10_000,
    kubeletDir: kd ? resolve(kd.value) : join(stateDir, 'kubelet'),
    logLevel: level as LogLevel,
    logFormat: format,
  };
}

/** The HA agent's settings when --kubeconfig is given, checked as `serve --ha` checks them. */
function devHa(parsed: ReturnType<typeof parseFlags>, env: NodeJS.ProcessEnv): DevOptions['ha'] {
  const kc = value(parsed, 'kubeconfig', env);
  const to = value(parsed, 'ha-failover-timeout', env);
  const pi = value(parsed, 'ha-poll-interval', env);
  if (!kc) {
    const stray = to ?? pi;
    if (stray) throw new ConfigError(stray.source, `${stray.source} configures the HA agent, which runs only with --kubeconfig=FILE`);
    return undefined;
  }
  checkKubeconfig(kc.value);
  const haArgs = ['--ha', `--kubeconfig=${kc.value}`, ...(to ? [`--ha-failover-timeout=${to.value}`] : []), ...(pi ? [`--ha-poll-interval=${pi.value}`] : [])];
  const ha = haOptions(parseFlags(haArgs, SERVE_FLAGS), {}, 'node') as HaOptions;
  return { kubeconfig: resolve(kc.value), failoverTimeoutMs: ha.failoverTimeoutMs, pollIntervalMs: ha.pollIntervalMs };
}

/** What `dev` prints once everything is up. */
export function describeDev(env: DevEnvironment, stateDir: string): string {
  const e = env.emulator;
  const rows: Array<[string, string]> = [
    ['LINSTOR emulator', e.url],
    ['state dir', stateDir],
    ['kubelet dir', `${env.kubeletDir}  (staging and target paths must lie beneath it)`],
    ...env.drivers.map((d): [string, string] => [`CSI ${d.node}`, `${d.endpoint}  (${d.mode === 'all' ? 'Identity, Controller, GroupController, Node' : 'Identity, Node'})${d.driver.ha ? ' + HA agent' : ''}`]),
    ...env.drivers.flatMap((d): Array<[string, string]> => [
      [`  ${d.node} dev`, `${e.nodeDevRoot(d.node)}/drbd/by-res/{resource}/{volume}`],
      [`  ${d.node} drbd tools`, e.nodeBinDir(d.node)],
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const first = env.drivers[0];
  return [
    'linstor-csi dev: ready',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`),
    '',
    'Try:',
    `  linstor-csi ls resources --linstor-endpoint ${e.url}`,
    ...(first ? [`  csi-sanity -csi.endpoint ${first.endpoint} -csi.stagingdir ${env.kubeletDir}/csi-staging -csi.mountdir ${env.kubeletDir}/csi-target`] : []),
    'Stop with Ctrl-C or SIGTERM.',
    '',
  ].join('\n');
}

export async function runDev(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = commandArgs('dev', argv, io, devHelp(), (a) => parseDevArgs(a, env));
  if ('exit' in parsed) return parsed.exit;
  const opts: Omit<DevOptions, 'log'> = parsed.args;
  const log = createLogger({ level: opts.logLevel, format: opts.logFormat, destination: io.stderr, base: { name: 'linstor-csi-dev' } });
  // Signals that arrive while starting up stop us right after the start.
  let signalled: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    signalled = sig;
    wake?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    let dev: DevEnvironment;
    try {
      dev = await startDev({ ...opts, log });
    } catch (e) {
      if (e instanceof ConfigError) {
        io.stderr.write(`linstor-csi dev: ${e.message}\n`);
        return 2;
      }
      io.stderr.write(`linstor-csi dev: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    io.stdout.write(describeDev(dev, opts.stateDir));
    if (signalled === undefined) await new Promise<void>((res) => (wake = res));
    io.stdout.write(`linstor-csi dev: ${signalled ?? 'signal'} received, stopping\n`);
    await dev.stop();
    io.stdout.write('linstor-csi dev: stopped (sockets removed, loop devices detached)\n');
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
