// The emulator's replication can diverge: a partition keeps each side's writes on its side, and
// reconnecting runs DRBD 9's handshake (resync from the one side that changed, or the after-sb-*
// policy, or split brain kept StandAlone). Real bytes on loop devices throughout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';

let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator({ resyncMs: 0 });
});
test.after(async () => {
  await emu.cleanup();
});

const MiB = 1024 * 1024;
const link = (node: string, rsc: string): string => join(emu.handle.nodeDevRoot(node), 'drbd', 'by-res', rsc, '0');
/** Writes `mib` MiB of `ch` at `atMiB`. */
async function write(node: string, rsc: string, ch: string, atMiB = 0, mib = 1): Promise<void> {
  await execa('dd', [`of=${link(node, rsc)}`, 'bs=1M', `count=${mib}`, `seek=${atMiB}`, 'iflag=fullblock', 'oflag=direct', 'conv=notrunc', 'status=none'], { input: Buffer.alloc(mib * MiB, ch) });
}
/** The first byte of each of the first `mib` MiB, e.g. "AA\0". */
async function bytes(node: string, rsc: string, mib = 3): Promise<string> {
  const { stdout } = await execa('dd', [`if=${link(node, rsc)}`, 'bs=1M', `count=${mib}`, 'iflag=direct', 'status=none'], { encoding: 'buffer' });
  const b = Buffer.from(stdout);
  let s = '';
  for (let i = 0; i < mib; i++) s += b[i * MiB] === 0 ? '.' : String.fromCharCode(b[i * MiB] ?? 0);
  return s;
}
const adm = (node: string, ...args: string[]) => emu.handle.control.drbd(node, 'drbdadm', args);
async function ok(node: string, ...args: string[]): Promise<void> {
  const r = await adm(node, ...args);
  assert.is(r.code, 0, `${node}: drbdadm ${args.join(' ')}: ${r.stderr}`);
}
let n = 0;
/** A 2-replica volume on node-a/node-b (tie-breaker on node-c), with RD props. */
async function volume(props: Record<string, string> = {}): Promise<string> {
  const name = `sb${++n}`;
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name, props } })).status, 201);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: 8 * 1024 } })).status, 200);
  const r = await emu.api('POST', `/v1/resource-definitions/${name}/autoplace`, { select_filter: { place_count: 2, node_name_list: ['node-a', 'node-b'] } });
  assert.is(r.status, 201, r.text);
  return name;
}
const split = () => emu.handle.control.setPartition([['node-a', 'node-c'], ['node-b']]);
const heal = () => emu.handle.control.setPartition(null);
async function standAlone(rsc: string): Promise<boolean> {
  const a = (await adm('node-a', 'status', rsc)).stdout;
  const b = (await adm('node-b', 'status', rsc)).stdout;
  return /node-b connection:StandAlone/.test(a) && /node-a connection:StandAlone/.test(b);
}

/**
 * The usual way into split brain: node-a Primary writes, the network splits, node-b (no quorum)
 * is forced Primary and writes; then each side writes `aMiB`/`bMiB` MiB and the roles are set.
 */
async function diverge(rsc: string, o: { aMiB: number; bMiB: number; aRole: 'Primary' | 'Secondary'; bRole: 'Primary' | 'Secondary' }): Promise<void> {
  await ok('node-a', 'primary', rsc);
  await split();
  await ok('node-b', 'primary', '--force', rsc);
  if (o.aMiB > 0) await write('node-a', rsc, 'A', 0, o.aMiB);
  if (o.bMiB > 0) await write('node-b', rsc, 'B', 0, o.bMiB);
  if (o.aRole === 'Secondary') await ok('node-a', 'secondary', rsc);
  if (o.bRole === 'Secondary') await ok('node-b', 'secondary', rsc);
}

test('partition: the side without quorum cannot promote (No quorum) unless forced; a Primary there is suspended', async () => {
  const r = await volume();
  await ok('node-b', 'primary', r);
  await split();
  const st = await adm('node-b', 'status', r);
  assert.match(st.stdout, /suspended:quorum/);
  assert.match(st.stdout, /quorum:no/);
  await ok('node-b', 'secondary', r);
  const refused = await adm('node-b', 'primary', r);
  assert.is(refused.code, 11);
  assert.match(refused.stderr, /State change failed: \(-23\) No quorum/);
  await ok('node-a', 'primary', r);
  await ok('node-a', 'secondary', r);
  await heal();
});

test('writes on one side only → automatic resync on reconnect, no split brain', async () => {
  const r = await volume();
  await write('node-a', r, '0', 0, 3);
  await ok('node-a', 'primary', r);
  await split();
  await write('node-a', r, 'A', 1, 1);
  assert.is(await bytes('node-b', r), '000', 'node-b is cut off: it does not see the write');
  await heal();
  assert.not.ok(await standAlone(r));
  assert.is(await bytes('node-b', r), '0A0', 'node-b resynced from node-a');
  await ok('node-a', 'secondary', r);
});

