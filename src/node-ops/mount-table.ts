/** Parsing `findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN,FS-OPTIONS` (pure, unit-tested). JSON output carries paths verbatim (a space stays a space). */

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
    super(`cannot read the mount table from findmnt: ${msg}`);
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
