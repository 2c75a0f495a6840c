// The interceptor's log line says how much of a call was LINSTOR: linstorMs / linstorCalls, measured
// by the real LINSTOR client against the emulator over HTTP, inside the real gRPC server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControllerService, secretFieldKeys } from '../../src/csi/proto.js';
import { tempEmulator, type TempEmulator } from '../helpers/emulator.js';
import { createLinstorClient, type HttpLinstorClient } from '../../src/linstor/http-client.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import type { CallContext, UnaryHandler } from '../../src/csi/handler.js';
import { currentCallStats } from '../../src/server/call-stats.js';
import { startCsiServer, type CsiServer } from '../../src/server/server.js';
import { systemClock } from '../../src/util/clock.js';
import { csiClients, type CsiClients } from '../helpers/grpc-clients.js';

interface Line {
  rpc: string;
  volumeId?: string;
  code: string;
  durationMs: number;
  linstorMs?: number;
  linstorCalls?: number;
}

let dir = '';
let emu: TempEmulator;
let linstor: HttpLinstorClient;
let logText = '';
let srv: CsiServer | undefined;
let clients: CsiClients | undefined;

const LATENCY = 40;

async function serve(handlers: Record<string, (req: { volume_id?: string }, ctx: CallContext) => Promise<unknown>>): Promise<CsiClients> {
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (logText += d.toString()));
  const socket = join(dir, 'csi.sock');
  srv = await startCsiServer({
    endpoint: { kind: 'unix', path: socket, uri: `unix://${socket}` },
    services: [{ name: 'csi.v1.Controller', definition: ControllerService, handlers: handlers as Record<string, UnaryHandler<never, unknown>> }],
    log: createLogger({ level: 'info', format: 'json', destination: sink }),
    secretFields: new Set(secretFieldKeys()),
  });
  clients = csiClients(`unix://${socket}`);
  return clients;
}

function lines(rpc: string): Line[] {
  return logText
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line & { msg: string })
    .filter((l) => l.rpc === rpc && typeof l.durationMs === 'number');
}

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lcsi-stats-'));
  logText = '';
  emu = await tempEmulator({ nodes: ['node-a', 'node-b'] });
  const r = await emu.api('POST', '/emulator/latency', { ms: LATENCY });
  assert.ok(r.status < 300, `setting the emulator latency: ${r.text}`);
  linstor = createLinstorClient({ endpoints: [emu.handle.url], retries: 0 }, { clock: systemClock, logger: silentLogger(), callStats: currentCallStats });
});

test.after.each(async () => {
  clients?.close();
  clients = undefined;
  await srv?.shutdown(1000);
  srv = undefined;
  linstor.close();
  await emu.cleanup();
  await rm(dir, { recursive: true, force: true });
});

test('the log line carries linstorMs and linstorCalls: overlapping requests count once, other work not at all', async () => {
  const c = await serve({
    ControllerGetVolume: async (_req, ctx) => {
      const o = { signal: ctx.signal };
      await linstor.controller.version(o);
      // Two requests at once: their waits overlap and count once.
      await Promise.all([linstor.nodes.list({}, o), linstor.resourceDefinitions.list({}, o)]);
      // Work of the driver's own: part of durationMs, not of linstorMs.
      await sleep(100);
      return { volume: { volume_id: 'v1', capacity_bytes: '0', volume_context: {}, accessible_topology: [] }, status: null };
    },
  });
  await c.controller.ControllerGetVolume({ volume_id: 'v1' });
  const [line, ...more] = lines('ControllerGetVolume');
  assert.ok(line, `a log line for the call:\n${logText}`);
  assert.is(more.length, 0, 'one line per call');
  assert.is(line.code, 'OK');
  assert.is(line.linstorCalls, 3);
  const linstorMs = line.linstorMs ?? -1;
  // Two sequential phases of at least LATENCY each; not three (the parallel pair overlaps).
  assert.ok(linstorMs >= 2 * LATENCY - 2, `linstorMs ${linstorMs} covers both phases`);
  assert.ok(linstorMs < 3 * LATENCY + 60, `linstorMs ${linstorMs}: the parallel pair counts once`);
  assert.ok(line.durationMs - linstorMs >= 95, `durationMs ${line.durationMs} - linstorMs ${linstorMs} holds the 100 ms of own work`);
});

test('concurrent calls each count their own requests; a call without LINSTOR requests has no such fields', async () => {
  const c = await serve({
    DeleteVolume: async (req, ctx) => {
      const n = req.volume_id === 'many' ? 4 : 1;
      for (let i = 0; i < n; i++) await linstor.nodes.list({}, { signal: ctx.signal });
      return {};
    },
    ControllerGetCapabilities: async () => ({ capabilities: [] }),
  });
  await Promise.all([c.controller.DeleteVolume({ volume_id: 'many' }), c.controller.DeleteVolume({ volume_id: 'one' }), c.controller.ControllerGetCapabilities({})]);
  const byId = new Map(lines('DeleteVolume').map((l) => [l.volumeId, l]));
  assert.is(byId.get('many')?.linstorCalls, 4);
  assert.is(byId.get('one')?.linstorCalls, 1);
  assert.ok((byId.get('many')?.linstorMs ?? 0) >= 4 * LATENCY - 2, 'four sequential requests');
  const [caps] = lines('ControllerGetCapabilities');
  assert.ok(caps, 'ControllerGetCapabilities logged');
  assert.is(caps.linstorMs, undefined);
  assert.is(caps.linstorCalls, undefined);
});

test('a failed LINSTOR request counts too, and no request leaves an abort listener on the call signal', async () => {
  let left = -1;
  const c = await serve({
    ControllerGetVolume: async (_req, ctx) => {
      const o = { signal: ctx.signal };
      await Promise.all(Array.from({ length: 12 }, () => linstor.nodes.list({}, o)));
      await linstor.resourceDefinitions.get('does-not-exist', o).catch(() => undefined);
      left = getEventListeners(ctx.signal, 'abort').length;
      return { volume: { volume_id: 'v1', capacity_bytes: '0', volume_context: {}, accessible_topology: [] }, status: null };
    },
  });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    await c.controller.ControllerGetVolume({ volume_id: 'v1' });
    await sleep(10);
  } finally {
    process.off('warning', onWarning);
  }
  assert.is(left, 0, 'every per-request abort listener was removed');
  assert.equal(
    warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
    [],
  );
  const [line] = lines('ControllerGetVolume');
  assert.is(line?.linstorCalls, 13);
});

test.run();
