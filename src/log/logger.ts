import { pino, type Logger, type DestinationStream } from 'pino';
import { Writable } from 'node:stream';
import { CENSOR, REDACT_PATHS } from './redact.js';

export type { Logger };
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'json' | 'text';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; stderr by default so stdout stays free for command output. */
  destination?: DestinationStream | NodeJS.WritableStream;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions): Logger {
  const dest = opts.destination ?? process.stderr;
  const stream = opts.format === 'text' ? textStream(dest) : dest;
  return pino(
    {
      level: opts.level,
      base: opts.base ?? { name: 'linstor-csi' },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream as DestinationStream,
  );
}

/** A logger that drops everything; for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Turns pino's JSON lines into `time LEVEL msg key=value ...` for people reading a terminal. */
function textStream(dest: DestinationStream | NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch {
          dest.write(line + '\n');
          continue;
        }
        const { time, level, msg, name: _name, pid: _pid, hostname: _host, ...rest } = rec;
        const fields = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
          .join(' ');
        dest.write(`${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${fields ? ' ' + fields : ''}\n`);
      }
      cb();
    },
  });
}
