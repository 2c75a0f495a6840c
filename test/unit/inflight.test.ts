import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InFlight } from '../../src/csi/inflight.js';
import { Code, CsiError } from '../../src/csi/errors.js';

test('a second concurrent call on the same key is ABORTED; other keys proceed', async () => {
  const g = new InFlight();
  let release!: () => void;
  const first = g.run('vol-1', () => new Promise<string>((r) => (release = () => r('first'))));
  let err: unknown;
  try {
    await g.run('vol-1', async () => 'second');
  } catch (e) {
    err = e;
  }
  assert.instance(err, CsiError);
  assert.is((err as CsiError).code, Code.ABORTED);
  assert.match((err as CsiError).message, /vol-1/);
  assert.is(await g.run('vol-2', async () => 'other'), 'other');
  release();
  assert.is(await first, 'first');
  assert.is(g.size, 0);
  assert.is(await g.run('vol-1', async () => 'again'), 'again', 'the key is free once the first call ends');
});

test('the key is released when the operation throws', async () => {
  const g = new InFlight();
  await g.run('k', async () => {
    throw new Error('boom');
  }).catch(() => undefined);
  assert.not.ok(g.has('k'));
});

test('several keys are taken together (e.g. a name and a source volume)', async () => {
  const g = new InFlight();
  let release!: () => void;
  const p = g.run(['snap-a', 'vol-1'], () => new Promise<void>((r) => (release = r)));
  await assert.not.throws(() => g.run('snap-b', async () => undefined));
  let code: number | undefined;
  await g.run(['snap-c', 'vol-1'], async () => undefined).catch((e: CsiError) => (code = e.code));
  assert.is(code, Code.ABORTED);
  release();
  await p;
});

test.run();
