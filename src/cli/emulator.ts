/** `linstor-csi emulator`: runs the embedded LINSTOR emulator until SIGTERM/SIGINT. */
import { PROVIDER_KINDS, isProviderKind, type ProviderKind } from '../emulator/providers.js';
import {
  ConfigError,
  flagValue,
  formatHelp,
  parseFlags,
  parseListen,
  parseSize,
  rejectExtraPositionals,
  type FlagSpec,
  type ParsedFlags,
} from '../config/flags.js';
import { commandArgs } from './args.js';
import { createLogger } from '../log/logger.js';
import { DEFAULT_NODES, DEFAULT_POOL_NAME, DEFAULT_POOL_SIZE, startEmulator } from '../emulator/index.js';
import { validNodeName, validPoolName } from '../emulator/names.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

const EMULATOR_FLAGS: readonly FlagSpec[] = [
  { name: 'listen', placeholder: 'HOST:PORT', help: 'address to serve the LINSTOR REST API on (port 0 = any free port)', default: '127.0.0.1:3370' },
  { name: 'state-dir', placeholder: 'DIR', help: 'directory for state.json, backing files, per-node bin/ and dev/ (required)' },
  { name: 'nodes', placeholder: 'A,B,C', help: 'satellites of a new cluster', default: DEFAULT_NODES.join(',') },
  { name: 'pool-size', placeholder: 'SIZE', help: 'thin pool size per node: bytes or 512MiB, 20GiB, 10G, 1T', default: '20GiB' },
  { name: 'pool-name', placeholder: 'NAME', help: 'thin pool name', default: DEFAULT_POOL_NAME },
  { name: 'pool-provider', placeholder: 'KIND', help: `provider of each node's pool, with that provider's capabilities: ${PROVIDER_KINDS.join('|')}`, default: 'LVM_THIN' },
  { name: 'log-level', placeholder: 'LEVEL', help: `log level: ${LOG_LEVELS.join('|')}`, default: 'info' },
];

const USAGE = formatHelp(
  'Usage: linstor-csi emulator --listen HOST:PORT --state-dir DIR [--nodes node-a,node-b,node-c] [--pool-size 20GiB] [--pool-name thin-pool]',
  EMULATOR_FLAGS,
);

interface Flags {
  listen: { host: string; port: number };
  stateDir: string;
  /** Undefined when not given, so a restarted emulator only warns about settings really asked for. */
  nodes?: string[];
  poolSize: number;
  poolName?: string;
  poolProvider?: ProviderKind;
  logLevel: (typeof LOG_LEVELS)[number];
}

function last(parsed: ParsedFlags, name: string): string | undefined {
  return flagValue(parsed, name)?.value;
}

/** Parses the emulator flags; throws ConfigError naming the flag. */
function parseEmulatorArgs(argv: readonly string[]): Flags {
  const parsed = parseFlags(argv, EMULATOR_FLAGS);
  rejectExtraPositionals(parsed, 0, '; flags start with --');
  const stateDir = last(parsed, 'state-dir');
  if (stateDir === undefined) throw new ConfigError('--state-dir', '--state-dir is required');
  if (stateDir.trim() === '') throw new ConfigError('--state-dir', '--state-dir: must not be empty');
  const listen = last(parsed, 'listen');
  const nodesRaw = last(parsed, 'nodes');
  let nodes: string[] | undefined;
  if (nodesRaw !== undefined) {
    nodes = nodesRaw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const bad = nodes.find((n) => !validNodeName(n));
    if (nodes.length === 0 || bad !== undefined) throw new ConfigError('--nodes', `--nodes: invalid node name '${bad ?? nodesRaw}'`);
    if (new Set(nodes.map((n) => n.toUpperCase())).size !== nodes.length) throw new ConfigError('--nodes', '--nodes: duplicate node name');
  }
  const sizeRaw = last(parsed, 'pool-size');
  const poolSize = sizeRaw === undefined ? DEFAULT_POOL_SIZE : parseSize('--pool-size', sizeRaw);
  if (poolSize < 1024 * 1024) throw new ConfigError('--pool-size', `--pool-size: expected a size of at least 1MiB like 20GiB, got '${sizeRaw}'`);
  const poolName = last(parsed, 'pool-name');
  if (poolName !== undefined && !validPoolName(poolName)) throw new ConfigError('--pool-name', `--pool-name: invalid storage pool name '${poolName}' (3-48 chars, letter or _ first)`);
  const provider = last(parsed, 'pool-provider');
  if (provider !== undefined && !isProviderKind(provider)) throw new ConfigError('--pool-provider', `--pool-provider: expected one of ${PROVIDER_KINDS.join(', ')}, got '${provider}'`);
  const logLevel = last(parsed, 'log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError('--log-level', `--log-level: unknown level '${logLevel}'`);
  return {
    listen: listen === undefined ? { host: '127.0.0.1', port: 3370 } : parseListen('--listen', listen),
    stateDir,
    ...(nodes !== undefined ? { nodes } : {}),
    poolSize,
    ...(poolName !== undefined ? { poolName } : {}),
    ...(provider !== undefined ? { poolProvider: provider } : {}),
    logLevel: logLevel as Flags['logLevel'],
  };
}

export async function runEmulator(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const parsed = commandArgs('emulator', argv, io, USAGE, parseEmulatorArgs, USAGE);
  if ('exit' in parsed) return parsed.exit;
  const flags: Flags = parsed.args;
  const log = createLogger({ level: flags.logLevel, format: env['LOG_FORMAT'] === 'json' ? 'json' : 'text', destination: io.stderr, base: { name: 'linstor-emulator' } });
  let handle;
  try {
    handle = await startEmulator({
      host: flags.listen.host,
      port: flags.listen.port,
      stateDir: flags.stateDir,
      ...(flags.nodes !== undefined ? { nodes: flags.nodes } : {}),
      poolSize: flags.poolSize,
      ...(flags.poolName !== undefined ? { poolName: flags.poolName } : {}),
      ...(flags.poolProvider !== undefined ? { poolProvider: flags.poolProvider } : {}),
      log,
    });
  } catch (e) {
    io.stderr.write(`linstor-csi emulator: could not start: ${(e as Error).message}\n`);
    return 1;
  }
  const lines = [
    `LINSTOR emulator listening on ${handle.url}`,
    `  state dir: ${handle.stateDir}`,
    `  try:       linstor --controllers ${handle.url} node list`,
    ...handle.nodes.flatMap((n) => [`  node ${n}:`, `    bin: ${handle.nodeBinDir(n)}`, `    dev: ${handle.nodeDevRoot(n)}`]),
    '',
  ];
  io.stdout.write(lines.join('\n'));
  await new Promise<void>((res) => {
    const onSig = (): void => {
      process.off('SIGTERM', onSig);
      process.off('SIGINT', onSig);
      res();
    };
    process.on('SIGTERM', onSig);
    process.on('SIGINT', onSig);
  });
  await handle.stop();
  io.stdout.write('LINSTOR emulator stopped; loop devices detached\n');
  return 0;
}
