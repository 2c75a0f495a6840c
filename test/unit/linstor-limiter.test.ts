import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEventListeners } from 'node:events';
import { Limiter } from '../../src/linstor/limiter.js';

test('queued waiters on one signal: no listener warning, none left once served, abort rejects the rest', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    const limiter = new Limiter(1);
    const ctl = new AbortController();
    await limiter.acquire(ctl.signal);
    const waiting = Array.from({ length: 30 }, () => limiter.acquire(ctl.signal).then(() => 'served', () => 'rejected'));
    assert.is(getEventListeners(ctl.signal, 'abort').length, 30);
    limiter.release();
    await Promise.resolve();
    assert.is(getEventListeners(ctl.signal, 'abort').length, 29, 'the served waiter dropped its listener');
    ctl.abort(new Error('stop'));
    const outcomes = await Promise.all(waiting);
    assert.is(outcomes.filter((o) => o === 'served').length, 1);
    assert.is(outcomes.filter((o) => o === 'rejected').length, 29);
    assert.is(limiter.queued, 0);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
});

test('an already aborted signal is refused without queueing', async () => {
  const limiter = new Limiter(1);
  const ctl = new AbortController();
  ctl.abort(new Error('gone'));
  await limiter.acquire(ctl.signal).then(
    () => assert.unreachable('acquired'),
    (e: Error) => assert.is(e.message, 'gone'),
  );
  assert.is(limiter.queued, 0);
});

test.run();
