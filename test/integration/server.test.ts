// The gRPC server and its interceptor, in-process, over a real unix socket.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ControllerService, IdentityService, NodeService, secretFieldKeys } from '../../src/csi/proto.js';
import { aborted, CsiError, Code, notFound } from '../../src/csi/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { startCsiServer, type CsiServer } from '../../src/server/server.js';
import { InFlight } from '../../src/csi/inflight.js';
import type { UnaryHandler } from '../../src/csi/handler.js';
import { csiClients, codeOf } from '../helpers/grpc-clients.js';

let dir = '';
let logText = '';

function logger() {
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (logText += d.toString()));
  return createLogger({ level: 'debug', format: 'json', destination: sink });
}

async function start(handlers: Record<string, UnaryHandler<never, unknown>>, socket = join(dir, 'csi.sock')): Promise<CsiServer> {
  return startCsiServer({
    endpoint: { kind: 'unix', path: socket, uri: `unix://${socket}` },
    services: [
      { name: 'csi.v1.Identity', definition: IdentityService, handlers: { GetPluginInfo: (async () => ({ name: 'linstor.csi.linbit.com', vendor_version: '1' })) as UnaryHandler<never, unknown> } },
      { name: 'csi.v1.Controller', definition: ControllerService, handlers },
      { name: 'csi.v1.Node', definition: NodeService, handlers: {} },
    ],
    log: logger(),
    secretFields: new Set(secretFieldKeys()),
  });
}

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lcsi-srv-'));
  logText = '';
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('unimplemented RPCs answer UNIMPLEMENTED naming the RPC', async () => {
  const srv = await start({});
  const c = csiClients(`unix://${join(dir, 'csi.sock')}`);
  const r = await codeOf(c.node.NodeStageVolume({ volume_id: 'v' }));
  assert.is(r?.code, Code.UNIMPLEMENTED);
  assert.match(r?.details ?? '', /NodeStageVolume/);
  c.close();
  await srv.shutdown(1000);
});

test('a plain Error becomes INTERNAL with a generic message; the stack stays in the log', async () => {
  const srv = await start({
    DeleteVolume: (async () => {
      throw new Error('db exploded at /secret/path/internal.ts:42');
    }) as UnaryHandler<never, unknown>,
  });
  const c = csiClients(`unix://${join(dir, 'csi.sock')}`);
  const r = await codeOf(c.controller.DeleteVolume({ volume_id: 'pvc-1' }));
  assert.is(r?.code, Code.INTERNAL);
  assert.not.match(r?.details ?? '', /exploded|internal\.ts|at /);
  assert.match(r?.details ?? '', /request id/);
  assert.match(logText, /db exploded/, 'the real error is logged');
  c.close();
  await srv.shutdown(1000);
});

test('CsiError keeps its code and message; one log line per call with rpc, ids, code and duration', async () => {
  const srv = await start({
    ControllerGetVolume: (async () => {
      throw notFound('volume "pvc-9" does not exist');
    }) as UnaryHandler<never, unknown>,
  });
  const c = csiClients(`unix://${join(dir, 'csi.sock')}`);
  const r = await codeOf(c.controller.ControllerGetVolume({ volume_id: 'pvc-9' }));
  assert.is(r?.code, Code.NOT_FOUND);
  assert.is(r?.details, 'volume "pvc-9" does not exist');
  const lines = logText.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const done = lines.find((l) => l.rpc === 'ControllerGetVolume' && l.code === 'NOT_FOUND');
  assert.ok(done, 'a completion line');
  assert.is(done?.volumeId, 'pvc-9');
  assert.type(done?.durationMs, 'number');
  assert.type(done?.requestId, 'string');
  c.close();
  await srv.shutdown(1000);
});

test('secrets never reach the log, even at debug level', async () => {
  const srv = await start({
    CreateVolume: (async (req: { secrets: Record<string, string> }) => {
      assert.is(req.secrets.password, 'hunter2-SECRET', 'the handler sees the secret');
      return { volume: { volume_id: 'pvc-s', capacity_bytes: '1024' } };
    }) as UnaryHandler<never, unknown>,
  });
  const c = csiClients(`unix://${join(dir, 'csi.sock')}`);
  await c.controller.CreateVolume({ name: 'pvc-s', secrets: { password: 'hunter2-SECRET' }, parameters: { a: 'b' } });
  assert.match(logText, /"rpc":"CreateVolume"/);
  assert.match(logText, /REDACTED/);
  assert.not.match(logText, /hunter2/);
  c.close();
  await srv.shutdown(1000);
});

