/** Helpers for tests and benchmarks of the emulator: temp state dirs and a tiny HTTP client. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLinstorJson, stringifyLinstorJson } from '../../src/linstor/apicallrc.js';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';

export interface ApiReply {
  status: number;
  text: string;
  /** Parsed JSON (ret_code as bigint), or undefined for an empty/non-JSON body. */
  body: unknown;
}

export async function call(url: string, method: string, path: string, body?: unknown, raw?: string): Promise<ApiReply> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) init.body = stringifyLinstorJson(body);
  const r = await fetch(url + path, init);
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : parseLinstorJson(text);
  } catch {
    parsed = undefined;
  }
  return { status: r.status, text, body: parsed };
}

export interface TempEmulator {
  handle: EmulatorHandle;
  dir: string;
  api: (method: string, path: string, body?: unknown, raw?: string) => Promise<ApiReply>;
  /** Stops the emulator (detaching its loops) and removes the state dir. */
  cleanup: () => Promise<void>;
}

export async function tempEmulator(opts: Partial<EmulatorOptions> = {}, dir?: string): Promise<TempEmulator> {
  const stateDir = dir ?? (await mkdtemp(join(tmpdir(), 'linstor-emu-')));
  const handle = await startEmulator({ poolSize: 2 * 1024 ** 3, ...opts, stateDir });
  return {
    handle,
    dir: stateDir,
    api: (m, p, b, raw) => call(handle.url, m, p, b, raw),
    cleanup: async () => {
      await handle.stop();
      if (!dir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The first entry's ret_code of an ApiCallRc reply. */
export function retCode(r: ApiReply, i = 0): bigint | undefined {
  const list = r.body as { ret_code?: bigint }[] | undefined;
  return Array.isArray(list) ? list[i]?.ret_code : undefined;
}

export function entries(r: ApiReply): { ret_code: bigint; message: string; details?: string; obj_refs?: Record<string, string> }[] {
  return Array.isArray(r.body) ? (r.body as { ret_code: bigint; message: string }[]) : [];
}
