import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { join } from 'node:path';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';

let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator();
  await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: 'r1' } });
  await emu.api('POST', '/v1/resource-definitions/r1/volume-definitions', { volume_definition: { size_kib: 4096 } });
  await emu.api('POST', '/v1/resource-definitions/r1/autoplace', { select_filter: { place_count: 2, node_name_list: ['node-a', 'node-b'] } });
});
test.after(async () => {
  await emu.cleanup();
});

/** Runs a tool the way the node plugin will: by name, with the node's bin dir first on PATH. */
function run(node: string, tool: string, args: string[]) {
  return execa(tool, args, { reject: false, env: { PATH: `${emu.handle.nodeBinDir(node)}:${process.env['PATH'] ?? ''}` } });
}

test('primary / secondary and the refused second promotion (exit 11, DRBD wording)', async () => {
  const p = await run('node-a', 'drbdadm', ['primary', 'r1']);
  assert.is(p.exitCode, 0, p.stderr);
  const refused = await run('node-b', 'drbdadm', ['primary', 'r1']);
  assert.is(refused.exitCode, 11);
  assert.is(refused.stderr, "r1: State change failed: (-1) Multiple primaries not allowed by config\nCommand 'drbdsetup primary r1' terminated with exit code 11");
  const direct = await run('node-b', 'drbdsetup', ['primary', 'r1']);
  assert.is(direct.exitCode, 11);
  assert.is(direct.stderr, 'r1: State change failed: (-1) Multiple primaries not allowed by config');
  const view = await emu.api('GET', '/v1/resource-definitions/r1/resources/node-a');
  assert.is((view.body as { state: { in_use: boolean } }).state.in_use, true);
  assert.is((await run('node-a', 'drbdadm', ['secondary', 'r1'])).exitCode, 0);
  assert.is((await run('node-b', 'drbdadm', ['primary', 'r1'])).exitCode, 0);
  assert.is((await run('node-b', 'drbdadm', ['secondary', 'r1'])).exitCode, 0);
  // allow-two-primaries lifts the refusal
  await emu.api('PUT', '/v1/resource-definitions/r1', { override_props: { 'DrbdOptions/Net/allow-two-primaries': 'yes' } });
  assert.is((await run('node-a', 'drbdadm', ['primary', 'r1'])).exitCode, 0);
  assert.is((await run('node-b', 'drbdadm', ['primary', 'r1'])).exitCode, 0);
  await run('node-a', 'drbdadm', ['secondary', 'r1']);
  await run('node-b', 'drbdadm', ['secondary', 'r1']);
  await emu.api('PUT', '/v1/resource-definitions/r1', { delete_props: ['DrbdOptions/Net/allow-two-primaries'] });
});

