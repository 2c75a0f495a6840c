import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { actorNodeId, decide, replicasHealthy, trackLost, type Action, type Plan } from '../../src/ha/decide.js';
import { cluster, ctx, lostA, node, pod, SETTINGS, status, T0 } from './ha-fixtures.js';

const kinds = (p: Plan): string[] => p.actions.filter((a) => a.kind !== 'event').map((a) => a.kind);
const events = (p: Plan): Extract<Action, { kind: 'event' }>['event'][] => p.actions.flatMap((a) => (a.kind === 'event' ? [a.event] : []));
const only = (p: Plan) => p.verdicts.filter((v) => v.peer === 'node-a');

test('a connected peer is healthy: nothing to do', () => {
  const st = status('pvc-1', { id: 1, peers: [{ name: 'node-a', id: 0 }, { name: 'node-c', id: 2, client: true }] });
  const p = decide([st], cluster(), ctx(60_000, []));
  assert.equal(p.actions, []);
  assert.is(only(p)[0]?.outcome, 'healthy');
});

test('a peer lost for less than the timeout: waiting, no action (a blip)', () => {
  const p = decide([lostA()], cluster(), ctx(4999));
  assert.equal(p.actions, []);
  assert.is(only(p)[0]?.outcome, 'waiting');
});

test('lost past the timeout, node not Ready: taint, pod deleted with grace 0, VolumeAttachment deleted, Events on pod and PVC', () => {
  const p = decide([lostA()], cluster(), ctx(5000));
  assert.equal(kinds(p), ['taint', 'delete-pod', 'delete-attachment']);
  assert.equal(p.actions[0], { kind: 'taint', node: 'node-a' });
  const del = p.actions.find((a) => a.kind === 'delete-pod');
  assert.equal(del, { kind: 'delete-pod', pod: { namespace: 'default', name: 'web-0', uid: 'uid-web-0' }, node: 'node-a' });
  assert.equal(p.actions.find((a) => a.kind === 'delete-attachment'), { kind: 'delete-attachment', name: 'csi-va-1', uid: 'uid-va-1', node: 'node-a' });
  const ev = events(p);
  assert.ok(ev.some((e) => e.target.kind === 'Pod' && e.reason === 'FailoverEvicted' && /grace period 0/.test(e.message)));
  assert.ok(ev.some((e) => e.target.kind === 'PersistentVolumeClaim' && e.reason === 'FailoverEvicted'));
  assert.ok(ev.some((e) => e.target.kind === 'PersistentVolumeClaim' && e.reason === 'FailoverDetached' && /csi-va-1/.test(e.message)));
  assert.is(only(p)[0]?.outcome, 'failover');
});

test('lost past the timeout, node still Ready: the Eviction API is used', () => {
  const p = decide([lostA()], cluster({ nodes: [node('node-a', true), node('node-b', true)] }), ctx(6000));
  assert.equal(kinds(p), ['taint', 'evict', 'delete-attachment']);
  assert.ok(events(p).some((e) => /evicted \(node Ready\)/.test(e.message)));
});

test('an evicted pod still terminating on a Ready node is left to its kubelet; on a dead node it is force-deleted', () => {
  const ready = decide([lostA()], cluster({ pods: [pod('web-0', { deleting: true })], nodes: [node('node-a', true)] }), ctx(6000));
  assert.equal(kinds(ready), ['taint', 'delete-attachment']);
  const dead = decide([lostA()], cluster({ pods: [pod('web-0', { deleting: true })] }), ctx(6000));
  assert.equal(kinds(dead), ['taint', 'delete-pod', 'delete-attachment']);
});

test('a node already tainted is not tainted again; taints off: never tainted', () => {
  const p = decide([lostA()], cluster({ nodes: [node('node-a', false, true)] }), ctx(6000));
  assert.equal(kinds(p), ['delete-pod', 'delete-attachment']);
  const off = decide([lostA()], cluster(), ctx(6000, ['pvc-1'], { settings: { ...SETTINGS, taints: false } }));
  assert.equal(kinds(off), ['delete-pod', 'delete-attachment']);
});