test('the in-flight guard answers ABORTED to a second concurrent call on one volume', async () => {
  const guard = new InFlight();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const srv = await start({
    ControllerExpandVolume: (async (req: { volume_id: string }) =>
      guard.run(req.volume_id, async () => {
        await gate;
        return { capacity_bytes: '1', node_expansion_required: false };
      })) as UnaryHandler<never, unknown>,
  });
  const c = csiClients(`unix://${join(dir, 'csi.sock')}`);
  const first = c.controller.ControllerExpandVolume({ volume_id: 'pvc-x' });
  await new Promise((r) => setTimeout(r, 50));
  const second = await codeOf(c.controller.ControllerExpandVolume({ volume_id: 'pvc-x' }));
  assert.is(second?.code, Code.ABORTED);
  release();
  await first;
  c.close();
  await srv.shutdown(1000);
  assert.ok(aborted('x') instanceof CsiError);
});

test('socket: mode 0660, stale socket replaced, regular file refused, removed on shutdown', async () => {
  const path = join(dir, 'csi.sock');
  // A stale socket left by a crashed run.
  execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
  assert.ok((await stat(path)).isSocket(), 'a stale socket file is there');
  const srv = await start({}, path);
  const st = await stat(path);
  assert.ok(st.isSocket());
  assert.is(st.mode & 0o777, 0o660);
  await srv.shutdown(1000);
  assert.not.ok(existsSync(path), 'socket removed on shutdown');

  const file = join(dir, 'not-a-socket');
  await writeFile(file, 'precious data');
  let err: unknown;
  try {
    await start({}, file);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error);
  assert.match((err as Error).message, /not a socket/);
  assert.ok(existsSync(file), 'the regular file is left alone');
});

test('a socket another process still listens on is refused, not taken over', async () => {
  const path = join(dir, 'csi.sock');
  const first = await start({}, path);
  let err: unknown;
  try {
    await start({}, path);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, 'the second server must not start');
  assert.match((err as Error).message, /in use: another process is listening/);
  const c = csiClients(`unix://${path}`);
  const info = await c.identity.GetPluginInfo({});
  assert.is(info.name, 'linstor.csi.linbit.com', 'the first server still answers on its socket');
  c.close();
  await first.shutdown(1000);
  assert.not.ok(existsSync(path));
});

test('a tcp:// endpoint on IPv6 reports a usable address', async () => {
  const srv = await startCsiServer({
    endpoint: { kind: 'tcp', host: '::1', port: 0, uri: 'tcp://[::1]:0' },
    services: [{ name: 'csi.v1.Identity', definition: IdentityService, handlers: { GetPluginInfo: (async () => ({ name: 'x', vendor_version: '1' })) as UnaryHandler<never, unknown> } }],
    log: logger(),
    secretFields: new Set(),
  });
  assert.match(srv.address, /^tcp:\/\/\[::1\]:\d+$/);
  const c = csiClients(srv.address.slice('tcp://'.length));
  assert.is((await c.identity.GetPluginInfo({})).name, 'x');
  c.close();
  await srv.shutdown(1000);
});

test('shutdown drains a call in flight before closing', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const srv = await start({
    ControllerGetCapabilities: (async () => {
      await gate;
      return { capabilities: [] };
    }) as UnaryHandler<never, unknown>,
  });
  const c = csiClients(`unix://${join(dir, 'csi.sock')}`);
  const call = c.controller.ControllerGetCapabilities({});
  await new Promise((r) => setTimeout(r, 50));
  assert.is(srv.inFlight(), 1);
  const stopping = srv.shutdown(5000);
  setTimeout(release, 100);
  const res = await call;
  assert.equal(res.capabilities, []);
  assert.equal(await stopping, { drained: true });
  c.close();
  assert.is(Code.OK, 0);
});

test.run();