test('two forced Primaries → split brain: both StandAlone, each side keeps its bytes; manual recovery', async () => {
  const r = await volume();
  await diverge(r, { aMiB: 1, bMiB: 2, aRole: 'Primary', bRole: 'Primary' });
  assert.is(await bytes('node-a', r), 'A..');
  assert.is(await bytes('node-b', r), 'BB.');
  await heal();
  assert.ok(await standAlone(r), 'after-sb-2pri disconnect (default): StandAlone both ways');
  assert.is(await bytes('node-a', r), 'A..');
  assert.is(await bytes('node-b', r), 'BB.');
  const js = JSON.parse((await emu.handle.control.drbd('node-a', 'drbdsetup', ['status', r, '--json'])).stdout) as { connections: { name: string; 'connection-state': string }[] }[];
  assert.is(js[0]?.connections.find((c) => c.name === 'node-b')?.['connection-state'], 'StandAlone');
  const view = (await emu.api('GET', `/v1/view/resources?resources=${r}`)).body as { node_name: string; layer_object: { drbd: { connections: Record<string, { connected: boolean; message: string }> } } }[];
  assert.equal(view.find((x) => x.node_name === 'node-a')?.layer_object.drbd.connections['node-b'], { connected: false, message: 'StandAlone' });
  // Connecting without choosing a victim: DRBD detects the split brain again.
  await ok('node-a', 'connect', r);
  await ok('node-b', 'connect', r);
  assert.ok(await standAlone(r));
  // A Primary cannot be the victim ("I shall become SyncTarget, but I am primary!").
  await ok('node-b', 'connect', '--discard-my-data', r);
  await ok('node-a', 'connect', r);
  assert.ok(await standAlone(r));
  assert.is(await bytes('node-b', r), 'BB.');
  // The handbook's recovery, keeping node-a.
  await ok('node-b', 'secondary', r);
  await ok('node-b', 'disconnect', r);
  await ok('node-b', 'connect', '--discard-my-data', r);
  assert.match((await adm('node-b', 'status', r)).stdout, /node-a connection:Connecting/);
  await ok('node-a', 'connect', r);
  assert.not.ok(await standAlone(r));
  assert.is(await bytes('node-b', r), 'A..', 'node-b now holds node-a\'s bytes');
  assert.match((await adm('node-b', 'status', r)).stdout, /node-a role:Primary\n\s+peer-disk:UpToDate/);
  await ok('node-a', 'secondary', r);
});

test('quorum off: both sides promote without --force; split brain as well', async () => {
  const r = await volume({ 'DrbdOptions/Resource/quorum': 'off' });
  await ok('node-a', 'primary', r);
  await split();
  await ok('node-b', 'primary', r);
  await write('node-a', r, 'A');
  await write('node-b', r, 'B');
  await heal();
  assert.ok(await standAlone(r));
});

// Each after-sb policy: which side survives (the side whose bytes both hold afterwards).
const cases: { name: string; props: Record<string, string>; a: number; b: number; aRole: 'Primary' | 'Secondary'; bRole: 'Primary' | 'Secondary'; survivor: 'node-a' | 'node-b' | 'none'; aPrimaryAfter?: boolean }[] = [
  { name: '0pri disconnect (default)', props: {}, a: 1, b: 2, aRole: 'Secondary', bRole: 'Secondary', survivor: 'none' },
  { name: '0pri discard-zero-changes: node-b wrote nothing', props: { 'after-sb-0pri': 'discard-zero-changes' }, a: 1, b: 0, aRole: 'Secondary', bRole: 'Secondary', survivor: 'node-a' },
  { name: '0pri discard-zero-changes: both wrote → disconnect', props: { 'after-sb-0pri': 'discard-zero-changes' }, a: 1, b: 2, aRole: 'Secondary', bRole: 'Secondary', survivor: 'none' },
  { name: '0pri discard-least-changes: node-a wrote less', props: { 'after-sb-0pri': 'discard-least-changes' }, a: 1, b: 2, aRole: 'Secondary', bRole: 'Secondary', survivor: 'node-b' },
  { name: '0pri discard-younger-primary: node-b was promoted after the split', props: { 'after-sb-0pri': 'discard-younger-primary' }, a: 1, b: 2, aRole: 'Secondary', bRole: 'Secondary', survivor: 'node-a' },
  { name: '0pri discard-older-primary: node-a was Primary at the split', props: { 'after-sb-0pri': 'discard-older-primary' }, a: 2, b: 1, aRole: 'Secondary', bRole: 'Secondary', survivor: 'node-b' },
  { name: '1pri discard-secondary', props: { 'after-sb-1pri': 'discard-secondary' }, a: 1, b: 2, aRole: 'Primary', bRole: 'Secondary', survivor: 'node-a', aPrimaryAfter: true },
  { name: '1pri consensus agrees (0pri discards the Secondary)', props: { 'after-sb-0pri': 'discard-least-changes', 'after-sb-1pri': 'consensus' }, a: 2, b: 1, aRole: 'Primary', bRole: 'Secondary', survivor: 'node-a', aPrimaryAfter: true },
  { name: '1pri consensus disagrees (0pri would discard the Primary) → disconnect', props: { 'after-sb-0pri': 'discard-least-changes', 'after-sb-1pri': 'consensus' }, a: 1, b: 2, aRole: 'Primary', bRole: 'Secondary', survivor: 'none' },
  { name: '1pri call-pri-lost-after-sb: the Primary loses and gives up its role', props: { 'after-sb-0pri': 'discard-least-changes', 'after-sb-1pri': 'call-pri-lost-after-sb' }, a: 1, b: 2, aRole: 'Primary', bRole: 'Secondary', survivor: 'node-b', aPrimaryAfter: false },
  { name: '1pri disconnect (default)', props: { 'after-sb-0pri': 'discard-least-changes' }, a: 1, b: 2, aRole: 'Primary', bRole: 'Secondary', survivor: 'none' },
  { name: '2pri violently-as0p with discard-least-changes', props: { 'after-sb-0pri': 'discard-least-changes', 'after-sb-2pri': 'violently-as0p' }, a: 2, b: 1, aRole: 'Primary', bRole: 'Primary', survivor: 'node-a' },
  { name: '2pri disconnect (default) even with a 0pri policy', props: { 'after-sb-0pri': 'discard-least-changes' }, a: 2, b: 1, aRole: 'Primary', bRole: 'Primary', survivor: 'none' },
];

