/**
 * The LINSTOR client over real HTTP against small in-test servers that answer as LINSTOR does:
 * failover, timeouts, 500/404 with ApiCallRc, retry of reads vs. no blind retry of writes,
 * auth headers, the concurrency limit and the idempotent-delete warning.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { createServer as netServer } from 'node:net';
import { Writable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  FAIL_EXISTS_RSC_DFN,
  FAIL_NOT_FOUND_RSC_DFN,
  FAIL_UNKNOWN_ERROR,
  CREATED,
  DELETED,
  MASK_CRT,
  MASK_DEL,
  MASK_RSC,
  MASK_RSC_DFN,
  WARN_NOT_CONNECTED,
  WARN_NOT_FOUND,
  stringifyLinstorJson,
} from '../../src/linstor/apicallrc.js';
import { apiCallRc } from '../../src/emulator/replies.js';
import { HttpLinstorClient } from '../../src/linstor/http-client.js';
import { LinstorApiError, LinstorUnavailableError } from '../../src/linstor/errors.js';
import { wasNotFound } from '../../src/linstor/client.js';
import type { LinstorConnectionOptions } from '../../src/linstor/options.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { systemClock } from '../../src/util/clock.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
interface Reply {
  status: number;
  body?: unknown;
  /** Never answer (the client must time out). */
  hang?: boolean;
  delayMs?: number;
}
type Route = (req: Seen) => Reply;

interface Fake {
  url: string;
  seen: Seen[];
  maxConcurrent: number;
  close(): Promise<void>;
}

