// `linstor-csi demo`: every step runs over the real sockets and shows what it claims; a step
// whose claim does not hold is a ✘ line and a non-zero exit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { check, StepUi } from '../../src/cli/demo/ui.js';
import { runCli } from '../helpers/driver.js';

test('the whole walk-through passes, prints every step with timing, and leaves nothing behind', async () => {
  const r = await runCli(['demo'], { LINSTOR_CSI_FROM_SOURCE: '1' }, 180_000);
  assert.is(r.code, 0, `demo exit code\n${r.stdout}\n${r.stderr}`);
  const stepLines = r.stdout.split('\n').filter((l) => /^\s+✔\s+\d+\/10/.test(l));
  assert.is(stepLines.length, 10, 'ten ✔ steps');
  for (const l of stepLines) assert.match(l, /\d+(ms|\.\d\ds)\s{2}\S/, `timing and what it showed: ${l}`);
  assert.not.match(r.stdout, /\x1b\[/, 'no colour codes when stdout is not a terminal');
  assert.match(r.stdout, /hello\.txt on node-b: sha256 [0-9a-f]{12} \(same\)/);
  assert.match(r.stdout, /Every step showed what it claimed/);
  assert.not.ok(execFileSync('losetup', ['-a'], { encoding: 'utf8' }).includes('linstor-csi-demo-'), 'no loop devices left');
  assert.not.ok(execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).includes('linstor-csi-demo-'), 'no mounts left');
});

test('a step whose claim fails is a ✘ line with the reason, and the run reports it', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const ui = new StepUi({ out, color: false, spinner: false, titleWidth: 12 }, 2);
  const ok = await ui.step('works', async () => 'shown');
  const bad = await ui.step('claims', async () => {
    check(1 + 1 === 3, 'expected 3, saw 2');
    return 'never';
  });
  assert.is(ok.ok, true);
  assert.is(bad.ok, false);
  assert.is(bad.error, 'expected 3, saw 2');
  assert.match(text, /✔ 1\/2  works\s+\d+ms  shown/);
  assert.match(text, /✘ 2\/2  claims\s+\d+ms  expected 3, saw 2/);
});

test('demo --help and a bad flag', async () => {
  const h = await runCli(['demo', '--help'], { LINSTOR_CSI_FROM_SOURCE: '1' });
  assert.is(h.code, 0);
  assert.match(h.stdout, /--keep/);
  const b = await runCli(['demo', '--bogus'], { LINSTOR_CSI_FROM_SOURCE: '1' });
  assert.is(b.code, 2);
  assert.match(b.stderr, /unknown flag --bogus/);
});

test.run();
