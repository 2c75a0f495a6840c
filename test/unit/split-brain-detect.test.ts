import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import type { ResourceWithVolumes } from '../../src/linstor/types.js';
import { SplitBrainTracker, detectLocalSplitBrain, detectSplitBrain, detectSplitBrains, splitBrainMessage } from '../../src/split-brain/detect.js';
import { PlanRefused, planResolution } from '../../src/split-brain/plan.js';
import { KubeExecRunner, type PodExec } from '../../src/split-brain/runners.js';
import { parseDrbdStatusJson } from '../../src/node-ops/drbd-status.js';

const rsc = (node: string, conns: Record<string, string>, o: { inUse?: boolean; diskless?: boolean; name?: string } = {}): ResourceWithVolumes => ({
  name: o.name ?? 'pvc-1',
  node_name: node,
  flags: o.diskless ? ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'] : [],
  state: { in_use: o.inUse ?? false },
  volumes: [{ volume_number: 0, state: { disk_state: o.diskless ? 'Diskless' : 'UpToDate' } }],
  layer_object: { type: 'DRBD', drbd: { connections: Object.fromEntries(Object.entries(conns).map(([p, m]) => [p, { connected: m === 'Connected', message: m }])) } },
});

const split = (aInUse: boolean, bInUse: boolean): ResourceWithVolumes[] => [
  rsc('node-a', { 'node-b': 'StandAlone', 'node-c': 'Connected' }, { inUse: aInUse }),
  rsc('node-b', { 'node-a': 'StandAlone', 'node-c': 'Connected' }, { inUse: bInUse }),
  rsc('node-c', { 'node-a': 'Connected', 'node-b': 'Connected' }, { diskless: true }),
];

test('healthy volume and a StandAlone towards a diskless peer: no split brain', () => {
  assert.is(detectSplitBrain([rsc('node-a', { 'node-b': 'Connected' }), rsc('node-b', { 'node-a': 'Connected' })]), undefined);
  assert.is(detectSplitBrain([rsc('node-a', { 'node-c': 'StandAlone' }), rsc('node-c', { 'node-a': 'StandAlone' }, { diskless: true })]), undefined);
  assert.is(detectSplitBrain([]), undefined);
});

test('split brain: pairs, sides, recommendation keeps the side in use', () => {
  const sb = detectSplitBrain(split(true, false));
  assert.ok(sb);
  assert.equal(sb.pairs, [['node-a', 'node-b']]);
  assert.equal(sb.sides, [['node-a'], ['node-b']]);
  assert.is(sb.recommendation.keep, 'node-a');
  assert.equal(sb.recommendation.discard, ['node-b']);
  assert.match(sb.recommendation.reason, 'node node-a is Primary and in use');
  assert.is(detectSplitBrain(split(true, true))?.recommendation.keep, undefined);
  assert.match(detectSplitBrain(split(false, false))?.recommendation.reason ?? '', 'no side is in use');
  // one-sided StandAlone (the other end already reconnecting) still counts
  assert.ok(detectSplitBrain([rsc('node-a', { 'node-b': 'StandAlone' }), rsc('node-b', { 'node-a': 'Connecting' })]));
});

test('three diskful replicas: the still-connected pair is one side', () => {
  const sb = detectSplitBrain([
    rsc('a', { b: 'Connected', c: 'StandAlone' }),
    rsc('b', { a: 'Connected', c: 'StandAlone' }, { inUse: true }),
    rsc('c', { a: 'StandAlone', b: 'StandAlone' }),
  ]);
  assert.equal(sb?.sides, [['a', 'b'], ['c']]);
  assert.equal(sb?.pairs, [['a', 'c'], ['b', 'c']]);
  assert.is(sb?.recommendation.keep, 'b');
  const plan = planResolution(sb!, 'a');
  assert.equal(plan.victims, ['c']);
  assert.equal(plan.steps.filter((s) => s.part === 'survivor').map((s) => s.node), ['a', 'b']);
});

