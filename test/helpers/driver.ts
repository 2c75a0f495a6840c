import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csiClients, type CsiClients } from './grpc-clients.js';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const CLI = join(REPO_ROOT, 'bin', 'linstor-csi.js');

export interface DriverProcess extends CsiClients {
  socketPath: string;
  address: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr (the JSON log) so far. */
  logs(): string;
  stdout(): string;
  /** Sends the signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartDriverOptions {
  /** Flags after `serve`; --csi-endpoint is added unless given. */
  args: string[];
  env?: Record<string, string>;
  /** Directory for the socket; a fresh temp dir by default. */
  dir?: string;
  timeoutMs?: number;
}

/** Spawns the real CLI (`linstor-csi serve ...`) and waits until its socket accepts calls. */
export async function startDriver(opts: StartDriverOptions): Promise<DriverProcess> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'lcsi-drv-')));
  const given = opts.args.find((a) => a.startsWith('--csi-endpoint'));
  const socketPath = given ? given.replace(/^--csi-endpoint=?unix:\/\//, '') : join(dir, 'csi.sock');
  const args = given ? opts.args : [`--csi-endpoint=unix://${socketPath}`, ...opts.args];
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let done = false;
  exited.then(() => (done = true));
  while (!existsSync(socketPath)) {
    if (done) throw new Error(`driver exited before listening:\n${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`driver did not create ${socketPath} in time:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const address = `unix://${socketPath}`;
  let clients = csiClients(address);
  // The file appears at bind(), a moment before listen(): wait for a real answer.
  for (;;) {
    try {
      await clients.identity.GetPluginInfo({}, { deadlineMs: 2000 });
      break;
    } catch (e) {
      clients.close();
      if (done) throw new Error(`driver exited before answering:\n${err}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`driver did not answer on ${socketPath} in time (${String(e)}):\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 50));
      clients = csiClients(address);
    }
  }
  return {
    ...clients,
    socketPath,
    address,
    child,
    logs: () => err,
    stdout: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      clients.close();
      if (!done) child.kill(signal);
      const code = await exited;
      if (!opts.dir && !given) await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`linstor-csi ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
