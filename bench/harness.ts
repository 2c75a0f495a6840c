/** Shared by the benchmarks: the emulator and the driver each in a process of its own, percentiles, the driver's log. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { CLI, REPO_ROOT } from '../test/helpers/driver.js';
import { csiClients, type CsiClients } from '../test/helpers/grpc-clients.js';

export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
export const r2 = (n: number): number => Math.round(n * 100) / 100;
export const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

export interface LogEntry {
  method: string;
  path: string;
  durationMs: number;
  rd?: string;
}

/** The interceptor's one line per RPC, as the driver writes it (JSON on stderr). */
export interface RpcLine {
  rpc: string;
  name?: string;
  volumeId?: string;
  code: string;
  durationMs: number;
  linstorMs?: number;
  linstorCalls?: number;
  linstorQueuedMs?: number;
}

/** The emulator in its own process, so its CPU time is neither the driver's nor the client's. */
export class ChildEmulator {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(stateDir: string): Promise<ChildEmulator> {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--emulator-child', stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /URL (\S+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`emulator exited (${code})`)));
    });
    return new ChildEmulator(url, child);
  }
  async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const r = await fetch(this.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return r.json();
  }
  async log(): Promise<LogEntry[]> {
    return ((await this.control('GET', '/emulator/request-log')) as LogEntry[]).filter((e) => e.path.startsWith('/v1/'));
  }
  async stop(): Promise<void> {
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await done;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The CLI runs from dist/: build it when it is missing or older than the sources. */
export function ensureBuilt(): void {
  const main = join(REPO_ROOT, 'dist', 'bundle', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'))) return;
  process.stderr.write('bench: dist/ is missing or stale; running npm run build\n');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error('npm run build failed; the controller bench runs the built CLI');
}

export interface Driver {
  clients: CsiClients;
  pid: number;
  /** Resident memory of the driver process now, MiB. */
  rssMb(): number;
  /** Everything the driver wrote to stderr (its JSON log, and Node's warnings). */
  logs(): string;
  /** CPU time (user + system) the driver process has used so far, ms. */
  cpuMs(): number;
  /** SIGTERM, and waits for the exit (the log is complete then). */
  stop(): Promise<void>;
}

/** `node [nodeArgs] bin/linstor-csi.js serve <args>`, ready once Identity answers. */
export async function spawnDriver(nodeArgs: string[], args: string[], socket: string): Promise<Driver> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const clients = csiClients(`unix://${socket}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (existsSync(socket)) {
      try {
        await clients.identity.GetPluginInfo({}, { deadlineMs: 2000 });
        break;
      } catch {
        // bound, not listening yet
      }
    }
    if (exited || Date.now() > deadline) {
      clients.close();
      child.kill('SIGKILL');
      throw new Error(`the driver did not start:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    clients,
    pid: child.pid ?? 0,
    rssMb: () => rssMbOf(child.pid ?? 0),
    logs: () => err,
    cpuMs: () => {
      // /proc/<pid>/stat: utime and stime (fields 14, 15) in clock ticks of 10 ms.
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    },
    async stop() {
      clients.close();
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}

/** VmRSS of a process, MiB (0 once it has gone). */
export function rssMbOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export function parseLog(text: string): { rpcs: RpcLine[]; warnings: string[] } {
  const rpcs: RpcLine[] = [];
  const warnings: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      if (/Warning/.test(line)) warnings.push(line);
      continue;
    }
    if (typeof rec['rpc'] === 'string' && typeof rec['durationMs'] === 'number') rpcs.push(rec as unknown as RpcLine);
  }
  return { rpcs, warnings };
}


if (process.argv[2] === '--emulator-child') {
  const handle = await startEmulator({ stateDir: process.argv[3] as string, nodes: ['node-a', 'node-b', 'node-c'], poolSize: 64 * 1024 ** 3, resyncMs: 0 });
  process.stdout.write(`URL ${handle.url}\n`);
  process.once('SIGTERM', () => {
    void handle.stop().then(() => process.exit(0));
  });
}
