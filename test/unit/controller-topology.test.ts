import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, CsiError } from '../../src/csi/errors.js';
import { accessibleTopology, allowedReplicaNodes, mayAttach, nodeInfo, nodeSegments, type NodeInfo } from '../../src/controller-service/topology.js';
import { parseParameters } from '../../src/controller-service/parameters.js';
import { desiredGroup } from '../../src/controller-service/resource-group.js';
import { planPlacement } from '../../src/controller-service/placement.js';

const node = (name: string, zone: string, extra: Partial<NodeInfo> = {}): NodeInfo => ({
  name,
  segments: { 'linbit.com/hostname': name, 'topology.kubernetes.io/zone': zone },
  online: true,
  excluded: false,
  ...extra,
});
const NODES = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('c1', 'c')];

test('node segments: hostname plus stripped namespace props', () => {
  assert.equal(nodeSegments({ name: 'n1', props: { 'Aux/topology/topology.kubernetes.io/zone': 'z1', 'Aux/other': 'x', CurStltConnName: 'y' } }, 'Aux/topology'), {
    'topology.kubernetes.io/zone': 'z1',
    'linbit.com/hostname': 'n1',
  });
  const evicted = nodeInfo({ name: 'n', type: 'SATELLITE', flags: ['DELETE', 'EVICTED'], connection_status: 'OFFLINE' }, 'Aux/topology');
  assert.equal([evicted.online, evicted.excluded], [false, true]);
  const noAuto = nodeInfo({ name: 'n', type: 'SATELLITE', props: { AutoplaceTarget: 'false' }, connection_status: 'ONLINE' }, 'Aux/topology');
  assert.equal([noAuto.online, noAuto.excluded], [true, true]);
});

test('accessible topology follows the remote-access policy', () => {
  const diskful = [NODES[0] as NodeInfo, NODES[2] as NodeInfo];
  assert.equal(accessibleTopology({ kind: 'anywhere' }, diskful), []);
  assert.equal(accessibleTopology({ kind: 'local' }, diskful), [{ 'linbit.com/hostname': 'a1' }, { 'linbit.com/hostname': 'b1' }]);
  assert.equal(accessibleTopology({ kind: 'fromSame', rules: [['topology.kubernetes.io/zone']] }, [...diskful, NODES[1] as NodeInfo]), [
    { 'topology.kubernetes.io/zone': 'a' },
    { 'topology.kubernetes.io/zone': 'b' },
  ]);
  assert.equal(accessibleTopology({ kind: 'fromSame', rules: [['rack']] }, [NODES[0] as NodeInfo]), [{ 'linbit.com/hostname': 'a1' }]);
});

test('requisite widened by the policy', () => {
  const req = [{ 'linbit.com/hostname': 'a1' }];
  assert.is(allowedReplicaNodes({ kind: 'anywhere' }, req, NODES), undefined);
  assert.is(allowedReplicaNodes({ kind: 'local' }, [], NODES), undefined);
  assert.equal(allowedReplicaNodes({ kind: 'local' }, req, NODES)?.map((n) => n.name), ['a1']);
  assert.equal(allowedReplicaNodes({ kind: 'fromSame', rules: [['topology.kubernetes.io/zone']] }, req, NODES)?.map((n) => n.name), ['a1', 'a2']);
  assert.ok(mayAttach({ kind: 'fromSame', rules: [['topology.kubernetes.io/zone']] }, NODES[1] as NodeInfo, [NODES[0] as NodeInfo]));
  assert.not.ok(mayAttach({ kind: 'local' }, NODES[1] as NodeInfo, [NODES[0] as NodeInfo]));
});

const params = (p: Record<string, string>) => parseParameters(p, { propertyNamespace: 'Aux/topology' });

