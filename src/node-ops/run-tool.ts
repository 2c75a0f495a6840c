/**
 * The one way the node plugin runs an external tool: execa with an argument array, a
 * timeout, no shell, stdin closed, and a PATH that can be prefixed per node (so two node
 * services in one test process can act as two nodes through the emulator's stand-ins).
 */
import type { Logger } from '../log/logger.js';

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Overrides the runner's default timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Exit codes that are answers rather than failures (e.g. blkid's 2, findmnt's 1). */
  okExitCodes?: readonly number[];
}

/** How a tool run ended, as a ToolError reports it. */
export interface ToolOutcome {
  readonly command: string;
  readonly args: readonly string[];
  /** null when the process never ran to an exit (not found, timed out, killed). */
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly timedOut: boolean;
  readonly notFound: boolean;
}

// The outcome's fields are the error's own (assigned in the constructor).
export interface ToolError extends ToolOutcome {}

/** A tool that could not run, timed out, or exited with a code the caller did not accept. */
export class ToolError extends Error {
  constructor(f: ToolOutcome & { detail?: string }) {
    const what = f.notFound
      ? 'was not found on PATH'
      : f.timedOut
        ? 'timed out'
        : f.exitCode === null
          ? `did not exit normally${f.detail ? ` (${f.detail})` : ''}`
          : `exited with code ${f.exitCode}`;
    super(`${f.command} ${what}${f.stderr ? `: ${firstLines(f.stderr)}` : ''}`);
    this.name = 'ToolError';
    const { detail: _detail, ...outcome } = f;
    Object.assign(this, outcome);
  }
}

export function isToolError(e: unknown): e is ToolError {
  return e instanceof ToolError;
}

function firstLines(s: string, max = 3): string {
  return s.split('\n').filter((l) => l.trim() !== '').slice(0, max).join('; ');
}

export interface ToolRunner {
  run(command: string, args: readonly string[], opts?: RunOptions): Promise<ToolResult>;
}

export interface ToolRunnerOptions {
  /** Directories searched before the inherited PATH (the emulator's per-node bin dir). */
  binDirs?: readonly string[];
  /** Extra environment for every tool. */
  env?: Readonly<Record<string, string>>;
  defaultTimeoutMs?: number;
  log?: Logger;
}

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Builds the PATH for tools: injected dirs first, then the inherited PATH, then the sbin dirs. */
export function toolPath(binDirs: readonly string[], inherited: string | undefined): string {
  const parts = [...binDirs, ...(inherited ?? '').split(':'), ...SYSTEM_DIRS].filter((p) => p !== '');
  return [...new Set(parts)].join(':');
}

const COMMAND_RE = /^[A-Za-z0-9_.+-]+$/;

// execa is loaded on the first tool run, not at start-up: it costs ~70 ms and several MB,
// and a controller-only process never runs a tool.
let execaModule: Promise<typeof import('execa')> | undefined;
function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}

export function createToolRunner(o: ToolRunnerOptions = {}): ToolRunner {
  const defaultTimeout = o.defaultTimeoutMs ?? 60_000;
  const env: Record<string, string> = { ...(o.env ?? {}), PATH: toolPath(o.binDirs ?? [], process.env.PATH), LC_ALL: 'C' };
  return {
    async run(command, args, opts = {}) {
      // Bare names only: the PATH decides which binary runs, never a caller-supplied path.
      if (!COMMAND_RE.test(command)) throw new Error(`refusing to run "${command}": not a plain tool name`);
      for (const a of args) {
        if (a.includes('\0')) throw new Error(`refusing to run ${command}: an argument contains a NUL byte`);
      }
      const started = Date.now();
      const { execa } = await loadExeca();
      const r = await execa(command, [...args], {
        env,
        extendEnv: true,
        shell: false,
        stdin: 'ignore',
        reject: false,
        timeout: opts.timeoutMs ?? defaultTimeout,
        killSignal: 'SIGKILL',
        cancelSignal: opts.signal,
        encoding: 'utf8',
        stripFinalNewline: false,
        maxBuffer: 16 * 1024 * 1024,
      });
      const stdout = typeof r.stdout === 'string' ? r.stdout : '';
      const stderr = (typeof r.stderr === 'string' ? r.stderr : '').trim();
      const exitCode = typeof r.exitCode === 'number' ? r.exitCode : null;
      o.log?.debug({ tool: command, args, exitCode, ms: Date.now() - started, stderr: stderr.slice(0, 500) }, 'ran tool');
      const notFound = (r as { code?: string }).code === 'ENOENT';
      if (exitCode === 0 || (exitCode !== null && opts.okExitCodes?.includes(exitCode))) {
        return { exitCode, stdout, stderr };
      }
      throw new ToolError({
        command,
        args,
        exitCode: r.timedOut || r.isCanceled ? null : exitCode,
        stderr,
        stdout,
        timedOut: r.timedOut === true,
        notFound,
        detail: r.isCanceled ? 'cancelled' : r.signal ? `killed by ${r.signal}` : undefined,
      });
    },
  };
}
