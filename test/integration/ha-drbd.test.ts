// The HA agent's DRBD side for real: `drbdsetup status --json` and `drbdsetup secondary --force`
// run through the node-ops tool layer against each emulated node's stand-ins, while the emulator's
// control API takes a node down, cuts quorum or brings it back. The Kubernetes side is the
// agent's port over a fixed snapshot here; test/k8s proves it against a real API server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHaAgent, type HaAgent } from '../../src/ha/agent.js';
import { DRIVER_NAME, type ClusterSnapshot } from '../../src/ha/model.js';
import { silentLogger } from '../../src/log/logger.js';
import { createNodeOps, type NodeOps } from '../../src/node-ops/index.js';
import { tempEmulator, type TempEmulator } from '../helpers/emulator.js';
import { systemClock } from '../../src/util/clock.js';
import { FakeKube } from '../helpers/ha-fake-kube.js';

const RD = 'pvc-ha-1';
let emu: TempEmulator;
let diskful: string[] = [];
let tieBreaker = '';
const ops = new Map<string, NodeOps>();

test.before(async () => {
  emu = await tempEmulator({ resyncMs: 0 });
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name: RD } })).status, 201);
  await emu.api('POST', `/v1/resource-definitions/${RD}/volume-definitions`, { volume_definition: { size_kib: 65536 } });
  assert.is((await emu.api('POST', `/v1/resource-definitions/${RD}/autoplace`, { select_filter: { place_count: 2 } })).status, 201);
  const rscs = (await emu.api('GET', `/v1/resource-definitions/${RD}/resources`)).body as { node_name: string; flags?: string[] }[];
  diskful = rscs.filter((r) => !(r.flags ?? []).includes('TIE_BREAKER')).map((r) => r.node_name).sort();
  tieBreaker = rscs.find((r) => (r.flags ?? []).includes('TIE_BREAKER'))?.node_name ?? '';
  assert.is(diskful.length, 2);
  assert.ok(tieBreaker, 'LINSTOR adds a tie-breaker to two diskful replicas');
  for (const n of emu.handle.nodes) ops.set(n, createNodeOps({ clock: systemClock, binDirs: [emu.handle.nodeBinDir(n)] }));
});
test.after(async () => {
  await emu.cleanup();
});

function snapshot(owner: string, o: { podOn?: string; taintedNode?: string } = {}): ClusterSnapshot {
  const podOn = o.podOn ?? owner;
  return {
    pods: o.podOn === '' ? [] : [{ namespace: 'default', name: 'db-0', uid: 'uid-db-0', nodeName: podOn, annotations: {}, ownerKinds: ['StatefulSet'], claims: [{ claimName: 'data', readOnly: false }], deleting: false, finished: false }],
    pvs: [{ name: 'pv-ha', uid: 'uid-pv', driver: DRIVER_NAME, volumeHandle: RD, claim: { namespace: 'default', name: 'data' } }],
    pvcs: [{ namespace: 'default', name: 'data', uid: 'uid-pvc', volumeName: 'pv-ha' }],
    attachments: [{ name: 'csi-va-ha', uid: 'uid-va', attacher: DRIVER_NAME, pvName: 'pv-ha', nodeName: owner, deleting: false }],
    nodes: emu.handle.nodes.map((n) => ({ name: n, ready: false, taints: n === o.taintedNode ? [{ key: 'drbd.linbit.com/lost-quorum', effect: 'NoSchedule' }] : [] })),
  };
}

function agentOn(node: string, kube: FakeKube, clock: { now: () => number }): HaAgent {
  const drbd = ops.get(node)?.drbd;
  if (!drbd) throw new Error(`no ops for ${node}`);
  return createHaAgent({
    nodeName: node,
    settings: { failoverTimeoutMs: 5000, taints: true, optOutAnnotation: 'drbd.linbit.com/ignore-fail-over' },
    pollIntervalMs: 500,
    kube,
    drbd,
    clock: { now: clock.now, sleep: async () => undefined },
    log: silentLogger(),
  });
}

