import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHaAgent } from '../../src/ha/agent.js';
import type { HaDrbd } from '../../src/ha/ports.js';
import { FakeKube } from '../helpers/ha-fake-kube.js';
import { silentLogger } from '../../src/log/logger.js';
import type { DrbdResourceStatus } from '../../src/node-ops/drbd-status.js';
import { cluster, lostA, SETTINGS, status, T0 } from './ha-fixtures.js';

function setup(statuses: () => DrbdResourceStatus[] | Error, snap = cluster()) {
  let now = T0;
  const kube = new FakeKube(snap);
  const demoted: string[] = [];
  const drbd: HaDrbd = {
    async statusAll() {
      const s = statuses();
      if (s instanceof Error) throw s;
      return s;
    },
    async forceSecondary(r) {
      demoted.push(r);
    },
  };
  const agent = createHaAgent({
    nodeName: 'node-b',
    settings: SETTINGS,
    pollIntervalMs: 500,
    kube,
    drbd,
    clock: { now: () => now, sleep: async () => undefined },
    log: silentLogger(),
  });
  return { agent, kube, demoted, advance: (ms: number) => (now += ms) };
}

test('the timer runs from the first pass that sees the peer down; actions happen once, after the timeout', async () => {
  const s = setup(() => [lostA()]);
  await s.agent.pass();
  assert.equal(s.kube.calls, []);
  s.advance(4000);
  await s.agent.pass();
  assert.equal(s.kube.calls, []);
  s.advance(1000);
  await s.agent.pass();
  assert.equal(s.kube.calls, ['taint node-a drbd.linbit.com/lost-quorum', 'delete-pod web-0', 'delete-va csi-va-1']);
  // The informers have not caught up yet: no repeat within the guard window.
  await s.agent.pass();
  assert.is(s.kube.calls.length, 3);
});

test('a blip shorter than the timeout restarts the timer', async () => {
  let lost = true;
  const back = status('pvc-1', { id: 1, peers: [{ name: 'node-a', id: 0 }, { name: 'node-c', id: 2, client: true }] });
  const s = setup(() => [lost ? lostA() : back]);
  await s.agent.pass();
  s.advance(4000);
  lost = false;
  await s.agent.pass();
  lost = true;
  s.advance(500);
  await s.agent.pass();
  s.advance(4600);
  await s.agent.pass();
  assert.equal(s.kube.calls, []);
  s.advance(400);
  await s.agent.pass();
  assert.ok(s.kube.calls.includes('delete-va csi-va-1'));
});

test('unreadable DRBD output: nothing is done, and the agent carries on when it is readable again', async () => {
  let bad = true;
  const s = setup(() => (bad ? new Error('cannot read drbdsetup status --json: not JSON') : [lostA()]));
  assert.is(await s.agent.pass(), undefined);
  s.advance(10_000);
  assert.is(await s.agent.pass(), undefined);
  assert.equal(s.kube.calls, []);
  bad = false;
  await s.agent.pass(); // the loss is first seen now: the timer starts here, not at the first failed read
  assert.equal(s.kube.calls, []);
  s.advance(5000);
  await s.agent.pass();
  assert.ok(s.kube.calls.includes('delete-pod web-0'));
});

test('informers not synced: no action even past the timeout', async () => {
  const s = setup(() => [lostA()]);
  s.kube.isSynced = false;
  await s.agent.pass();
  s.advance(60_000);
  assert.is(await s.agent.pass(), undefined);
  assert.equal(s.kube.calls, []);
  s.kube.isSynced = true;
  await s.agent.pass();
  assert.is(s.kube.calls.length, 3);
});

test('API server down: calls fail, are logged, and are retried on a later pass', async () => {
  const s = setup(() => [lostA()]);
  await s.agent.pass();
  s.advance(6000);
  s.kube.failing = true;
  await s.agent.pass();
  assert.equal(s.kube.calls, []);
  s.kube.failing = false;
  s.advance(100);
  await s.agent.pass();
  assert.equal(s.kube.calls, ['taint node-a drbd.linbit.com/lost-quorum', 'delete-pod web-0', 'delete-va csi-va-1']);
});

test('a refusal Event is emitted once, not on every pass', async () => {
  const twoReplicas = status('pvc-1', { id: 1, quorum: false, peers: [{ name: 'node-a', id: 0, state: 'Connecting' }] });
  const s = setup(() => [twoReplicas]);
  await s.agent.pass();
  s.advance(6000);
  await s.agent.pass();
  s.advance(1000);
  await s.agent.pass();
  s.advance(1000);
  await s.agent.pass();
  const refused = s.kube.events.filter((e) => e.reason === 'FailoverRefused');
  assert.is(refused.length, 2); // one on the PVC, one on the pod
  assert.equal(s.kube.calls, []);
});

test('a local suspended Primary whose pod is gone is demoted through the DRBD port', async () => {
  const st = status('pvc-1', { id: 1, role: 'Primary', suspended: true, quorum: false, peers: [{ name: 'node-a', id: 0, state: 'Connecting' }, { name: 'node-c', id: 2, state: 'Connecting' }] });
  const s = setup(() => [st], cluster({ pods: [], vaDeleting: true }));
  await s.agent.pass();
  assert.equal(s.demoted, ['pvc-1']);
});

test.run();
