// `linstor-csi dev`: one command, emulator + driver wired together; clean stop on SIGTERM/SIGINT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csiClient } from '../../src/cli/demo/csi-client.js';
import { CLI, runCli } from '../helpers/driver.js';
import { eventually, volumeRequest } from './harness.js';

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
