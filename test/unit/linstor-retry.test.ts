import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { backoffDelay, isTransientStatus, mayResend } from '../../src/linstor/retry.js';
import { Limiter } from '../../src/linstor/limiter.js';
import { HttpTransport } from '../../src/linstor/transport.js';
import { LinstorUnavailableError } from '../../src/linstor/errors.js';
import { FAIL_EXISTS_RSC_DFN, FAIL_UNKNOWN_ERROR, makeRetCode, MASK_CRT, MASK_RSC_DFN } from '../../src/linstor/apicallrc.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Clock } from '../../src/util/clock.js';

/** A clock whose sleeps return at once and are recorded. */
function fakeClock(): Clock & { sleeps: number[] } {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** A port on 127.0.0.1 with nothing listening (connection refused). */
async function deadPort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };

test('backoff is exponential, capped, with jitter in [half, full]', () => {
  assert.is(backoffDelay(1, policy, () => 0), 50);
  assert.is(backoffDelay(1, policy, () => 0.999999), 100);
  assert.is(backoffDelay(2, policy, () => 0), 100);
  assert.is(backoffDelay(3, policy, () => 0.5), 300);
  assert.is(backoffDelay(10, policy, () => 0), 500);
  assert.is(backoffDelay(10, policy, () => 0.999999), 1000);
  for (let a = 1; a < 8; a++) {
    const d = backoffDelay(a, policy);
    const full = Math.min(1000, 100 * 2 ** (a - 1));
    assert.ok(d >= full / 2 && d <= full, `attempt ${a}: ${d}`);
  }
});

test('what may be resent', () => {
  assert.ok(mayResend('not-sent', false), 'a write that never left may be resent');
  assert.ok(mayResend('maybe-sent', true), 'a read may be resent');
  assert.not.ok(mayResend('maybe-sent', false), 'a write that may have arrived is never blindly resent');
});

test('transient statuses: gateway errors and unhandled exceptions, not LINSTOR verdicts', () => {
  assert.ok(isTransientStatus(503, undefined));
  assert.ok(isTransientStatus(500, undefined));
  assert.ok(isTransientStatus(500, [{ ret_code: makeRetCode(FAIL_UNKNOWN_ERROR), message: 'boom' }]));
  assert.not.ok(isTransientStatus(500, [{ ret_code: makeRetCode(FAIL_EXISTS_RSC_DFN, MASK_CRT, MASK_RSC_DFN), message: 'dup' }]));
  assert.not.ok(isTransientStatus(404, undefined));
  assert.not.ok(isTransientStatus(200, undefined));
});

test('connection refused everywhere: retries with backoff on the fake clock, then Unavailable', async () => {
  const clock = fakeClock();
  const p1 = await deadPort();
  const p2 = await deadPort();
  const t = new HttpTransport(
    { endpoints: [`http://127.0.0.1:${p1}`, `http://127.0.0.1:${p2}`], retries: 3, retryBaseDelayMs: 100, retryMaxDelayMs: 10_000 },
    { clock, logger: silentLogger(), random: () => 0 },
  );
  let err: unknown;
  try {
    await t.send({ method: 'POST', path: '/v1/resource-definitions', body: {}, idempotent: false });
  } catch (e) {
    err = e;
  }
  t.close();
  assert.instance(err, LinstorUnavailableError);
  const u = err as LinstorUnavailableError;
  assert.is(u.failures.length, 2);
  assert.ok(u.failures.every((f) => f.reason === 'ECONNREFUSED'), JSON.stringify(u.failures));
  assert.not.ok(u.outcomeUnknown, 'nothing was sent');
  // a refused write is safe to resend: 3 retries after the first round, delays 50, 100, 200 (random=0)
  assert.equal(clock.sleeps, [50, 100, 200]);
});

test('limiter bounds concurrency and serves waiters in order; abort leaves the queue', async () => {
  const l = new Limiter(2);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  const job = (i: number) =>
    l.run(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      active--;
    });
  await Promise.all([0, 1, 2, 3, 4].map(job));
  assert.is(peak, 2);
  assert.equal(order.slice().sort(), [0, 1, 2, 3, 4]);
  await l.acquire();
  await l.acquire();
  const ac = new AbortController();
  const waiting = l.acquire(ac.signal);
  assert.is(l.queued, 1);
  ac.abort(new Error('stop'));
  await waiting.then(
    () => assert.unreachable('should reject'),
    (e: unknown) => assert.match(String(e), /stop/),
  );
  assert.is(l.queued, 0);
  l.release();
  l.release();
  assert.is(l.inFlight, 0);
  assert.throws(() => new Limiter(0));
});

test.run();