test('one taint per node even when it lost several volumes', () => {
  const snap = cluster({ extraVolumes: ['pvc-2'], pods: [pod('web-0', { claims: [{ claimName: 'data', readOnly: false }, { claimName: 'extra-0', readOnly: false }] })] });
  const p = decide([lostA('pvc-1'), lostA('pvc-2')], snap, ctx(6000, ['pvc-1', 'pvc-2']));
  assert.is(kinds(p).filter((k) => k === 'taint').length, 1);
});

test('2 replicas and no tie-breaker: refused (no quorum possible), with an Event saying why on the PVC and the pod', () => {
  const st = status('pvc-1', { id: 1, quorum: false, peers: [{ name: 'node-a', id: 0, state: 'Connecting' }] });
  const p = decide([st], cluster(), ctx(60_000));
  assert.equal(kinds(p), []);
  const v = only(p)[0];
  assert.is(v?.outcome, 'refused');
  assert.is(v?.code, 'no-tie-breaker');
  const ev = events(p);
  assert.ok(ev.some((e) => e.target.kind === 'PersistentVolumeClaim' && e.reason === 'FailoverRefused' && /no tie-breaker/.test(e.message)));
  assert.ok(ev.some((e) => e.target.kind === 'Pod' && e.reason === 'FailoverRefused'));
});

test('no quorum on this node: refused', () => {
  const p = decide([lostA('pvc-1', { quorum: false })], cluster(), ctx(60_000));
  assert.equal(kinds(p), []);
  assert.is(only(p)[0]?.code, 'no-quorum');
});

test('IO suspended on this node: refused', () => {
  const p = decide([lostA('pvc-1', { suspended: true })], cluster(), ctx(60_000));
  assert.equal(kinds(p), []);
  assert.is(only(p)[0]?.code, 'suspended');
});

test('a node cut off from every peer refuses quietly (log only): it is most likely the lost one', () => {
  const st = status('pvc-1', { id: 0, quorum: false, peers: [{ name: 'node-b', id: 1, state: 'Connecting' }, { name: 'node-c', id: 2, state: 'Connecting' }] });
  const p = decide([st], cluster({ pods: [pod('web-0', { nodeName: 'node-b' })] }), ctx(60_000, [], { localNode: 'node-a', lostSince: new Map([['pvc-1/node-b', T0]]) }));
  assert.equal(p.actions, []);
  const v = p.verdicts.find((x) => x.peer === 'node-b');
  assert.is(v?.code, 'no-quorum');
  assert.match(v?.message ?? '', /reaches no peer/);
});

test('quorum off in DRBD but only 1 of 3 replicas reachable: refused, the lost node may still write', () => {
  const st = status('pvc-1', { id: 1, peers: [{ name: 'node-a', id: 0, state: 'Connecting' }, { name: 'node-c', id: 2, state: 'Connecting' }] });
  const p = decide([st], cluster(), ctx(60_000, ['pvc-1']));
  assert.equal(kinds(p), []);
  assert.is(only(p)[0]?.code, 'no-majority');
});

test('no UpToDate data reachable (local Outdated, the tie-breaker diskless): refused', () => {
  const p = decide([lostA('pvc-1', { disk: 'Outdated' })], cluster(), ctx(60_000));
  assert.equal(kinds(p), []);
  assert.is(only(p)[0]?.code, 'no-up-to-date-data');
});

test('the opt-out annotation: nothing happens, not even a taint or an Event', () => {
  const p = decide([lostA()], cluster({ pods: [pod('web-0', { annotations: { 'drbd.linbit.com/ignore-fail-over': '' } })] }), ctx(60_000));
  assert.equal(p.actions, []);
  assert.is(only(p)[0]?.code, 'opt-out');
  const custom = decide([lostA()], cluster({ pods: [pod('web-0', { annotations: { 'example.com/stay': 'yes' } })] }), ctx(60_000, ['pvc-1'], { settings: { ...SETTINGS, optOutAnnotation: 'example.com/stay' } }));
  assert.equal(custom.actions, []);
});

test('a pod without an owner is not deleted (nothing would recreate it): refused with Events, attachment kept', () => {
  const p = decide([lostA()], cluster({ pods: [pod('web-0', { ownerKinds: [] })] }), ctx(60_000));
  assert.equal(kinds(p), []);
  assert.ok(events(p).some((e) => e.target.kind === 'Pod' && /no owner/.test(e.message)));
});