for (const c of cases) {
  test(`after-sb: ${c.name} → ${c.survivor === 'none' ? 'split brain kept' : `${c.survivor} survives`}`, async () => {
    const props = Object.fromEntries(Object.entries(c.props).map(([k, v]) => [`DrbdOptions/Net/${k}`, v]));
    const r = await volume(props);
    await diverge(r, { aMiB: c.a, bMiB: c.b, aRole: c.aRole, bRole: c.bRole });
    const aBytes = await bytes('node-a', r);
    const bBytes = await bytes('node-b', r);
    assert.is.not(aBytes, bBytes);
    await heal();
    if (c.survivor === 'none') {
      assert.ok(await standAlone(r), 'StandAlone both ways');
      assert.is(await bytes('node-a', r), aBytes);
      assert.is(await bytes('node-b', r), bBytes);
    } else {
      assert.not.ok(await standAlone(r), 'resolved automatically');
      const want = c.survivor === 'node-a' ? aBytes : bBytes;
      assert.is(await bytes('node-a', r), want);
      assert.is(await bytes('node-b', r), want);
    }
    if (c.aPrimaryAfter !== undefined) assert.is((await adm('node-a', 'role', r)).stdout.trim(), c.aPrimaryAfter ? 'Primary' : 'Secondary');
    for (const node of ['node-a', 'node-b']) await ok(node, 'secondary', r);
  });
}

test('stand-in syntax: connect/disconnect on unknown resources and peers, drbdsetup by peer node-id', async () => {
  const r = await volume();
  assert.equal(await adm('node-a', 'connect', 'nope'), { stdout: '', stderr: "'nope' not defined in your config (for this host).\n", code: 10 });
  assert.is((await adm('node-a', 'disconnect', `${r}:node-x`)).code, 10);
  assert.is((await adm('node-a', 'connect')).code, 20);
  await ok('node-a', 'disconnect', `${r}:node-b`);
  assert.match((await adm('node-a', 'status', r)).stdout, /node-b connection:StandAlone/);
  const view = JSON.parse((await emu.handle.control.drbd('node-a', 'drbdsetup', ['status', r, '--json'])).stdout) as { connections: { name: string; 'peer-node-id': number }[] }[];
  const id = view[0]?.connections.find((c) => c.name === 'node-b')?.['peer-node-id'];
  const st = await emu.handle.control.drbd('node-a', 'drbdsetup', ['connect', r, String(id)]);
  assert.is(st.code, 0, st.stderr);
  assert.not.match((await adm('node-a', 'status', r)).stdout, /StandAlone/);
});

test('a split brain survives an emulator restart: StandAlone both ways, each side its bytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'linstor-emu-sb-'));
  const first = await tempEmulator({ resyncMs: 0 }, dir);
  const saved = emu;
  emu = first;
  try {
    const r = await volume();
    await diverge(r, { aMiB: 1, bMiB: 2, aRole: 'Primary', bRole: 'Primary' });
    await heal();
    assert.ok(await standAlone(r));
    await first.cleanup();
    emu = await tempEmulator({ resyncMs: 0 }, dir);
    assert.ok(await standAlone(r), 'still StandAlone after the restart');
    assert.is(await bytes('node-a', r), 'A..');
    assert.is(await bytes('node-b', r), 'BB.');
    await emu.cleanup();
  } finally {
    emu = saved;
    await rm(dir, { recursive: true, force: true });
  }
});

test('control API: partition validation names the node', async () => {
  const bad = await emu.api('POST', '/emulator/partition', { groups: [['node-a'], ['node-z']] });
  assert.is(bad.status, 400);
  assert.match(bad.text, /node 'node-z' not found/);
  const twice = await emu.api('POST', '/emulator/partition', { groups: [['node-a'], ['node-a']] });
  assert.match(twice.text, /in two groups/);
  assert.is((await emu.api('DELETE', '/emulator/partition')).status, 200);
});

test.run();
