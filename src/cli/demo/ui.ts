/**
 * The demo's step printer: one aligned line per step with its timing and what it showed;
 * colour and a spinner while a step runs when stdout is a terminal, plain lines otherwise.
 */

export interface UiOptions {
  out: NodeJS.WritableStream;
  color: boolean;
  /** Animate a spinner while a step runs (TTY only). */
  spinner: boolean;
  /** Width of the step-title column. */
  titleWidth: number;
}

/** A step whose claim did not hold; the message says what was seen instead. */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}

export function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new CheckFailed(message);
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface StepResult {
  ok: boolean;
  ms: number;
  error?: string;
}

export class StepUi {
  private n = 0;
  constructor(
    private readonly o: UiOptions,
    private readonly total: number,
  ) {}

  private paint(code: string, s: string): string {
    return this.o.color ? `\x1b[${code}m${s}\x1b[0m` : s;
  }
  bold = (s: string): string => this.paint('1', s);
  dim = (s: string): string => this.paint('2', s);
  green = (s: string): string => this.paint('32', s);
  red = (s: string): string => this.paint('31', s);
  cyan = (s: string): string => this.paint('36', s);
  yellow = (s: string): string => this.paint('33', s);

  line(s = ''): void {
    this.o.out.write(`${s}\n`);
  }

  private prefix(mark: string): string {
    const idx = `${String(this.n).padStart(String(this.total).length)}/${this.total}`;
    return `  ${mark} ${this.dim(idx)}  `;
  }

  private titleCol(title: string): string {
    return title.padEnd(this.o.titleWidth);
  }

  /**
   * Runs one step: the spinner while it runs, then `✔ n/N title  1.23s  shows` (the first line of
   * what it returned; further lines are printed indented below), or `✘` with the failure.
   */
  async step(title: string, run: () => Promise<string>): Promise<StepResult> {
    this.n++;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    if (this.o.spinner) {
      let f = 0;
      const draw = (): void => {
        const secs = ((performance.now() - started) / 1000).toFixed(1);
        this.o.out.write(`\r\x1b[2K${this.prefix(this.cyan(FRAMES[f++ % FRAMES.length] as string))}${this.titleCol(title)} ${this.dim(`${secs}s`)}`);
      };
      draw();
      timer = setInterval(draw, 80);
    }
    const clear = (): void => {
      if (timer) clearInterval(timer);
      if (this.o.spinner) this.o.out.write('\r\x1b[2K');
    };
    try {
      const shows = await run();
      const ms = performance.now() - started;
      clear();
      const [first, ...rest] = shows.split('\n');
      this.line(`${this.prefix(this.green('✔'))}${this.bold(this.titleCol(title))} ${this.dim(formatMs(ms).padStart(6))}  ${first ?? ''}`);
      const indent = ' '.repeat(2 + 2 + 2 * String(this.total).length + 1 + 2 + this.o.titleWidth + 1 + 6 + 2);
      for (const r of rest) this.line(`${indent}${this.dim(r)}`);
      return { ok: true, ms };
    } catch (e) {
      const ms = performance.now() - started;
      clear();
      const msg = e instanceof CheckFailed ? e.message : describeError(e);
      this.line(`${this.prefix(this.red('✘'))}${this.bold(this.titleCol(title))} ${this.dim(formatMs(ms).padStart(6))}  ${this.red(msg)}`);
      return { ok: false, ms, error: msg };
    }
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** A gRPC error as "CODE: details"; anything else by its message. */
export function describeError(e: unknown): string {
  const g = e as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof g.code === 'number' && typeof g.details === 'string') {
    const names = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
    return `${names[g.code] ?? g.code}: ${g.details}`;
  }
  return typeof g.message === 'string' ? g.message : String(e);
}
