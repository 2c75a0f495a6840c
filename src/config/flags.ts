/**
 * A small, strict command-line flag reader shared by the sub-commands. It knows each
 * command's flags up front, so a typo is an error naming the flag instead of being ignored.
 */

export class ConfigError extends Error {
  /** The flag (or env variable) at fault, e.g. "--csi-endpoint". */
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.flag = flag;
  }
}

export interface FlagSpec {
  /** Long name without dashes, e.g. "csi-endpoint". */
  name: string;
  /** Boolean flags take no value (`--json`); `--flag=false` is also accepted. */
  boolean?: boolean;
  /** May be given more than once; values are collected in order. */
  repeatable?: boolean;
  help: string;
  /** Shown in --help as the value placeholder. */
  placeholder?: string;
  /** Shown in --help. */
  default?: string;
  /** Environment variables read when the flag is absent, in order. */
  env?: readonly string[];
}

export interface ParsedFlags {
  values: Map<string, string[]>;
  positionals: string[];
  help: boolean;
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    // Accept -flag as well as --flag: the Go driver's flag package allows both.
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec) {
      throw new ConfigError(`--${name}`, `unknown flag --${name}; run with --help to list the flags`);
    }
    let value: string;
    if (eq >= 0) {
      value = body.slice(eq + 1);
    } else if (spec.boolean) {
      value = 'true';
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new ConfigError(`--${name}`, `flag --${name} needs a value (${spec.placeholder ?? 'VALUE'})`);
      }
      value = next;
      i++;
    }
    const list = values.get(name) ?? [];
    if (list.length > 0 && !spec.repeatable) {
      throw new ConfigError(`--${name}`, `flag --${name} was given more than once; give it once`);
    }
    list.push(value);
    values.set(name, list);
  }
  return { values, positionals, help };
}

/** True when the help flag was given; checked before validation so --help always works. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Throws a ConfigError naming the first positional argument beyond the `max` a command takes. */
export function rejectExtraPositionals(parsed: ParsedFlags, max = 0, hint = ''): void {
  const extra = parsed.positionals[max];
  if (extra !== undefined) throw new ConfigError(extra, `unexpected argument "${extra}"${hint}`);
}

/** The last value given for flag `name` (no env fallback), else undefined. */
export function flagValue(parsed: ParsedFlags, name: string): { value: string; source: string } | undefined {
  const v = parsed.values.get(name);
  return v && v.length > 0 ? { value: v[v.length - 1] as string, source: `--${name}` } : undefined;
}

/** The flag's value, else the first set env variable of its spec, else undefined. */
export function flagOrEnv(
  parsed: ParsedFlags,
  spec: FlagSpec,
  env: Record<string, string | undefined>,
): { value: string; source: string } | undefined {
  const v = flagValue(parsed, spec.name);
  if (v) return v;
  for (const e of spec.env ?? []) {
    const ev = env[e];
    if (ev !== undefined && ev !== '') return { value: ev, source: `$${e}` };
  }
  return undefined;
}

export function parseBool(source: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(source, `${source} must be true or false, got "${raw}"`);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations: "500ms", "30s", "1m30s", "2h". A bare number means seconds. */
export function parseDuration(source: string, raw: string): number {
  const v = raw.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== v.length) {
    throw new ConfigError(source, `${source} must be a duration such as 500ms, 30s or 2m, got "${raw}"`);
  }
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  ki: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Sizes such as "20GiB", "20Gi", "512MiB", "10G" (binary), "1GB" (decimal) or plain bytes. */
export function parseSize(source: string, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = m ? SIZE_UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new ConfigError(source, `${source} must be a size such as 20GiB, 512MiB or 1073741824, got "${raw}"`);
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new ConfigError(source, `${source} must be a positive size, got "${raw}"`);
  }
  return bytes;
}

/** "HOST:PORT" or "[IPv6]:PORT"; an empty host means 127.0.0.1, port 0 any free port. */
export function parseListen(source: string, raw: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(raw.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(source, `${source} must look like 127.0.0.1:0 or 127.0.0.1:3370, got "${raw}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function parsePositiveInt(source: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    throw new ConfigError(source, `${source} must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}

/** A titled two-column block of a command's help (e.g. "Views:"), aligned with the flags. */
export interface HelpSection {
  title: string;
  rows: ReadonlyArray<readonly [string, string]>;
}

/** `usage`, then each section, then the flags: every second column starts at the same place. */
export function formatHelp(usage: string, specs: readonly FlagSpec[], sections: readonly HelpSection[] = []): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.boolean ? '' : `=${s.placeholder ?? 'VALUE'}`}`;
    const extra = [s.default !== undefined ? `default ${s.default}` : '', s.env?.length ? `env ${s.env.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    return [left, s.help + (extra ? ` (${extra})` : '')] as const;
  });
  rows.push(['  -h, --help', 'show this help']);
  const blocks = [...sections.map((s) => ({ title: s.title, rows: s.rows.map(([l, r]) => [`  ${l}`, r] as const) })), { title: 'Flags:', rows }];
  const width = Math.max(...blocks.flatMap((b) => b.rows.map(([l]) => l.length))) + 2;
  const text = blocks.map((b) => `${b.title}\n${b.rows.map(([l, r]) => l.padEnd(width) + r).join('\n')}`);
  return `${usage}\n\n${text.join('\n\n')}\n`;
}