test('status --json has DRBD 9 shape; unknown resources', async () => {
  const s = await run('node-a', 'drbdsetup', ['status', 'r1', '--json']);
  assert.is(s.exitCode, 0, s.stderr);
  const j = JSON.parse(s.stdout) as {
    name: string;
    'node-id': number;
    role: string;
    suspended: boolean;
    devices: { volume: number; minor: number; 'disk-state': string; client: boolean; quorum: boolean; size: number }[];
    connections: { 'peer-node-id': number; name: string; 'connection-state': string; 'peer-role': string; peer_devices: { volume: number; 'replication-state': string; 'peer-disk-state': string; 'peer-client': boolean }[] }[];
  }[];
  assert.is(j.length, 1);
  const r = j[0];
  assert.is(r?.name, 'r1');
  assert.is(r?.role, 'Secondary');
  assert.is(r?.suspended, false);
  assert.is(r?.devices[0]?.['disk-state'], 'UpToDate');
  assert.is(r?.devices[0]?.client, false);
  assert.is(r?.devices[0]?.size, 4096);
  assert.ok((r?.devices[0]?.minor ?? 0) >= 1000);
  const peers = Object.fromEntries((r?.connections ?? []).map((c) => [c.name, c]));
  assert.is(peers['node-b']?.['connection-state'], 'Connected');
  assert.is(peers['node-b']?.peer_devices[0]?.['peer-disk-state'], 'UpToDate');
  assert.is(peers['node-c']?.peer_devices[0]?.['peer-disk-state'], 'Diskless', 'tie-breaker peer');
  assert.is(peers['node-c']?.peer_devices[0]?.['peer-client'], true);
  const tb = JSON.parse((await run('node-c', 'drbdsetup', ['status', '--json'])).stdout) as { devices: { 'disk-state': string; client: boolean }[] }[];
  assert.is(tb[0]?.devices[0]?.['disk-state'], 'Diskless');
  assert.is(tb[0]?.devices[0]?.client, true);
  const text = await run('node-a', 'drbdadm', ['status', 'r1']);
  assert.ok(text.stdout.startsWith('r1 role:Secondary\n  disk:UpToDate'), text.stdout);
  const u1 = await run('node-a', 'drbdsetup', ['status', 'nope', '--json']);
  assert.is(u1.exitCode, 10);
  assert.is(u1.stderr, 'nope: No such resource');
  const u2 = await run('node-a', 'drbdadm', ['primary', 'nope']);
  assert.is(u2.exitCode, 10);
  assert.is(u2.stderr, "'nope' not defined in your config (for this host).");
  const v = await run('node-a', 'drbdadm', ['--version']);
  assert.is(v.exitCode, 0);
  assert.match(v.stdout, /DRBD_KERNEL_VERSION=9\./);
  assert.ok(emu.handle.nodeBinDir('node-a').endsWith(join('nodes', 'node-a', 'bin')));
});

test('offline peer: Connecting/DUnknown; injected StandAlone, Outdated, quorum loss', async () => {
  await emu.handle.control.setNodeOnline('node-b', false);
  let j = JSON.parse((await run('node-a', 'drbdsetup', ['status', 'r1', '--json'])).stdout) as {
    devices: { quorum: boolean; 'disk-state': string }[];
    connections: { name: string; 'connection-state': string; 'peer-role': string; peer_devices: { 'peer-disk-state': string }[] }[];
  }[];
  const b = j[0]?.connections.find((c) => c.name === 'node-b');
  assert.is(b?.['connection-state'], 'Connecting');
  assert.is(b?.['peer-role'], 'Unknown');
  assert.is(b?.peer_devices[0]?.['peer-disk-state'], 'DUnknown');
  const offline = await emu.api('GET', '/v1/resource-definitions/r1/resources/node-b');
  assert.not.ok('state' in (offline.body as object), 'no state while the node is offline');
  const nodes = await emu.api('GET', '/v1/nodes/node-b');
  assert.is((nodes.body as { connection_status: string }).connection_status, 'OFFLINE');
  await emu.handle.control.setNodeOnline('node-b', true);
  const back = await emu.api('GET', '/v1/view/resources?resources=r1&nodes=node-b');
  assert.is((back.body as { volumes: { state: { disk_state: string } }[] }[])[0]?.volumes[0]?.state.disk_state, 'Outdated');
  await emu.handle.control.setDiskState('r1', 'node-b', null);
  await emu.handle.control.setConnectionState('r1', 'node-a', 'StandAlone');
  j = JSON.parse((await run('node-a', 'drbdsetup', ['status', 'r1', '--json'])).stdout) as typeof j;
  assert.ok(j[0]?.connections.every((c) => c['connection-state'] === 'StandAlone'));
  await emu.handle.control.setConnectionState('r1', 'node-a', null);
  await emu.handle.control.setDiskState('r1', 'node-a', 'Inconsistent');
  j = JSON.parse((await run('node-a', 'drbdsetup', ['status', 'r1', '--json'])).stdout) as typeof j;
  assert.is(j[0]?.devices[0]?.['disk-state'], 'Inconsistent');
  await emu.handle.control.setDiskState('r1', 'node-a', null);
  await emu.handle.control.setQuorumLost('r1', 'node-a', true);
  j = JSON.parse((await run('node-a', 'drbdsetup', ['status', 'r1', '--json'])).stdout) as typeof j;
  assert.is(j[0]?.devices[0]?.quorum, false);
  await emu.handle.control.setQuorumLost('r1', 'node-a', false);
});

test.run();
