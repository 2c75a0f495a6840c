/**
 * The mount table, parsed from the kernel's `/proc/self/mountinfo` (what findmnt itself reads;
 * no process to spawn) or from `findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN,FS-OPTIONS`
 * where procfs is missing. Both give the same entries (pure, unit-tested).
 */

export interface MountEntry {
  target: string;
  /** As the kernel reports it: `/dev/loop3`, or `devtmpfs[/loop3]` for a bind of a device node. */
  source: string;
  fstype: string;
  options: string[];
  /** `major:minor` of the mounted filesystem's device (bind mounts share it with their origin). */
  majMin: string;
  /** Superblock options: `ro` here means the filesystem itself is read-only (e.g. errors=remount-ro fired), not just this mount. */
  fsOptions: string[];
}

export class MountTableParseError extends Error {
  constructor(msg: string) {
    super(`cannot read the mount table: ${msg}`);
    this.name = 'MountTableParseError';
  }
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') throw new MountTableParseError(`field "${k}" is ${typeof v}, expected a string`);
  return v;
}

/**
 * Accepts both the flat (`-l`) and the tree form (entries with `children`), so a findmnt
 * that ignores `-l` still parses. Empty output (findmnt exit 1, nothing matched) is [].
 */
export function parseFindmntJson(text: string): MountEntry[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new MountTableParseError(`not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { filesystems?: unknown }).filesystems)) {
    throw new MountTableParseError('no "filesystems" array');
  }
  const out: MountEntry[] = [];
  const walk = (list: unknown[]): void => {
    for (const item of list) {
      if (typeof item !== 'object' || item === null) throw new MountTableParseError('an entry is not an object');
      const o = item as Record<string, unknown>;
      const options = str(o, 'options');
      const fsOptions = str(o, 'fs-options');
      out.push({
        target: str(o, 'target'),
        source: str(o, 'source'),
        fstype: str(o, 'fstype'),
        options: options === '' ? [] : options.split(','),
        majMin: str(o, 'maj:min'),
        fsOptions: fsOptions === '' ? [] : fsOptions.split(','),
      });
      if (Array.isArray(o.children)) walk(o.children);
    }
  };
  walk((doc as { filesystems: unknown[] }).filesystems);
  return out;
}

/** Undoes the kernel's octal escapes in mountinfo fields (space \\040, tab \\011, newline \\012, backslash \\134). */
export function unescapeMountInfo(field: string): string {
  if (!field.includes('\\')) return field;
  // An escape stands for one byte: decode byte-wise, then as UTF-8, so non-ASCII names come out whole.
  const raw = Buffer.from(field, 'utf8');
  const isOct = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x37;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    if (c === 0x5c && isOct(raw[i + 1]) && isOct(raw[i + 2]) && isOct(raw[i + 3])) {
      bytes.push((((raw[i + 1] as number) - 0x30) * 64 + ((raw[i + 2] as number) - 0x30) * 8 + ((raw[i + 3] as number) - 0x30)) & 0xff);
      i += 3;
    } else bytes.push(c);
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Parses `/proc/<pid>/mountinfo` (proc(5)): `ID PARENT MAJ:MIN ROOT TARGET VFS-OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS`.
 * The entries match findmnt's columns: SOURCE is `SOURCE[ROOT]` when the mount shows a
 * subtree (a bind of a file or a directory, e.g. `udev[/drbd1001]`); OPTIONS are the mount's
 * options followed by the superblock's (without its rw/ro); FS-OPTIONS the superblock's.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0 || f.length < sep + 4) throw new MountTableParseError(`malformed mountinfo line "${line}"`);
    const [majMin, root, target, vfsOpts] = [f[2] as string, unescapeMountInfo(f[3] as string), unescapeMountInfo(f[4] as string), f[5] as string];
    if (!/^\d+:\d+$/.test(majMin)) throw new MountTableParseError(`malformed device number in mountinfo line "${line}"`);
    const fstype = unescapeMountInfo(f[sep + 1] as string);
    const spec = unescapeMountInfo(f[sep + 2] as string);
    const superOpts = f[sep + 3] as string;
    const fsOptions = superOpts === '' ? [] : superOpts.split(',');
    out.push({
      target,
      source: root !== '/' && root !== '' ? `${spec}[${root}]` : spec,
      fstype,
      options: [...(vfsOpts === '' ? [] : vfsOpts.split(',')), ...fsOptions.filter((o) => o !== 'rw' && o !== 'ro')],
      majMin,
      fsOptions,
    });
  }
  return out;
}

/** The mount visible at `target`: the last (top-most) of stacked mounts. */
export function topMountAt(entries: readonly MountEntry[], target: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const e of entries) if (e.target === target) found = e;
  return found;
}

export function isReadOnly(e: MountEntry): boolean {
  return e.options.includes('ro');
}

/** The filesystem (superblock) is read-only, whatever the mount's own flag says. */
export function isFsReadOnly(e: MountEntry): boolean {
  return e.fsOptions.includes('ro');
}
