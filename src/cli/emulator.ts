/** `linstor-csi emulator`: runs the embedded LINSTOR emulator until SIGTERM/SIGINT. */
import { createLogger } from '../log/logger.js';
import { DEFAULT_NODES, DEFAULT_POOL_NAME, DEFAULT_POOL_SIZE, startEmulator } from '../emulator/index.js';
import { validNodeName, validPoolName } from '../emulator/names.js';

const USAGE = `usage: linstor-csi emulator --listen HOST:PORT --state-dir DIR [--nodes node-a,node-b,node-c] [--pool-size 20GiB] [--pool-name thin-pool]

  --listen      address to serve the LINSTOR REST API on (default 127.0.0.1:3370; port 0 = any free port)
  --state-dir   directory for state.json, backing files, per-node bin/ and dev/ (required)
  --nodes       satellites of a new cluster (default ${DEFAULT_NODES.join(',')})
  --pool-size   thin pool size per node: bytes or 512MiB, 20GiB, 10G, 1T (default 20GiB)
  --pool-name   thin pool name (default ${DEFAULT_POOL_NAME})
  --log-level   trace|debug|info|warn|error (default info)
`;

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KB: 1000,
  KI: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1000 ** 2,
  MI: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1000 ** 3,
  GI: 1024 ** 3,
  GIB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1000 ** 4,
  TI: 1024 ** 4,
  TIB: 1024 ** 4,
};

/** "20GiB", "512MiB", "10G" (binary), "1000000" → bytes; undefined when unparsable. */
export function parseSize(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(s);
  if (!m) return undefined;
  const mul = UNITS[(m[2] ?? '').toUpperCase()];
  if (mul === undefined) return undefined;
  const v = Math.floor(Number(m[1]) * mul);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

export function parseListen(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

interface Flags {
  listen: { host: string; port: number };
  stateDir: string;
  nodes: string[];
  poolSize: number;
  poolName: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

class UsageError extends Error {}

function parseFlags(argv: string[]): Flags | 'help' {
  const f: Partial<Flags> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '-h' || a === '--help') return 'help';
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--listen': {
        const v = value();
        const l = parseListen(v);
        if (!l) throw new UsageError(`--listen: expected HOST:PORT, got '${v}'`);
        f.listen = l;
        break;
      }
      case '--state-dir': {
        const v = value();
        if (v.trim() === '') throw new UsageError('--state-dir: must not be empty');
        f.stateDir = v;
        break;
      }
      case '--nodes': {
        const v = value();
        const nodes = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const bad = nodes.find((n) => !validNodeName(n));
        if (nodes.length === 0 || bad !== undefined) throw new UsageError(`--nodes: invalid node name '${bad ?? v}'`);
        if (new Set(nodes.map((n) => n.toUpperCase())).size !== nodes.length) throw new UsageError('--nodes: duplicate node name');
        f.nodes = nodes;
        break;
      }
      case '--pool-size': {
        const v = value();
        const n = parseSize(v);
        if (n === undefined || n < 1024 * 1024) throw new UsageError(`--pool-size: expected a size of at least 1MiB like 20GiB, got '${v}'`);
        f.poolSize = n;
        break;
      }
      case '--pool-name': {
        const v = value();
        if (!validPoolName(v)) throw new UsageError(`--pool-name: invalid storage pool name '${v}' (3-48 chars, letter or _ first)`);
        f.poolName = v;
        break;
      }
      case '--log-level': {
        const v = value();
        if (!['trace', 'debug', 'info', 'warn', 'error'].includes(v)) throw new UsageError(`--log-level: unknown level '${v}'`);
        f.logLevel = v as Flags['logLevel'];
        break;
      }
      default:
        throw new UsageError(`unknown flag '${a}'`);
    }
  }
  if (!f.stateDir) throw new UsageError('--state-dir is required');
  return {
    listen: f.listen ?? { host: '127.0.0.1', port: 3370 },
    stateDir: f.stateDir,
    nodes: f.nodes ?? DEFAULT_NODES,
    poolSize: f.poolSize ?? DEFAULT_POOL_SIZE,
    poolName: f.poolName ?? DEFAULT_POOL_NAME,
    logLevel: f.logLevel ?? 'info',
  };
}

export async function runEmulator(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  let flags: Flags | 'help';
  try {
    flags = parseFlags(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`linstor-csi emulator: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (flags === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const log = createLogger({ level: flags.logLevel, format: env['LOG_FORMAT'] === 'json' ? 'json' : 'text', destination: io.stderr, base: { name: 'linstor-emulator' } });
  let handle;
  try {
    handle = await startEmulator({
      host: flags.listen.host,
      port: flags.listen.port,
      stateDir: flags.stateDir,
      nodes: flags.nodes,
      poolSize: flags.poolSize,
      poolName: flags.poolName,
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
