/** `linstor-csi ls` against an in-test HTTP server answering as LINSTOR. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { createServer as netServer } from 'node:net';
import { runLs } from '../../src/cli/ls.js';
import { humanKib, renderTable } from '../../src/cli/ls.js';
import { FAIL_UNKNOWN_ERROR, stringifyLinstorJson } from '../../src/linstor/apicallrc.js';
import { apiCallRc } from '../../src/emulator/replies.js';

const DATA: Record<string, unknown> = {
  '/v1/nodes': [
    { name: 'node-b', type: 'SATELLITE', connection_status: 'OFFLINE', net_interfaces: [{ name: 'default', address: '10.0.0.2', satellite_port: 3366 }] },
    { name: 'node-a', type: 'SATELLITE', connection_status: 'ONLINE', net_interfaces: [{ name: 'default', address: '10.0.0.1', satellite_port: 3366 }] },
  ],
  '/v1/view/storage-pools': [
    { storage_pool_name: 'thin', node_name: 'node-a', provider_kind: 'LVM_THIN', props: { 'StorDriver/StorPoolName': 'vg/thin' }, free_capacity: 1572864, total_capacity: 10485760, supports_snapshots: true },
    { storage_pool_name: 'DfltDisklessStorPool', node_name: 'node-a', provider_kind: 'DISKLESS', free_capacity: 9223372036854775807, total_capacity: 9223372036854775807 },
  ],
  '/v1/view/resources': [
    {
      name: 'pvc-1', node_name: 'node-a', flags: [], state: { in_use: true }, create_timestamp: 1700000000000,
      layer_object: { type: 'DRBD', drbd: { drbd_volumes: [{ drbd_volume_definition: { volume_number: 0, minor_number: 1000 }, device_path: '/dev/drbd1000' }], connections: { 'node-b': { connected: false, message: 'Connecting' } } } },
      volumes: [{ volume_number: 0, storage_pool_name: 'thin', device_path: '/dev/drbd1000', allocated_size_kib: 1048576, state: { disk_state: 'UpToDate' } }],
    },
    {
      name: 'pvc-1', node_name: 'node-c', flags: ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'], state: { in_use: false },
      volumes: [{ volume_number: 0, storage_pool_name: 'DfltDisklessStorPool', state: { disk_state: 'Diskless' } }],
    },
  ],
  '/v1/view/snapshots': [
    { name: 'snap-1', resource_name: 'pvc-1', nodes: ['node-a'], flags: ['SUCCESSFUL'], volume_definitions: [{ volume_number: 0, size_kib: 1048576 }], snapshots: [{ snapshot_name: 'snap-1', node_name: 'node-a', create_timestamp: 1700000000000 }] },
  ],
};

async function server(handler: (url: string) => { status: number; body: unknown }): Promise<{ url: string; close: () => Promise<void> }> {
  const s = http.createServer((req, res) => {
    const r = handler((req.url ?? '').split('?')[0] ?? '');
    const text = stringifyLinstorJson(r.body);
    res.writeHead(r.status, { 'Content-Type': 'application/json' });
    res.end(text);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  return {
    url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }),
  };
}

function io(isTTY = false): { stdout: { write(s: string): void }; stderr: { write(s: string): void }; isTTY: boolean; out: () => string; err: () => string } {
  let o = '';
  let e = '';
  return { stdout: { write: (s) => void (o += s) }, stderr: { write: (s) => void (e += s) }, isTTY, out: () => o, err: () => e };
}

const srvP = server((u) => (u in DATA ? { status: 200, body: DATA[u] } : { status: 404, body: [] }));

test('nodes: aligned table, sorted, no colour off a TTY', async () => {
  const srv = await srvP;
  const x = io();
  assert.is(await runLs(['nodes', '--linstor-endpoint', srv.url], {}, x), 0);
  const lines = x.out().trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^NODE\s+TYPE\s+ADDRESSES\s+STATE\s+FLAGS$/);
  assert.match(lines[1] ?? '', /^node-a\s+SATELLITE\s+10\.0\.0\.1:3366\s+ONLINE/);
  assert.match(lines[2] ?? '', /^node-b\s+.*OFFLINE/);
  assert.is((lines[1] ?? '').indexOf('ONLINE'), (lines[0] ?? '').indexOf('STATE'), 'columns align');
  assert.not.match(x.out(), /\x1b\[/);
});

test('states are coloured on a TTY', async () => {
  const srv = await srvP;
  const x = io(true);
  assert.is(await runLs(['nodes', `--linstor-endpoint=${srv.url}`], {}, x), 0);
  assert.match(x.out(), /\x1b\[32mONLINE\x1b\[0m/);
  assert.match(x.out(), /\x1b\[31mOFFLINE\x1b\[0m/);
});

test('storage-pools: human sizes; diskless capacity shown as -', async () => {
  const srv = await srvP;
  const x = io();
  assert.is(await runLs(['storage-pools'], { LS_CONTROLLERS: srv.url }, x), 0);
  assert.match(x.out(), /thin\s+node-a\s+LVM_THIN\s+vg\/thin\s+1\.50 GiB\s+10 GiB\s+yes\s+Ok/);
  assert.match(x.out(), /DfltDisklessStorPool\s+node-a\s+DISKLESS\s+-\s+-\s+-/);
});

test('resources and volumes views', async () => {
  const srv = await srvP;
  const r = io();
  assert.is(await runLs(['resources', '--linstor-endpoint', srv.url], {}, r), 0);
  assert.match(r.out(), /pvc-1\s+node-a\s+InUse\s+node-b\(Connecting\)\s+UpToDate\s+2023-11-14/);
  assert.match(r.out(), /pvc-1\s+node-c\s+Unused\s+-\s+TieBreaker/);
  const v = io();
  assert.is(await runLs(['volumes', '--linstor-endpoint', srv.url], {}, v), 0);
  assert.match(v.out(), /node-a\s+pvc-1\s+thin\s+0\s+1000\s+\/dev\/drbd1000\s+1 GiB\s+InUse\s+UpToDate/);
});

test('snapshots view and --json', async () => {
  const srv = await srvP;
  const t = io();
  assert.is(await runLs(['snapshots', '--linstor-endpoint', srv.url], {}, t), 0);
  assert.match(t.out(), /pvc-1\s+snap-1\s+node-a\s+0: 1 GiB\s+2023-11-14 22:13:20Z\s+Successful/);
  const j = io();
  assert.is(await runLs(['snapshots', '--json', '--linstor-endpoint', srv.url], {}, j), 0);
  assert.equal(JSON.parse(j.out()), DATA['/v1/view/snapshots']);
});

test('unreachable controller: one clear line on stderr, exit 1', async () => {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  const x = io();
  assert.is(await runLs(['nodes', '--linstor-endpoint', `127.0.0.1:${port}`], {}, x), 1);
  const lines = x.err().trimEnd().split('\n');
  assert.is(lines.length, 1);
  assert.match(lines[0] ?? '', /cannot reach the LINSTOR controller.*ECONNREFUSED/);
  assert.is(x.out(), '');
});

test('controller error is reported with its message, exit 1', async () => {
  const srv = await server(() => ({ status: 500, body: [apiCallRc(FAIL_UNKNOWN_ERROR, 0n, 0n, { message: 'Database is down', cause: 'no connection' })] }));
  const x = io();
  assert.is(await runLs(['nodes', '--linstor-endpoint', srv.url, '--timeout', '2000'], {}, x), 1);
  assert.match(x.err(), /LINSTOR answered an error \(HTTP 500\): Database is down \(cause: no connection\)/);
  await srv.close();
});

test('usage errors exit 2; --help exits 0', async () => {
  const a = io();
  assert.is(await runLs([], {}, a), 2);
  assert.match(a.err(), /which view/);
  const b = io();
  assert.is(await runLs(['bogus'], {}, b), 2);
  const c = io();
  assert.is(await runLs(['--help'], {}, c), 0);
  assert.match(c.out(), /Usage: linstor-csi ls/);
});

test('serve\'s --linstor-request-timeout works for ls too; a silent controller times out', async () => {
  // Accepts connections, never answers.
  const held: import('node:net').Socket[] = [];
  const silent = netServer((sock) => void held.push(sock));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const a = silent.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  const x = io();
  const started = Date.now();
  assert.is(await runLs(['nodes', '--linstor-endpoint', url, '--linstor-request-timeout', '200ms'], {}, x), 1);
  assert.ok(Date.now() - started < 5000, 'the short timeout was used');
  assert.match(x.err(), /cannot reach the LINSTOR controller.*timeout after 200 ms/);
  for (const sock of held) sock.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  const srv = await srvP;
  const ok = io();
  assert.is(await runLs(['nodes', '--linstor-endpoint', srv.url, '--linstor-request-timeout=5s'], {}, ok), 0);
  const zero = io();
  assert.is(await runLs(['nodes', '--linstor-endpoint', srv.url, '--linstor-request-timeout=0'], {}, zero), 2);
  assert.match(zero.err(), /--linstor-request-timeout must be longer than 0/);
  const empty = io();
  assert.is(await runLs(['nodes'], { LS_CONTROLLERS: ',' }, empty), 2);
  assert.match(empty.err(), /LS_CONTROLLERS lists no controller/);
});

test('helpers: humanKib and renderTable', () => {
  assert.is(humanKib(512), '512 KiB');
  assert.is(humanKib(1024), '1 MiB');
  assert.is(humanKib(1536), '1.50 MiB');
  assert.is(humanKib(undefined), '-');
  assert.is(renderTable(['A', 'BB'], [], false), 'A  BB\n(none)\n');
});

test.after(async () => (await srvP).close());

test.run();