async function fakeLinstor(route: Route): Promise<Fake> {
  const seen: Seen[] = [];
  let active = 0;
  const fake: Fake = { url: '', seen, maxConcurrent: 0, close: async () => undefined };
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      const r = route(s);
      if (r.hang) {
        hanging.push(res);
        return;
      }
      active++;
      fake.maxConcurrent = Math.max(fake.maxConcurrent, active);
      const send = (): void => {
        active--;
        const text = r.body === undefined ? '' : stringifyLinstorJson(r.body);
        res.writeHead(r.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  fake.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  fake.close = () =>
    new Promise<void>((r) => {
      for (const h of hanging) h.destroy();
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}

async function deadUrl(): Promise<string> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

function client(opts: Partial<LinstorConnectionOptions> & { endpoints: string[] }, logger: Logger = silentLogger()): HttpLinstorClient {
  return new HttpLinstorClient({ timeoutMs: 2000, retries: 2, retryBaseDelayMs: 5, retryMaxDelayMs: 20, ...opts }, { clock: systemClock, logger });
}

function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      out.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const NODES = [{ name: 'n1', type: 'SATELLITE', connection_status: 'ONLINE', net_interfaces: [{ name: 'default', address: '10.0.0.1' }] }];

test('failover: first controller dead, second alive; the good one is remembered', async () => {
  const dead = await deadUrl();
  const alive = await fakeLinstor(() => ({ status: 200, body: NODES }));
  const c = client({ endpoints: [dead, alive.url] });
  try {
    const nodes = await c.nodes.list();
    assert.is(nodes[0]?.name, 'n1');
    assert.is(nodes[0]?.connection_status, 'ONLINE');
    assert.is(c.transport.stats.preferredEndpoint, alive.url);
    await c.nodes.list();
    assert.is(alive.seen.length, 2);
  } finally {
    c.close();
    await alive.close();
  }
});

test('failover is safe for writes when the first controller refuses the connection', async () => {
  const dead = await deadUrl();
  const alive = await fakeLinstor(() => ({
    status: 201,
    body: [apiCallRc(CREATED, MASK_CRT, MASK_RSC_DFN, { message: "New resource definition 'pvc-1' created." })],
  }));
  const c = client({ endpoints: [dead, alive.url] });
  try {
    const entries = await c.resourceDefinitions.create({ resource_definition: { name: 'pvc-1', resource_group_name: 'rg' } });
    assert.is(entries[0]?.ret_code, 20447233n);
    assert.is(alive.seen.length, 1);
    assert.equal(JSON.parse(alive.seen[0]?.body ?? '{}'), { resource_definition: { name: 'pvc-1', resource_group_name: 'rg' } });
    assert.is(alive.seen[0]?.headers['content-type'], 'application/json');
  } finally {
    c.close();
    await alive.close();
  }
});

test('every controller unreachable: LinstorUnavailableError naming each endpoint', async () => {
  const a = await deadUrl();
  const b = await deadUrl();
  const c = client({ endpoints: [a, b], retries: 1 });
  try {
    await c.controller.version();
    assert.unreachable('should fail');
  } catch (e) {
    assert.instance(e, LinstorUnavailableError);
    const msg = (e as Error).message;
    assert.ok(msg.includes(a) && msg.includes(b) && msg.includes('ECONNREFUSED'), msg);
  } finally {
    c.close();
  }
});

test('a read that times out is retried, then Unavailable with the timeout as reason', async () => {
  const srv = await fakeLinstor(() => ({ status: 200, hang: true }));
  const c = client({ endpoints: [srv.url], timeoutMs: 100, retries: 1 });
  try {
    await c.resourceDefinitions.get('pvc-1');
    assert.unreachable('should time out');
  } catch (e) {
    assert.instance(e, LinstorUnavailableError);
    assert.match((e as Error).message, /timeout after 100 ms/);
    assert.is(srv.seen.length, 2, 'the GET was sent twice (1 retry)');
  } finally {
    c.close();
    await srv.close();
  }
});

test('a write that times out is NOT resent blindly: outcome unknown', async () => {
  const srv = await fakeLinstor(() => ({ status: 201, hang: true }));
  const c = client({ endpoints: [srv.url], timeoutMs: 100, retries: 3 });
  try {
    await c.resources.autoplace('pvc-1', { select_filter: { place_count: 2 } });
    assert.unreachable('should fail');
  } catch (e) {
    assert.instance(e, LinstorUnavailableError);
    assert.ok((e as LinstorUnavailableError).outcomeUnknown);
    assert.is(srv.seen.filter((s) => s.method === 'POST').length, 1, 'the POST went out exactly once');
  } finally {
    c.close();
    await srv.close();
  }
});

test('a write whose reply is lost is confirmed by reading the state back', async () => {
  const srv = await fakeLinstor((r) => {
    if (r.method === 'POST') return { status: 201, hang: true };
    if (r.method === 'GET' && r.url === '/v1/resource-definitions/pvc-2') return { status: 200, body: { name: 'pvc-2', resource_group_name: 'rg' } };
    return { status: 404, body: [] };
  });
  const c = client({ endpoints: [srv.url], timeoutMs: 100 });
  try {
    const entries = await c.resourceDefinitions.create({ resource_definition: { name: 'pvc-2' } });
    assert.equal(entries, []);
    assert.equal(
      srv.seen.map((s) => s.method),
      ['POST', 'GET'],
    );
  } finally {
    c.close();
    await srv.close();
  }
});

test('500 with ApiCallRc: typed error with the exact ret_code; a write is not retried', async () => {
  const srv = await fakeLinstor(() => ({
    status: 500,
    body: [
      apiCallRc(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN, {
        message: "A resource definition with the name 'pvc-1' already exists",
        cause: 'dup',
        correction: 'pick another name',
      }),
    ],
  }));
  const c = client({ endpoints: [srv.url] });
  try {
    await c.resourceDefinitions.create({ resource_definition: { name: 'pvc-1' } });
    assert.unreachable('should fail');
  } catch (e) {
    assert.instance(e, LinstorApiError);
    const err = e as LinstorApiError;
    assert.is(err.status, 500);
    assert.is(err.retCode, -4611686018406940171n);
    assert.ok(err.isAlreadyExists());
    assert.ok(err.is(FAIL_EXISTS_RSC_DFN));
    assert.is(err.cause, 'dup');
    assert.is(err.correction, 'pick another name');
    assert.is(err.message, "A resource definition with the name 'pvc-1' already exists");
    assert.is(srv.seen.length, 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('404: isNotFound, with and without a body; not retried', async () => {
  const srv = await fakeLinstor((r) =>
    r.url.includes('nobody')
      ? { status: 404 }
      : { status: 404, body: [apiCallRc(FAIL_NOT_FOUND_RSC_DFN, 0n, 0n, { message: "Resource definition 'x' not found." })] },
  );
  const c = client({ endpoints: [srv.url] });
  try {
    const e1 = await c.resourceDefinitions.get('x').catch((e: unknown) => e);
    assert.instance(e1, LinstorApiError);
    assert.ok((e1 as LinstorApiError).isNotFound());
    assert.is((e1 as LinstorApiError).retCode, -4611686018427387603n);
    assert.is((e1 as LinstorApiError).message, "Resource definition 'x' not found.");
    const e2 = await c.nodes.get('nobody').catch((e: unknown) => e);
    assert.ok((e2 as LinstorApiError).isNotFound());
    assert.is(srv.seen.length, 2);
  } finally {
    c.close();
    await srv.close();
  }
});

test('GET is retried after 503 and an unhandled-exception 500; POST gets the error at once', async () => {
  let n = 0;
  const srv = await fakeLinstor((r) => {
    n++;
    if (r.method === 'GET') {
      if (n === 1) return { status: 503 };
      if (n === 2) return { status: 500, body: [apiCallRc(FAIL_UNKNOWN_ERROR, 0n, 0n, { message: 'NPE', error_report_ids: ['R-1'] })] };
      return { status: 200, body: { version: '1.31.0', rest_api_version: '1.28.0' } };
    }
    return { status: 500, body: [apiCallRc(FAIL_UNKNOWN_ERROR, 0n, 0n, { message: 'NPE', error_report_ids: ['R-2'] })] };
  });
  const c = client({ endpoints: [srv.url], retries: 3 });
  try {
    const v = await c.controller.version();
    assert.is(v.rest_api_version, '1.28.0');
    assert.is(srv.seen.length, 3);
    const e = await c.resources.autoplace('r', {}).catch((x: unknown) => x);
    assert.instance(e, LinstorApiError);
    assert.equal([...(e as LinstorApiError).errorReportIds], ['R-2']);
    assert.is(srv.seen.filter((s) => s.method === 'POST').length, 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('delete of a missing object: 200 + WARN_NOT_FOUND is success; keep_tiebreaker is sent', async () => {
  const srv = await fakeLinstor(() => ({
    status: 200,
    body: [apiCallRc(WARN_NOT_FOUND, MASK_DEL, MASK_RSC, { message: 'Node: n1, Resource: r not found.' })],
  }));
  const c = client({ endpoints: [srv.url] });
  try {
    const entries = await c.resources.delete('r', 'n1', { keepTiebreaker: true });
    assert.ok(wasNotFound(entries));
    assert.is(srv.seen[0]?.method, 'DELETE');
    assert.is(srv.seen[0]?.url, '/v1/resource-definitions/r/resources/n1?keep_tiebreaker=true');
  } finally {
    c.close();
    await srv.close();
  }
});

test('warnings in a 2xx reply are logged at warn with their message', async () => {
  const srv = await fakeLinstor(() => ({
    status: 201,
    body: [
      apiCallRc(CREATED, MASK_CRT, MASK_RSC, { message: "Resource 'r' created on 'n1'." }),
      apiCallRc(WARN_NOT_CONNECTED, MASK_CRT, MASK_RSC, { message: "No active connection to satellite 'n2'" }),
    ],
  }));
  const mem = memoryLogger();
  const c = client({ endpoints: [srv.url] }, mem.logger);
  try {
    const entries = await c.resources.create('r', 'n1', { resource: { flags: ['DISKLESS'] }, layer_list: ['DRBD', 'STORAGE'] });
    assert.is(entries.length, 2);
    const warn = mem.lines().find((l) => l['level'] === 40);
    assert.ok(warn, 'a warn line');
    assert.match(String(warn?.['msg']), /No active connection to satellite 'n2'/);
    assert.match(String(warn?.['retCode']), /WARN_NOT_CONNECTED/);
    const sent = JSON.parse(srv.seen[0]?.body ?? '{}') as { resource: { node_name: string; flags: string[] } };
    assert.is(sent.resource.node_name, 'n1');
    assert.equal(sent.resource.flags, ['DISKLESS']);
  } finally {
    c.close();
    await srv.close();
  }
});

test('an error entry inside a 2xx reply still rejects', async () => {
  const srv = await fakeLinstor(() => ({
    status: 200,
    body: [apiCallRc(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN, { message: 'dup' })],
  }));
  const c = client({ endpoints: [srv.url] });
  try {
    const e = await c.resourceDefinitions.modify('x', { override_props: { 'Aux/a': 'b' } }).catch((x: unknown) => x);
    assert.instance(e, LinstorApiError);
    assert.is((e as LinstorApiError).status, 200);
  } finally {
    c.close();
    await srv.close();
  }
});

test('bearer token from a file, and basic auth', async () => {
  const srv = await fakeLinstor(() => ({ status: 200, body: [] }));
  const dir = mkdtempSync(join(tmpdir(), 'lstok-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'tok-123\n');
  const c1 = client({ endpoints: [srv.url], bearerTokenFile: tokenFile });
  const c2 = client({ endpoints: [srv.url], username: 'admin', password: 's3cret' });
  try {
    await c1.nodes.list();
    await c2.nodes.list();
    assert.is(srv.seen[0]?.headers.authorization, 'Bearer tok-123');
    assert.is(srv.seen[1]?.headers.authorization, 'Basic ' + Buffer.from('admin:s3cret').toString('base64'));
    assert.is(srv.seen[0]?.headers.accept, 'application/json');
    assert.ok(String(srv.seen[0]?.headers['user-agent']).startsWith('linstor-csi'));
  } finally {
    c1.close();
    c2.close();
    await srv.close();
  }
});

test('query parameters: repeated list keys, cached=true, props filter', async () => {
  const srv = await fakeLinstor(() => ({ status: 200, body: [] }));
  const c = client({ endpoints: [srv.url] });
  try {
    await c.storagePools.view({ nodes: ['n1', 'n2'], cached: true });
    await c.resourceDefinitions.list({ props: ['Aux/csi-volume-name=pvc-1'], withVolumeDefinitions: true });
    await c.resources.view({ resources: ['r1'], nodes: ['n1'] });
    await c.snapshots.delete('r1', 's1', { nodes: ['n1'] });
    assert.equal(
      srv.seen.map((s) => s.url),
      [
        '/v1/view/storage-pools?nodes=n1&nodes=n2&cached=true',
        '/v1/resource-definitions?props=Aux%2Fcsi-volume-name%3Dpvc-1&with_volume_definitions=true',
        '/v1/view/resources?nodes=n1&resources=r1',
        '/v1/resource-definitions/r1/snapshots/s1?nodes=n1',
      ],
    );
  } finally {
    c.close();
    await srv.close();
  }
});

test('concurrency is bounded; connections are kept alive', async () => {
  const srv = await fakeLinstor(() => ({ status: 200, body: NODES, delayMs: 30 }));
  const c = client({ endpoints: [srv.url], maxConcurrency: 2 });
  try {
    await Promise.all(Array.from({ length: 8 }, () => c.nodes.list()));
    assert.is(srv.seen.length, 8);
    assert.is(srv.maxConcurrent, 2);
    assert.ok(srv.seen.every((s) => s.headers.connection === 'keep-alive'));
  } finally {
    c.close();
    await srv.close();
  }
});

test('the caller can abort a request', async () => {
  const srv = await fakeLinstor(() => ({ status: 200, hang: true }));
  const c = client({ endpoints: [srv.url], timeoutMs: 5000 });
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cancelled by caller')), 50);
    const e = await c.nodes.list(undefined, { signal: ac.signal }).catch((x: unknown) => x);
    assert.match(String(e), /cancelled by caller/);
    assert.is(srv.seen.length, 1);
  } finally {
    c.close();
    await srv.close();
  }
});

test('snapshot calls use the documented paths and bodies', async () => {
  const srv = await fakeLinstor((r) =>
    r.method === 'GET'
      ? { status: 200, body: { name: 's1', resource_name: 'r1', flags: ['SUCCESSFUL'], volume_definitions: [{ volume_number: 0, size_kib: 1024 }] } }
      : { status: r.method === 'POST' && r.url.endsWith('/snapshots') ? 201 : 200, body: [apiCallRc(DELETED, MASK_DEL, MASK_RSC_DFN, { message: 'ok' })] },
  );
  const c = client({ endpoints: [srv.url] });
  try {
    await c.snapshots.create('r1', { name: 's1' });
    await c.snapshots.createMulti({ snapshots: [{ name: 's1', resource_name: 'r1' }, { name: 's1', resource_name: 'r2' }] });
    const s = await c.snapshots.get('r1', 's1');
    assert.equal(s.flags, ['SUCCESSFUL']);
    await c.snapshots.restoreVolumeDefinitions('r1', 's1', { to_resource: 'r9' });
    await c.snapshots.restoreResource('r1', 's1', { to_resource: 'r9', nodes: ['n1'] });
    await c.snapshots.rollback('r1', 's1');
    await c.resources.makeAvailable('r1', 'n2', { diskful: false });
    await c.volumeDefinitions.modify('r1', 0, { size_kib: 2048 });
    assert.equal(
      srv.seen.map((x) => `${x.method} ${x.url}`),
      [
        'POST /v1/resource-definitions/r1/snapshots',
        'POST /v1/actions/snapshot/multi',
        'GET /v1/resource-definitions/r1/snapshots/s1',
        'POST /v1/resource-definitions/r1/snapshot-restore-volume-definition/s1',
        'POST /v1/resource-definitions/r1/snapshot-restore-resource/s1',
        'POST /v1/resource-definitions/r1/snapshot-rollback/s1',
        'POST /v1/resource-definitions/r1/resources/n2/make-available',
        'PUT /v1/resource-definitions/r1/volume-definitions/0',
      ],
    );
    assert.equal(JSON.parse(srv.seen[0]?.body ?? ''), { name: 's1', resource_name: 'r1' });
    assert.equal(JSON.parse(srv.seen[7]?.body ?? ''), { size_kib: 2048 });
  } finally {
    c.close();
    await srv.close();
  }
});

test.run();