test('node loss: the surviving diskful replica fails over after the timeout, the tie-breaker does not act', async () => {
  const [owner, survivor] = diskful as [string, string];
  await ops.get(owner)?.drbd.primary(RD);
  let now = 1_000_000;
  const clock = { now: () => now };
  const kSurvivor = new FakeKube(snapshot(owner));
  const kTb = new FakeKube(snapshot(owner));
  const aSurvivor = agentOn(survivor, kSurvivor, clock);
  const aTb = agentOn(tieBreaker, kTb, clock);

  const healthy = await aSurvivor.pass();
  assert.is(healthy?.verdicts.find((v) => v.peer === owner)?.outcome, 'healthy');
  await emu.handle.control.setNodeOnline(owner, false);
  await aSurvivor.pass();
  await aTb.pass();
  now += 4000;
  const early = await aSurvivor.pass();
  assert.is(early?.verdicts.find((v) => v.peer === owner)?.outcome, 'waiting');
  assert.equal(kSurvivor.calls, []);
  now += 1000;
  await aSurvivor.pass();
  await aTb.pass();
  assert.equal(kSurvivor.calls, [`taint ${owner} drbd.linbit.com/lost-quorum`, 'delete-pod db-0', 'delete-va csi-va-ha']);
  assert.ok(kSurvivor.events.some((e) => e.reason === 'FailoverEvicted' && e.target.kind === 'PersistentVolumeClaim'));
  assert.equal(kTb.calls, [], 'the diskless tie-breaker defers to the diskful survivor');
  assert.equal(kTb.events, []);

  // The node comes back: once connected and UpToDate, its own agent removes the taint.
  await emu.handle.control.setNodeOnline(owner, true);
  const kOwner = new FakeKube(snapshot(owner, { podOn: '', taintedNode: owner }));
  await agentOn(owner, kOwner, clock).pass();
  assert.equal(kOwner.calls, [`untaint ${owner} drbd.linbit.com/lost-quorum`]);
  await ops.get(owner)?.drbd.secondary(RD);
});

test('a blip shorter than the timeout does nothing', async () => {
  const [owner, survivor] = diskful as [string, string];
  let now = 2_000_000;
  const kube = new FakeKube(snapshot(owner));
  const agent = agentOn(survivor, kube, { now: () => now });
  await emu.handle.control.setNodeOnline(owner, false);
  await agent.pass();
  now += 3000;
  await emu.handle.control.setNodeOnline(owner, true);
  await agent.pass();
  now += 3000;
  await agent.pass();
  assert.equal(kube.calls, []);
  assert.equal(kube.events, []);
});

test('split brain (StandAlone) vetoes failover and raises a SplitBrain Event', async () => {
  const [owner, survivor] = diskful as [string, string];
  let now = 3_000_000;
  const kube = new FakeKube(snapshot(owner));
  const agent = agentOn(survivor, kube, { now: () => now });
  await emu.handle.control.setConnectionState(RD, survivor, 'StandAlone', owner);
  await agent.pass();
  now += 60_000;
  await agent.pass();
  assert.equal(kube.calls, []);
  assert.ok(kube.events.some((e) => e.reason === 'SplitBrain' && /split brain between nodes/.test(e.message)));
  await emu.handle.control.setConnectionState(RD, survivor, null);
});

test('a local Primary frozen after quorum loss, its pod gone: demoted with drbdsetup secondary --force', async () => {
  const [owner] = diskful as [string, string];
  const drbd = ops.get(owner)?.drbd;
  await drbd?.primary(RD);
  await emu.handle.control.setQuorumLost(RD, owner, true);
  const before = await drbd?.status(RD);
  assert.is(before?.role, 'Primary');
  assert.is(before?.suspended, true);
  const kube = new FakeKube(snapshot(owner, { podOn: '' }));
  await agentOn(owner, kube, { now: () => 4_000_000 }).pass();
  assert.is((await drbd?.status(RD))?.role, 'Secondary');
  assert.ok(kube.events.some((e) => e.reason === 'FailoverDemoted'));
  await emu.handle.control.setQuorumLost(RD, owner, false);
});

test('unreadable DRBD output: the agent acts on nothing and keeps going', async () => {
  const [owner, survivor] = diskful as [string, string];
  const garbage = { run: async () => ({ exitCode: 0, stdout: '[{"name": "pvc-ha-1", "devices": 3', stderr: '' }) };
  const broken = createNodeOps({ clock: systemClock, tools: garbage });
  const kube = new FakeKube(snapshot(owner));
  const agent = createHaAgent({
    nodeName: survivor,
    settings: { failoverTimeoutMs: 1000, taints: true, optOutAnnotation: 'x/y' },
    pollIntervalMs: 500,
    kube,
    drbd: broken.drbd,
    clock: { now: () => 5_000_000, sleep: async () => undefined },
    log: silentLogger(),
  });
  assert.is(await agent.pass(), undefined);
  assert.equal(kube.calls, []);
});

test.run();
