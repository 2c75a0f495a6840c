// The CLI tried as a new user would: usage on stderr for a wrong invocation, one-line argument
// errors (every command), NO_COLOR, which flags each serve mode needs, aligned help columns, and `wait` for
// init containers against the emulator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempEmulator } from '../helpers/emulator.js';
import { runCli } from '../helpers/driver.js';

const NO_LINSTOR = { LS_CONTROLLERS: 'http://127.0.0.1:9' };

test('no command: the usage goes to stderr with exit 2, --help to stdout with exit 0', async () => {
  const bare = await runCli([]);
  assert.is(bare.code, 2);
  assert.is(bare.stdout, '', 'nothing on stdout for a wrong invocation');
  assert.match(bare.stderr, /Usage: linstor-csi <command>/);
  const help = await runCli(['--help']);
  assert.is(help.code, 0);
  assert.is(help.stderr, '');
  assert.match(help.stdout, /Usage: linstor-csi <command>/);
});

test('argument errors are one line on stderr, for ls, emulator and serve alike', async () => {
  for (const [args, re] of [
    [['ls', 'bogus'], /^linstor-csi ls: unknown view "bogus" .*--help/],
    [['ls'], /^linstor-csi ls: which view\?/],
    [['ls', 'nodes', '--frob'], /^linstor-csi ls: unknown flag --frob/],
    [['emulator', '--frob'], /^linstor-csi emulator: unknown flag --frob/],
    [['serve', '--frob'], /^linstor-csi serve: unknown flag --frob/],
    [['wait', 'bogus'], /^linstor-csi wait: unknown target "bogus"/],
    [['split-brain', 'bogus'], /^linstor-csi split-brain: unknown command "bogus" .*--help/],
    [['wait', 'node-online'], /^linstor-csi wait: node-online needs the LINSTOR node name/],
  ] as Array<[string[], RegExp]>) {
    const r = await runCli(args, { ...NO_LINSTOR, KUBE_NODE_NAME: '', NODE_NAME: '' });
    assert.is(r.code, 2, `${args.join(' ')} exits 2`);
    assert.is(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    assert.is(r.stderr.trimEnd().split('\n').length, 1, `${args.join(' ')}: one line, got:\n${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('serve --help says which flags each mode requires', async () => {
  const r = await runCli(['serve', '--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /Required flags, by mode:/);
  assert.match(r.stdout, /every mode\s+--linstor-endpoint \(or LS_CONTROLLERS\)/);
  assert.match(r.stdout, /--mode=node, --mode=all\s+--node \(or NODE_NAME/);
  assert.match(r.stdout, /--mode=controller\s+nothing more/);
});

test('every help screen has its second column at one position', async () => {
  for (const cmd of ['serve', 'ls', 'wait', 'split-brain', 'emulator', 'dev', 'demo']) {
    const r = await runCli([cmd, '--help']);
    assert.is(r.code, 0, `${cmd} --help`);
    // Two-column rows: indented, a first column, then two or more spaces before the text.
    const starts = new Set<number>();
    for (const line of r.stdout.split('\n')) {
      const m = /^( {2}\S(?:\S| (?=\S))*)( {2,})\S/.exec(line);
      if (m) starts.add((m[1] as string).length + (m[2] as string).length);
    }
    assert.ok(starts.size > 0, `${cmd} --help has two-column rows`);
    assert.equal([...starts], [[...starts][0]], `${cmd} --help: columns start at ${[...starts].join(', ')}`);
  }
});

test('ls colours states on a terminal only without NO_COLOR', async () => {
  const { runLs } = await import('../../src/cli/ls.js');
  const emu = await tempEmulator({ nodes: ['node-a'] });
  try {
    const run = async (env: Record<string, string>): Promise<string> => {
      let out = '';
      const code = await runLs(['nodes', `--linstor-endpoint=${emu.handle.url}`], env, { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, isTTY: true });
      assert.is(code, 0);
      return out;
    };
    assert.match(await run({}), /\x1b\[/, 'colours on a terminal');
    assert.not.match(await run({ NO_COLOR: '1' }), /\x1b\[/, 'none with NO_COLOR');
    assert.match(await run({ NO_COLOR: '' }), /\x1b\[/, 'an empty NO_COLOR does not count (no-color.org)');
  } finally {
    await emu.cleanup();
  }
});

test('wait node-online returns once LINSTOR reports the node ONLINE; --timeout gives up', async () => {
  const emu = await tempEmulator({ nodes: ['node-a', 'node-b'] });
  try {
    const env = { LS_CONTROLLERS: emu.handle.url };
    const ok = await runCli(['wait', 'node-online', '--node=node-a', '--interval=100ms'], env);
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /node node-a is ONLINE/);
    await emu.handle.control.setNodeOnline('node-b', false);
    const off = await runCli(['wait', 'node-online', '--interval=100ms', '--timeout=1s'], { ...env, KUBE_NODE_NAME: 'node-b' });
    assert.is(off.code, 1);
    assert.match(off.stderr, /LINSTOR reports node node-b OFFLINE/);
    assert.match(off.stderr, /gave up after 1 s/);
    const unknown = await runCli(['wait', 'node-online', '--node=node-z', '--interval=100ms', '--timeout=500ms'], env);
    assert.is(unknown.code, 1);
    assert.match(unknown.stderr, /node node-z is not registered in LINSTOR yet/);
    const api = await runCli(['wait', 'api-online'], env);
    assert.is(api.code, 0);
    // Brought back while waiting: the wait ends.
    const waiting = runCli(['wait', 'node-online', '--node=node-b', '--interval=100ms', '--timeout=20s'], env);
    setTimeout(() => void emu.handle.control.setNodeOnline('node-b', true), 500);
    const back = await waiting;
    assert.is(back.code, 0, back.stderr);
  } finally {
    await emu.cleanup();
  }
});

test.run();