test('list over a whole view; message names nodes, time and handbook; tracker keeps the first sighting', () => {
  const view = [...split(true, false), ...split(false, false).map((r) => ({ ...r, name: 'pvc-2' })), rsc('x', {}, { name: 'pvc-3' })];
  assert.equal(detectSplitBrains(view).map((s) => s.resource), ['pvc-1', 'pvc-2']);
  const t = new SplitBrainTracker();
  const [first] = t.observe(detectSplitBrains(view).slice(0, 1), 1000);
  const [again] = t.observe(detectSplitBrains(view).slice(0, 1), 5000);
  assert.is(first?.since, 1000);
  assert.is(again?.since, 1000);
  t.observe([], 6000, ['pvc-1']);
  assert.is(t.observe(detectSplitBrains(view).slice(0, 1), 7000)[0]?.since, 7000, 'a new split brain after healing is new');
  assert.is(
    splitBrainMessage({ resource: 'pvc-1', pairs: [['node-a', 'node-b']], since: Date.parse('2026-01-01T00:00:00Z') }),
    'split brain between nodes node-a and node-b since 2026-01-01T00:00:00.000Z: DRBD dropped the connection (StandAlone) and the replicas may hold different data; see docs/split-brain.md ("linstor-csi split-brain show pvc-1", then "linstor-csi split-brain resolve pvc-1 --keep NODE")',
  );
});

test('plan: the handbook steps; refusals name the fix', () => {
  const sb = detectSplitBrain(split(true, false))!;
  const plan = planResolution(sb, 'NODE-A');
  assert.is(plan.keep, 'node-a');
  assert.equal(plan.steps.map((s) => `${s.node}: ${s.argv.join(' ')}`), [
    'node-b: secondary pvc-1',
    'node-b: disconnect pvc-1',
    'node-b: connect --discard-my-data pvc-1',
    'node-a: connect pvc-1',
  ]);
  assert.throws(() => planResolution(sb, 'node-x'), (e: Error) => e instanceof PlanRefused && /holds no replica of pvc-1; choose one of node-a, node-b/.test(e.message));
  assert.throws(() => planResolution(sb, 'node-c'), /node-c is diskless/);
  assert.throws(() => planResolution(sb, 'node-b'), /refusing to discard the data of node-a: it is Primary and in use/);
});

test('node view: StandAlone peers from drbdsetup status --json', () => {
  const [st] = parseDrbdStatusJson(JSON.stringify([{ name: 'pvc-1', 'node-id': 0, role: 'Primary', devices: [{ volume: 0, 'disk-state': 'UpToDate', open: true }], connections: [{ 'peer-node-id': 1, name: 'node-b', 'connection-state': 'StandAlone', 'peer-role': 'Unknown' }, { 'peer-node-id': 2, name: 'node-c', 'connection-state': 'Connected', 'peer-role': 'Secondary' }] }]));
  assert.equal(detectLocalSplitBrain(st!), { resource: 'pvc-1', role: 'Primary', open: true, peers: ['node-b'] });
});

test('pod-exec runner: drbdadm in the node plugin pod, exit code from the status, no pod → 127', async () => {
  const calls: string[] = [];
  const pods: PodExec = {
    findPod: async (node) => (node === 'node-a' ? 'linstor-csi-node-xyz' : undefined),
    exec: async (pod, command, stdout: Writable, stderr: Writable) => {
      calls.push(`${pod}: ${command.join(' ')}`);
      stdout.write('out');
      stderr.write('err');
      return { status: 'Failure', exitCode: 11 };
    },
  };
  const r = new KubeExecRunner(pods, 'namespace x');
  assert.equal(await r.run('node-a', ['primary', 'pvc-1']), { code: 11, stdout: 'out', stderr: 'err' });
  assert.equal(calls, ['linstor-csi-node-xyz: drbdadm primary pvc-1']);
  const none = await r.run('node-b', ['connect', 'pvc-1']);
  assert.is(none.code, 127);
  assert.match(none.stderr, 'no running node plugin pod on node node-b');
});

test.run();
