/** Finds out what is on a block device: a read test, then `blkid -p -o export`. */
import { open } from 'node:fs/promises';
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

export interface ProbeResult {
  read: ReadTest;
  signature: Signature;
}

export interface DeviceProbe {
  /** Reads the head and tail of the device (so an unreadable device is never taken for blank), then runs blkid. */
  probe(device: string, signal?: AbortSignal): Promise<ProbeResult>;
  /** Just the read test: used for health checks. */
  readTest(device: string): Promise<ReadTest>;
}

export const HEAD_BYTES = 4096;

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

export function createDeviceProbe(deps: { tools: ToolRunner; blockdev: BlockDev }): DeviceProbe {
  const readTest = async (device: string): Promise<ReadTest> => {
    let sizeBytes = 0;
    try {
      sizeBytes = await deps.blockdev.sizeBytes(device);
    } catch (e) {
      return { readable: false, error: `cannot get the size: ${(e as Error).message}`, headZero: false, sizeBytes: 0 };
    }
    if (sizeBytes < HEAD_BYTES) return { readable: false, error: `device is only ${sizeBytes} bytes`, headZero: false, sizeBytes };
    let fd: Awaited<ReturnType<typeof open>> | undefined;
    try {
      fd = await open(device, 'r');
      const head = await readAt(fd, 0, HEAD_BYTES);
      await readAt(fd, Math.floor((sizeBytes - HEAD_BYTES) / 512) * 512, HEAD_BYTES);
      return { readable: true, headZero: head.every((b) => b === 0), sizeBytes };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { readable: false, error: err.code ? `${err.code}: ${err.message}` : err.message, headZero: false, sizeBytes };
    } finally {
      await fd?.close().catch(() => undefined);
    }
  };
  return {
    readTest,
    async probe(device, signal) {
      const read = await readTest(device);
      if (!read.readable) return { read, signature: { kind: 'error', exitCode: null, detail: read.error ?? 'unreadable' } };
      try {
        const r = await deps.tools.run('blkid', ['-p', '-o', 'export', '--', device], { okExitCodes: [2, 8], signal, timeoutMs: 60_000 });
        return { read, signature: signatureFromBlkid(r.exitCode, r.stdout, r.stderr) };
      } catch (e) {
        if (isToolError(e)) return { read, signature: signatureFromBlkid(e.exitCode, e.stdout, e.stderr) };
        throw e;
      }
    },
  };
}
