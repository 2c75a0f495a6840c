// The CLI as a user runs it: flags, exit codes, signals, the socket file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startDriver } from '../helpers/driver.js';

let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lcsi-cli-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LS = { LS_CONTROLLERS: 'http://127.0.0.1:9' };

test('--help and --version', async () => {
  const help = await runCli(['--help']);
  assert.is(help.code, 0);
  for (const cmd of ['serve', 'emulator', 'dev', 'demo', 'ls']) assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
  const serveHelp = await runCli(['serve', '--help']);
  assert.is(serveHelp.code, 0);
  assert.match(serveHelp.stdout, /--csi-endpoint/);
  assert.match(serveHelp.stdout, /LS_CONTROLLERS/);
  const v = await runCli(['--version']);
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.is(v.stdout.trim(), `linstor-csi ${pkg.version}`);
});

test('bad flags exit 2 with a message naming the flag', async () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['serve', '--csi-endpoint', 'foo://x', '--node=a'], LS, /--csi-endpoint.*unix:\/\//],
    [['serve', '--mode', 'bogus', '--node=a'], LS, /--mode must be one of all, controller, node/],
    [['serve', '--mode=controller'], { LS_CONTROLLERS: '' }, /--linstor-endpoint/],
    [['serve', '--node=a', '--frobnicate'], LS, /unknown flag --frobnicate/],
    [['nonsense'], {}, /unknown command "nonsense"/],
  ];
  for (const [args, env, re] of cases) {
    const r = await runCli(args, env);
    assert.is(r.code, 2, `${args.join(' ')} exits 2`);
    assert.match(r.stderr, re);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('SIGTERM and SIGINT remove the socket and exit 0', async () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const sock = join(dir, `${sig}.sock`);
    const drv = await startDriver({ args: [`--csi-endpoint=unix://${sock}`, '--node=a'], env: LS, dir });
    assert.is((await stat(sock)).mode & 0o777, 0o660, 'socket mode restricted');
    await drv.identity.GetPluginInfo({});
    const code = await drv.stop(sig);
    assert.is(code, 0);
    assert.not.ok(existsSync(sock), 'socket removed');
  }
});

test('a stale socket is replaced; a regular file at the socket path is refused', async () => {
  const sock = join(dir, 'csi.sock');
  // A crashed run leaves its socket file behind with nobody listening.
  execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', sock]);
  assert.ok((await stat(sock)).isSocket());
  const drv = await startDriver({ args: [`--csi-endpoint=unix://${sock}`, '--node=a'], env: LS, dir });
  const info = await drv.identity.GetPluginInfo({});
  assert.is(info.name, 'linstor.csi.linbit.com');
  assert.is(await drv.stop(), 0);

  const file = join(dir, 'data.txt');
  await writeFile(file, 'keep me');
  const r = await runCli(['serve', `--csi-endpoint=unix://${file}`, '--node=a'], LS);
  assert.is(r.code, 1);
  assert.match(r.stderr, /not a socket/);
  assert.is(await readFile(file, 'utf8'), 'keep me');
});

test.run();
