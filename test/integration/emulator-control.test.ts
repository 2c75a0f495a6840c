import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAIL_NOT_ENOUGH_NODES } from '../../src/linstor/apicallrc.js';
import { apiCallRc } from '../../src/emulator/replies.js';
import { type TempEmulator, call, retCode, tempEmulator } from '../helpers/emulator.js';

let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator();
});
test.after(async () => {
  await emu.cleanup();
});

test('latency: global and per route', async () => {
  await emu.handle.control.setLatency(150, { method: 'GET', path: '^/v1/nodes$' });
  let t = Date.now();
  await emu.api('GET', '/v1/nodes');
  assert.ok(Date.now() - t >= 140);
  t = Date.now();
  await emu.api('GET', '/v1/resource-groups');
  assert.ok(Date.now() - t < 140);
  await emu.handle.control.clearLatency();
  // over HTTP, too
  const r = await call(emu.handle.url, 'POST', '/emulator/latency', { ms: 100 });
  assert.is(r.status, 200);
  t = Date.now();
  await emu.api('GET', '/v1/resource-groups');
  assert.ok(Date.now() - t >= 90);
  await call(emu.handle.url, 'DELETE', '/emulator/latency');
});

test('failNext: N calls fail with the given status and ApiCallRc body', async () => {
  const entry = apiCallRc(FAIL_NOT_ENOUGH_NODES, 0n, 0n, { message: 'Not enough available nodes' });
  await emu.handle.control.failNext({ method: 'POST', path: '^/v1/resource-definitions$', count: 2, status: 500, entries: [entry] });
  for (let i = 0; i < 2; i++) {
    const r = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'ff' } });
    assert.is(r.status, 500);
    assert.is(retCode(r), entry.ret_code);
  }
  const ok = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'ff' } });
  assert.is(ok.status, 201);
  // over HTTP, with an exact int64 ret_code in the body
  await call(emu.handle.url, 'POST', '/emulator/fail-next', { path: '^/v1/nodes', status: 503, entries: [entry] });
  const n = await emu.api('GET', '/v1/nodes');
  assert.is(n.status, 503);
  assert.is(retCode(n), entry.ret_code);
});

test('request log records method, path, status, duration and RD', async () => {
  await emu.handle.control.clearRequestLog();
  await emu.api('GET', '/v1/resource-definitions/ff');
  await emu.api('GET', '/v1/resource-definitions/nope');
  const log = await emu.handle.control.requestLog();
  assert.is(log.length, 2);
  assert.is(log[0]?.method, 'GET');
  assert.is(log[0]?.path, '/v1/resource-definitions/ff');
  assert.is(log[0]?.status, 200);
  assert.is(log[0]?.rd, 'ff');
  assert.is(log[1]?.status, 404);
  assert.ok((log[0]?.durationMs ?? -1) >= 0);
  const http = await call(emu.handle.url, 'GET', '/emulator/request-log');
  assert.is((http.body as unknown[]).length, 2, 'control calls are not logged');
});

test('node offline over HTTP: OFFLINE, never chosen', async () => {
  assert.is((await call(emu.handle.url, 'POST', '/emulator/nodes/node-c/online', { online: false })).status, 200);
  const n = await emu.api('GET', '/v1/nodes/node-c');
  assert.is((n.body as { connection_status: string }).connection_status, 'OFFLINE');
  await emu.api('POST', '/v1/resource-definitions/ff/volume-definitions', { volume_definition: { size_kib: 1024 } });
  const r = await emu.api('POST', '/v1/resource-definitions/ff/autoplace', { select_filter: { place_count: 3 } });
  assert.is(r.status, 500);
  assert.is((await call(emu.handle.url, 'POST', '/emulator/nodes/node-c/online', { online: true })).status, 200);
  assert.is((await emu.api('POST', '/v1/resource-definitions/ff/autoplace', { select_filter: { place_count: 3 } })).status, 201);
  const bad = await call(emu.handle.url, 'POST', '/emulator/nodes/zz/online', { online: true });
  assert.is(bad.status, 400);
});

test.run();
