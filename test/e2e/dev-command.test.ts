// `linstor-csi dev`: one command, emulator + driver wired together; clean stop on SIGTERM/SIGINT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csiClient } from '../../src/cli/demo/csi-client.js';
import { CLI, runCli } from '../helpers/driver.js';
import { mountsUnder, unmountUnder } from '../helpers/emulated-cluster.js';
import { blockCap, eventually, mountCap, volumeRequest } from './harness.js';

const FROM_SOURCE = { LINSTOR_CSI_FROM_SOURCE: '1' };

let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lcsi-dev-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

function loopsUnder(path: string): string[] {
  return execFileSync('losetup', ['-a'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(path));
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`serves every service for node-a and node-b, stops cleanly on ${signal}`, async () => {
    const sock = join(dir, 'csi.sock');
    const child = spawn(process.execPath, [CLI, 'dev', '--state-dir', join(dir, 'state'), '--csi-endpoint', `unix://${sock}`, '--node', 'node-a', '--node', 'node-b'], {
      env: { ...process.env, ...FROM_SOURCE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      await eventually('dev to be ready', async () => (out.includes('ready') ? true : undefined), 30_000);
      assert.match(out, /LINSTOR emulator\s+http:\/\/127\.0\.0\.1:\d+/, 'prints the emulator URL');
      assert.ok(out.includes(`unix://${sock}`), 'prints the socket');
      const sockB = join(dir, 'csi-node-b.sock');
      assert.ok(out.includes(`unix://${sockB}`), 'prints node-b\'s socket');

      const a = csiClient(`unix://${sock}`);
      const b = csiClient(`unix://${sockB}`);
      assert.is((await a.identity.Probe({})).ready?.value, true, 'ready: LINSTOR reachable');
      assert.is((await a.node.NodeGetInfo({})).node_id, 'node-a');
      assert.is((await b.node.NodeGetInfo({})).node_id, 'node-b');
      const v = await a.controller.CreateVolume(volumeRequest('pvc-dev', { replicas: 2 }));
      assert.is(v.volume?.volume_id, 'pvc-dev');
      assert.ok(loopsUnder(join(dir, 'state')).length > 0, 'the volume is a loop device');
      a.close();
      b.close();

      child.kill(signal);
      assert.is(await exited, 0, `exit 0 on ${signal}`);
      assert.match(out, /stopped \(sockets removed, loop devices detached\)/);
      assert.not.ok(existsSync(sock), 'socket removed');
      assert.not.ok(existsSync(sockB), 'node-b socket removed');
      assert.equal(loopsUnder(join(dir, 'state')), [], 'loop devices detached');
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\nstdout:\n${out}\nstderr:\n${err.slice(-3000)}`);
    }
  });
}

test('stopping with volumes still staged and published (filesystem, block, read-only) leaves no mount, loop device or read-only flag behind', async () => {
  const sock = join(dir, 'csi.sock');
  const child = spawn(process.execPath, [CLI, 'dev', '--state-dir', join(dir, 'state'), '--csi-endpoint', `unix://${sock}`, '--kubelet-dir', join(dir, 'kubelet')], {
    env: { ...process.env, ...FROM_SOURCE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const loopDevs: string[] = [];
  try {
    await eventually('dev to be ready', async () => (out.includes('ready') ? true : undefined), 30_000);
    const a = csiClient(`unix://${sock}`);
    const cases = [
      { name: 'pvc-left-fs', cap: mountCap() },
      { name: 'pvc-left-blk', cap: blockCap() },
      { name: 'pvc-left-ro', cap: blockCap('MULTI_NODE_READER_ONLY') },
    ];
    for (const c of cases) {
      const rw = c.name === 'pvc-left-ro' ? blockCap() : c.cap;
      const v = await a.controller.CreateVolume({ ...volumeRequest(c.name, { replicas: 2 }), volume_capabilities: [rw, c.cap] });
      const volume_context = v.volume?.volume_context ?? {};
      await a.controller.ControllerPublishVolume({ volume_id: c.name, node_id: 'node-a', volume_capability: c.cap, readonly: false, volume_context });
      const staging = join(dir, 'kubelet', c.name, 'staging');
      await mkdir(staging, { recursive: true });
      await a.node.NodeStageVolume({ volume_id: c.name, staging_target_path: staging, volume_capability: c.cap, volume_context });
      await a.node.NodePublishVolume({ volume_id: c.name, staging_target_path: staging, target_path: join(dir, 'kubelet', c.name, 'target'), volume_capability: c.cap, readonly: c.name === 'pvc-left-ro', volume_context });
      loopDevs.push(realpathSync(join(dir, 'state', 'nodes', 'node-a', 'dev', 'drbd', 'by-res', c.name, '0')));
    }
    assert.is(mountsUnder(dir).length, 6, 'three volumes staged and published');
    a.close();

    child.kill('SIGTERM');
    assert.is(await exited, 0, 'exit 0 on SIGTERM');
    assert.equal(mountsUnder(dir), [], 'no mount left');
    assert.equal(loopsUnder(join(dir, 'state')), [], 'loop devices detached');
    for (const d of loopDevs) {
      const ro = execFileSync('blockdev', ['--getro', d], { encoding: 'utf8' }).trim();
      assert.is(ro, '0', `${d}: the read-only flag of a read-only stage is cleared`);
    }
  } catch (e) {
    child.kill('SIGKILL');
    unmountUnder(dir);
    throw new Error(`${(e as Error).message}\nstdout:\n${out}\nstderr:\n${err.slice(-3000)}`);
  }
});

test('bad flags exit 2 naming the flag', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['dev'], /--state-dir is required/],
    [['dev', '--state-dir', dir, '--frobnicate'], /unknown flag --frobnicate/],
    [['dev', '--state-dir', dir, '--csi-endpoint', 'foo://x'], /--csi-endpoint/],
    [['dev', '--state-dir', dir, '--pool-size', 'lots'], /--pool-size/],
    [['dev', '--state-dir', join(dir, 's'), '--node', 'node-z', '--csi-endpoint', `unix://${join(dir, 'x.sock')}`], /--node node-z is not a node of the emulated cluster/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args, FROM_SOURCE);
    assert.is(r.code, 2, `${args.join(' ')} exits 2 (${r.stderr})`);
    assert.match(r.stderr, re);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const help = await runCli(['dev', '--help'], FROM_SOURCE);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--state-dir/);
});

test.run();
