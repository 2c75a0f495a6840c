/**
 * Turns a user's `fsOpts` string into mkfs arguments (pure, unit-tested). An allow-list per
 * tool: an option that forces (-F/-f), names another device or host file (-d, -l, -z,
 * logdev=, rtdev=, name=, file, device=), or makes mkfs a dry run is refused, and a bare
 * word is refused, because mkfs would take it as the device or the block count.
 */

export type FsType = 'ext4' | 'xfs';
export const SUPPORTED_FS: readonly FsType[] = ['ext4', 'xfs'];

export function isSupportedFs(s: string): s is FsType {
  return (SUPPORTED_FS as readonly string[]).includes(s);
}

export class FsOptsError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'FsOptsError';
  }
}

/** Splits on whitespace; single and double quotes group, backslash escapes. No expansion of anything. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inTok = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\0') throw new FsOptsError('fsOpts contains a NUL byte');
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inTok = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inTok = true;
    } else if (/\s/.test(c)) {
      if (inTok) out.push(cur);
      cur = '';
      inTok = false;
    } else {
      cur += c;
      inTok = true;
    }
  }
  if (quote) throw new FsOptsError('fsOpts has an unterminated quote');
  if (inTok) out.push(cur);
  return out;
}

interface OptSpec {
  /** Takes a value (separate word or attached: -b4096 / -b 4096). */
  value: boolean;
  /** Substrings that make a value unacceptable. */
  forbid?: RegExp;
}

/** An option table: letters that take a value, letters that do not, and what a value must not contain. */
function optionTable(withValue: string, withoutValue: string, forbid: Record<string, RegExp> = {}): Record<string, OptSpec> {
  const table: Record<string, OptSpec> = {};
  for (const letter of withValue) table[letter] = forbid[letter] ? { value: true, forbid: forbid[letter] } : { value: true };
  for (const letter of withoutValue) table[letter] = { value: false };
  return table;
}

const EXT4 = optionTable('bCeEgGiIJLmMNoOrTU', 'jqv', { E: /(^|,)(offset|root_owner)=|(^|,)(discard)(,|$)/, J: /device=/ });

const XFS = optionTable('bdilLmns', 'qK', { d: /(^|,)(name|file)(=|,|$)/, l: /(^|,)(logdev|file|name)(=|,|$)/ });

const WHY_REFUSED: Record<string, string> = {
  F: 'forces mkfs over an existing filesystem',
  f: 'forces mkfs over an existing filesystem',
  n: 'is a dry run',
  N: 'is a dry run',
  S: 'writes superblocks only and corrupts data',
  d: 'copies host files into the filesystem',
  l: 'reads a host file',
  z: 'writes a host file',
  c: 'reads a host file or runs a long bad-block scan',
  p: 'reads a host file',
  r: 'adds a separate device',
  D: 'uses direct I/O for the whole device',
};

/** The validated mkfs arguments for `fsOpts` (without the device). */
export function parseFsOpts(fs: FsType, raw: string): string[] {
  const words = splitArgs(raw);
  const table = fs === 'ext4' ? EXT4 : XFS;
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (!/^-[A-Za-z]/.test(w) || w.startsWith('--')) {
      throw new FsOptsError(`fsOpts word "${w}" is not an option; mkfs would take it as the device or its size`);
    }
    const letter = w[1] as string;
    const spec = table[letter];
    if (!spec) {
      const why = WHY_REFUSED[letter];
      throw new FsOptsError(`fsOpts option -${letter} is not accepted for mkfs.${fs}${why ? ` (it ${why})` : ''}`);
    }
    if (!spec.value) {
      if (w.length > 2) throw new FsOptsError(`fsOpts option -${letter} takes no value, got "${w}"`);
      out.push(w);
      continue;
    }
    let value = w.slice(2);
    if (value === '') {
      const next = words[i + 1];
      if (next === undefined) throw new FsOptsError(`fsOpts option -${letter} needs a value`);
      value = next;
      i++;
    }
    if (value.includes('/')) throw new FsOptsError(`fsOpts option -${letter} value "${value}" must not contain a path`);
    if (spec.forbid?.test(value)) throw new FsOptsError(`fsOpts option -${letter} ${value} is not accepted (it names another device or file, or discards)`);
    out.push(`-${letter}`, value);
  }
  return out;
}

/** Options that avoid a full discard of a thin device and a long inode-table init. */
export function mkfsArgs(fs: FsType, device: string, sizeBytes: number, userArgs: readonly string[]): string[] {
  if (fs === 'xfs') return ['-q', '-K', ...userArgs, device];
  const args = ['-q', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard'];
  // Below 512 MiB mke2fs picks 1 KiB blocks, which caps later growth; keep 4 KiB unless the user chose.
  if (sizeBytes < 512 * 1024 * 1024 && !userArgs.includes('-b')) args.push('-b', '4096');
  args.push(...userArgs, device);
  return args;
}
