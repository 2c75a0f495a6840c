/**
 * Finds out what is on a block device: a read test, then `blkid -p -o export`; before a format,
 * a deeper scan (every signature wipefs knows, backup and secondary superblocks, the first and
 * last MiB all zero).
 */
import { open } from 'node:fs/promises';
import { backupSuperblockCandidates } from './backup-superblocks.js';
import type { BlockDev } from './blockdev.js';
import { signatureFromBlkid, type Signature } from './blkid.js';
import { isToolError, type ToolRunner } from './run-tool.js';

export interface ReadTest {
  readable: boolean;
  /** Why not, when not readable. */
  error?: string;
  /** The first 4 KiB are all zero (where every format we know puts its first block). */
  headZero: boolean;
  sizeBytes: number;
}

/** What `probe` reads: the first and the last MiB (GPT keeps its backup header at the very end). */
export interface ZeroTest extends ReadTest {
  /** The first MiB (or the whole of a smaller device) is all zero. */
  headZero: boolean;
  /** The last MiB is all zero. */
  tailZero: boolean;
}

export interface ProbeResult {
  read: ZeroTest;
  signature: Signature;
}

export interface DeviceProbe {
  /** Reads the head and tail of the device (so an unreadable device is never taken for blank), then runs blkid. */
  probe(device: string, signal?: AbortSignal): Promise<ProbeResult>;
  /** Just `blkid -p` (no read test): what a format just made. */
  signature(device: string, signal?: AbortSignal): Promise<Signature>;
  /** Just the read test: used for health checks. */
  readTest(device: string): Promise<ReadTest>;
  /**
   * What a format would destroy that blkid does not report: every signature `wipefs` lists and
   * every backup/secondary superblock found. Empty means nothing was found.
   */
  deepScan(device: string, sizeBytes: number, signal?: AbortSignal): Promise<string[]>;
}

export const HEAD_BYTES = 4096;
export const ZERO_SCAN_BYTES = 1024 * 1024;

const isZero = (b: Buffer): boolean => b.every((x) => x === 0);

async function readAt(fd: Awaited<ReturnType<typeof open>>, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fd.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  if (got < len) throw new Error(`short read: ${got} of ${len} bytes at offset ${pos}`);
  return buf;
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

/**
 * Reads up to `maxLen` bytes at the head and at the tail of the device (at least HEAD_BYTES, so an
 * unreadable device is never taken for blank) and says whether each is all zero.
 */
async function readEnds(blockdev: BlockDev, device: string, maxLen: number): Promise<ZeroTest> {
  let sizeBytes = 0;
  try {
    sizeBytes = await blockdev.sizeBytes(device);
  } catch (e) {
    return { readable: false, error: `cannot get the size: ${(e as Error).message}`, headZero: false, tailZero: false, sizeBytes: 0 };
  }
  if (sizeBytes < HEAD_BYTES) return { readable: false, error: `device is only ${sizeBytes} bytes`, headZero: false, tailZero: false, sizeBytes };
  const len = Math.min(maxLen, Math.floor(sizeBytes / 512) * 512);
  let fd: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fd = await open(device, 'r');
    const head = await readAt(fd, 0, len);
    const tail = await readAt(fd, Math.floor((sizeBytes - len) / 512) * 512, len);
    return { readable: true, headZero: isZero(head), tailZero: isZero(tail), sizeBytes };
  } catch (e) {
    return { readable: false, error: errorText(e), headZero: false, tailZero: false, sizeBytes };
  } finally {
    await fd?.close().catch(() => undefined);
  }
}

async function readTest(blockdev: BlockDev, device: string): Promise<ReadTest> {
  const { tailZero: _tailZero, ...read } = await readEnds(blockdev, device, HEAD_BYTES);
  return read;
}

/** The first and last MiB: a thin volume reads zeros cheaply, so this stays fast. */
const zeroTest = (blockdev: BlockDev, device: string): Promise<ZeroTest> => readEnds(blockdev, device, ZERO_SCAN_BYTES);

async function wipefsSignatures(tools: ToolRunner, device: string, signal?: AbortSignal): Promise<string[]> {
  // Without -a wipefs only lists; --no-act makes sure of it.
  const r = await tools.run('wipefs', ['--no-act', '--json', '--', device], { signal, timeoutMs: 60_000 });
  const parsed = (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as { signatures?: { offset?: string; type?: string }[] };
  return (parsed.signatures ?? []).map((x) => `a ${x.type ?? 'unknown'} signature at offset ${x.offset ?? '?'} (wipefs)`);
}

async function backupSuperblocks(device: string, sizeBytes: number): Promise<string[]> {
  const fd = await open(device, 'r');
  try {
    const found: string[] = [];
    for (const c of backupSuperblockCandidates(sizeBytes)) {
      if (c.matches(await readAt(fd, c.offset, c.length))) found.push(c.label);
    }
    return found;
  } finally {
    await fd.close().catch(() => undefined);
  }
}

async function blkid(tools: ToolRunner, device: string, signal?: AbortSignal): Promise<Signature> {
  try {
    const r = await tools.run('blkid', ['-p', '-o', 'export', '--', device], { okExitCodes: [2, 8], signal, timeoutMs: 60_000 });
    return signatureFromBlkid(r.exitCode, r.stdout, r.stderr);
  } catch (e) {
    if (isToolError(e)) return signatureFromBlkid(e.exitCode, e.stdout, e.stderr);
    throw e;
  }
}

export function createDeviceProbe(deps: { tools: ToolRunner; blockdev: BlockDev }): DeviceProbe {
  return {
    readTest: (device) => readTest(deps.blockdev, device),
    async deepScan(device, sizeBytes, signal) {
      const [a, b] = await Promise.all([wipefsSignatures(deps.tools, device, signal), backupSuperblocks(device, sizeBytes)]);
      return [...a, ...b];
    },
    signature: (device, signal) => blkid(deps.tools, device, signal),
    async probe(device, signal) {
      const read = await zeroTest(deps.blockdev, device);
      if (!read.readable) return { read, signature: { kind: 'error', exitCode: null, detail: read.error ?? 'unreadable' } };
      return { read, signature: await blkid(deps.tools, device, signal) };
    },
  };
}