test('a pod whose other volume is still connected to the lost node is not moved', () => {
  const podTwo = pod('web-0', { claims: [{ claimName: 'data', readOnly: false }, { claimName: 'extra-0', readOnly: false }] });
  const other = status('pvc-2', { id: 1, peers: [{ name: 'node-a', id: 0 }, { name: 'node-c', id: 2, client: true }] });
  const p = decide([lostA(), other], cluster({ extraVolumes: ['pvc-2'], pods: [podTwo] }), ctx(60_000));
  assert.equal(kinds(p), []);
  assert.ok(events(p).some((e) => e.target.kind === 'Pod' && /pv-x0 is still connected to node-a/.test(e.message)));
});

test('a pod whose other volume has no replica here cannot be checked: not moved', () => {
  const podTwo = pod('web-0', { claims: [{ claimName: 'data', readOnly: false }, { claimName: 'extra-0', readOnly: false }] });
  const p = decide([lostA()], cluster({ extraVolumes: ['pvc-2'], pods: [podTwo] }), ctx(60_000));
  assert.equal(kinds(p), []);
  assert.ok(events(p).some((e) => /no replica on node-b/.test(e.message)));
});

test('a pod whose volumes are all lost is moved once for all of them', () => {
  const podTwo = pod('web-0', { claims: [{ claimName: 'data', readOnly: false }, { claimName: 'extra-0', readOnly: false }] });
  const p = decide([lostA('pvc-1'), lostA('pvc-2')], cluster({ extraVolumes: ['pvc-2'], pods: [podTwo] }), ctx(60_000, ['pvc-1', 'pvc-2']));
  assert.ok(kinds(p).includes('delete-pod'));
});

test('split brain (a StandAlone connection): never fails over, a SplitBrain Event on the PVC', () => {
  const st = status('pvc-1', { id: 1, peers: [{ name: 'node-a', id: 0, state: 'StandAlone' }, { name: 'node-c', id: 2, client: true }] });
  const p = decide([st], cluster(), ctx(60_000));
  assert.equal(kinds(p), []);
  const ev = events(p);
  assert.is(ev.length, 1);
  assert.is(ev[0]?.reason, 'SplitBrain');
  assert.is(ev[0]?.target.kind, 'PersistentVolumeClaim');
  assert.match(ev[0]?.message ?? '', /split brain between nodes node-b and node-a/);
});

test('a split-brain hook vetoes failover even where the StandAlone rule sees nothing', () => {
  const p = decide([lostA()], cluster(), ctx(60_000, ['pvc-1'], { splitBrain: () => ({ peers: ['node-a'], message: 'split brain between node-a and node-b' }) }));
  assert.equal(kinds(p), []);
  assert.ok(events(p).some((e) => e.reason === 'SplitBrain'));
});

test('exactly one agent acts: the lowest node id that could become Primary', () => {
  // Three diskful replicas: node-b (id 1) and node-c (id 2) both see node-a lost; only node-b acts.
  const b = status('pvc-1', { id: 1, peers: [{ name: 'node-a', id: 0, state: 'Connecting' }, { name: 'node-c', id: 2 }] });
  const c = status('pvc-1', { id: 2, peers: [{ name: 'node-a', id: 0, state: 'Connecting' }, { name: 'node-b', id: 1 }] });
  assert.is(actorNodeId(b), 1);
  assert.is(actorNodeId(c), 1);
  assert.ok(kinds(decide([b], cluster(), ctx(60_000))).includes('delete-pod'));
  const fromC = decide([c], cluster(), ctx(60_000, ['pvc-1'], { localNode: 'node-c' }));
  assert.equal(fromC.actions, []);
  assert.is(fromC.verdicts.find((v) => v.peer === 'node-a')?.outcome, 'not-actor');
  // The diskless tie-breaker defers to the diskful replica.
  const tb = status('pvc-1', { id: 0, client: true, peers: [{ name: 'node-a', id: 3, state: 'Connecting' }, { name: 'node-b', id: 1 }] });
  assert.is(actorNodeId(tb), 1);
});

test('a PV of another driver, or none: skipped, nothing touched', () => {
  const p = decide([lostA()], cluster({ driver: 'other.csi.example.com' }), ctx(60_000));
  assert.equal(p.actions, []);
  assert.is(p.verdicts[0]?.outcome, 'skipped');
});

