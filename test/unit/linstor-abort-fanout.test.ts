import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getEventListeners } from 'node:events';
import { onAbort } from '../../src/linstor/abort-fanout.js';

test('many subscribers share one listener, which goes with the last one', () => {
  const ctl = new AbortController();
  const offs = Array.from({ length: 50 }, () => onAbort(ctl.signal, () => undefined));
  assert.is(getEventListeners(ctl.signal, 'abort').length, 1);
  for (const off of offs.slice(1)) off();
  assert.is(getEventListeners(ctl.signal, 'abort').length, 1);
  offs[0]?.();
  assert.is(getEventListeners(ctl.signal, 'abort').length, 0);
  // a fresh subscription after that works again
  let called = 0;
  onAbort(ctl.signal, () => called++);
  ctl.abort();
  assert.is(called, 1);
});

test('abort calls every current subscriber once, not the unsubscribed ones', () => {
  const ctl = new AbortController();
  const calls: string[] = [];
  onAbort(ctl.signal, () => calls.push('a'));
  const offB = onAbort(ctl.signal, () => calls.push('b'));
  onAbort(ctl.signal, () => calls.push('c'));
  offB();
  ctl.abort();
  ctl.abort();
  assert.equal(calls.sort(), ['a', 'c']);
  assert.is(getEventListeners(ctl.signal, 'abort').length, 0);
});

test('an already aborted signal calls back (asynchronously)', async () => {
  const ctl = new AbortController();
  ctl.abort();
  let called = false;
  onAbort(ctl.signal, () => (called = true));
  assert.is(called, false);
  await Promise.resolve();
  assert.is(called, true);
});

test.run();