test('placement: AutoPlace ignores topology; no topology → group filter', () => {
  const p = params({ placementPolicy: 'AutoPlace', placementCount: '2' });
  assert.equal(planPlacement(p, desiredGroup(p), { requisite: [{ 'linbit.com/hostname': 'a1' }], preferred: [] }, NODES), { spawn: undefined, steps: [] });
  const q = params({ placementCount: '2' });
  assert.equal(planPlacement(q, desiredGroup(q), { requisite: [], preferred: [] }, NODES), { spawn: undefined, steps: [] });
});

test('placement: AutoPlaceTopology puts one replica on the preferred node', () => {
  const p = params({ placementCount: '2' });
  const g = desiredGroup(p);
  const plan = planPlacement(p, g, { requisite: NODES.map((n) => ({ 'linbit.com/hostname': n.name })), preferred: [{ 'linbit.com/hostname': 'b1' }] }, NODES);
  assert.equal(plan.spawn?.node_name_list, ['b1']);
  assert.is(plan.spawn?.place_count, 1);
  assert.is(plan.steps.length, 1);
  assert.equal(plan.steps[0], { kind: 'autoplace', filter: { ...g.selectFilter, place_count: 2 } });
  assert.equal(plan.spawnFallback, { ...g.selectFilter, place_count: 2 });
  const one = params({});
  assert.equal(planPlacement(one, desiredGroup(one), { requisite: [], preferred: [{ 'linbit.com/hostname': 'b1' }] }, NODES).steps, []);
});

test('placement: local policy restricts to requisite nodes, then places the rest anywhere', () => {
  const p = params({ placementCount: '3', allowRemoteVolumeAccess: 'false' });
  const g = desiredGroup(p);
  const plan = planPlacement(p, g, { requisite: [{ 'topology.kubernetes.io/zone': 'a' }], preferred: [] }, NODES);
  assert.equal(plan.spawn, { ...g.selectFilter, place_count: 2, node_name_list: ['a1', 'a2'] });
  assert.equal(plan.steps, [{ kind: 'autoplace', filter: { ...g.selectFilter, place_count: 3 } }]);
});

test('placement: offline/excluded nodes are not candidates; empty requisite is RESOURCE_EXHAUSTED', () => {
  const p = params({ allowRemoteVolumeAccess: 'false' });
  const nodes = [node('a1', 'a', { online: false }), node('a2', 'a', { excluded: true }), node('b1', 'b')];
  try {
    planPlacement(p, desiredGroup(p), { requisite: [{ 'topology.kubernetes.io/zone': 'a' }], preferred: [] }, nodes);
    assert.unreachable();
  } catch (e) {
    assert.is((e as CsiError).code, Code.RESOURCE_EXHAUSTED);
  }
});

test('placement: FollowTopology follows preferred then requisite', () => {
  const p = params({ placementCount: '2', placementPolicy: 'FollowTopology' });
  const g = desiredGroup(p);
  const plan = planPlacement(p, g, { requisite: [{ 'topology.kubernetes.io/zone': 'a' }], preferred: [{ 'linbit.com/hostname': 'c1' }] }, NODES);
  assert.equal(plan.spawn, { ...g.selectFilter, place_count: 2, node_name_list: ['c1', 'a1'] });
  assert.equal(plan.steps, []);
});

test('placement: Manual places diskful on nodeList and creates diskless clients', () => {
  const p = params({ nodeList: 'a1 b1', clientList: 'c1', storagePool: 'pool1', disklessStoragePool: 'dl' });
  const g = desiredGroup(p);
  const plan = planPlacement(p, g, { requisite: [], preferred: [] }, undefined);
  assert.equal(plan.spawn, { ...g.selectFilter, place_count: 2, node_name_list: ['a1', 'b1'] });
  assert.equal(g.selectFilter.storage_pool_list, ['pool1']);
  assert.equal(plan.steps, [{ kind: 'create', resources: [{ resource: { node_name: 'c1', flags: ['DISKLESS'], props: { StorPoolName: 'dl' } } }] }]);
});

test.run();