test('a read-only user on the lost node does not trigger eviction, the attachment still goes', () => {
  const p = decide([lostA()], cluster({ pods: [pod('reader', { claims: [{ claimName: 'data', readOnly: true }] })] }), ctx(60_000));
  assert.equal(kinds(p), ['taint', 'delete-attachment']);
});

test('an attachment already being deleted is not deleted again; no users, no attachment: healthy', () => {
  const p = decide([lostA()], cluster({ pods: [], vaDeleting: true }), ctx(60_000));
  assert.equal(p.actions, []);
});

test('finished pods are ignored; pods on this node are not failed over', () => {
  const p = decide([lostA()], cluster({ pods: [pod('job', { finished: true }), pod('here', { nodeName: 'node-b' })], vaDeleting: true }), ctx(60_000));
  assert.equal(p.actions, []);
});

test('a suspended local Primary whose pod is gone is demoted (drbdsetup secondary --force)', () => {
  const st = status('pvc-1', { id: 0, role: 'Primary', suspended: true, quorum: false, peers: [{ name: 'node-b', id: 1, state: 'Connecting' }, { name: 'node-c', id: 2, state: 'Connecting' }] });
  const gone = decide([st], cluster({ pods: [], vaDeleting: true }), ctx(60_000, [], { localNode: 'node-a' }));
  assert.equal(kinds(gone), ['demote']);
  assert.ok(events(gone).some((e) => e.reason === 'FailoverDemoted'));
  const terminating = decide([st], cluster({ pods: [pod('web-0', { deleting: true })], vaDeleting: true }), ctx(60_000, [], { localNode: 'node-a' }));
  assert.equal(kinds(terminating), ['demote']);
  const stillHere = decide([st], cluster({ vaDeleting: true }), ctx(60_000, [], { localNode: 'node-a' }));
  assert.equal(kinds(stillHere), []);
  const healthyPrimary = status('pvc-1', { id: 0, role: 'Primary', peers: [{ name: 'node-b', id: 1 }] });
  assert.equal(kinds(decide([healthyPrimary], cluster({ pods: [], vaDeleting: true }), ctx(0, [], { localNode: 'node-a' }))), []);
});

test('the taint goes once this node\'s replicas are connected and UpToDate again', () => {
  const snap = cluster({ pods: [], vaDeleting: true, nodes: [node('node-a', true, true)] });
  const healthy = status('pvc-1', { id: 0, peers: [{ name: 'node-b', id: 1 }, { name: 'node-c', id: 2, client: true }] });
  assert.equal(kinds(decide([healthy], snap, ctx(0, [], { localNode: 'node-a' }))), ['untaint']);
  const resyncing = status('pvc-1', { id: 0, disk: 'Outdated', peers: [{ name: 'node-b', id: 1 }, { name: 'node-c', id: 2, client: true }] });
  assert.equal(kinds(decide([resyncing], snap, ctx(0, [], { localNode: 'node-a' }))), []);
  const stillLost = status('pvc-1', { id: 0, peers: [{ name: 'node-b', id: 1, state: 'Connecting' }, { name: 'node-c', id: 2, client: true }] });
  assert.equal(kinds(decide([stillLost], snap, ctx(0, [], { localNode: 'node-a' }))), []);
  assert.equal(kinds(decide([healthy], snap, ctx(0, [], { localNode: 'node-a', settings: { ...SETTINGS, taints: false } }))), []);
  assert.is(replicasHealthy([]), true);
});

test('trackLost: the first sighting starts the timer, a reconnect (blip) resets it', () => {
  const lost = lostA();
  const t1 = trackLost(new Map(), [lost], T0);
  assert.is(t1.get('pvc-1/node-a'), T0);
  const t2 = trackLost(t1, [lost], T0 + 3000);
  assert.is(t2.get('pvc-1/node-a'), T0);
  const back = status('pvc-1', { id: 1, peers: [{ name: 'node-a', id: 0 }, { name: 'node-c', id: 2, client: true }] });
  const t3 = trackLost(t2, [back], T0 + 4000);
  assert.is(t3.has('pvc-1/node-a'), false);
  const t4 = trackLost(t3, [lost], T0 + 4500);
  assert.is(t4.get('pvc-1/node-a'), T0 + 4500);
});

test.run();
