import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, CsiError } from '../../src/csi/errors.js';
import { parseParameters } from '../../src/controller-service/parameters.js';
import { desiredGroup, planGroup } from '../../src/controller-service/resource-group.js';
import { isGeneratedResourceGroup } from '../../src/controller-service/naming.js';
import type { ResourceGroup } from '../../src/linstor/types.js';

const params = (p: Record<string, string>) => parseParameters(p, { propertyNamespace: 'Aux/topology' });

test('desired group from parameters', () => {
  const g = desiredGroup(params({ placementCount: '2', storagePool: 'p1', 'DrbdOptions/Net/protocol': 'C', replicasOnDifferent: 'zone' }));
  assert.ok(g.generated && isGeneratedResourceGroup(g.name));
  assert.equal(g.selectFilter, { layer_stack: ['DRBD', 'STORAGE'], place_count: 2, storage_pool_list: ['p1'], replicas_on_different: ['Aux/topology/zone'] });
  assert.equal(g.props, { 'DrbdOptions/Net/protocol': 'C' });
  assert.is(desiredGroup(params({ placementCount: '2', storagePool: 'p1', 'DrbdOptions/Net/protocol': 'C', replicasOnDifferent: 'zone' })).name, g.name);
  assert.is.not(desiredGroup(params({ placementCount: '3' })).name, g.name);
  const named = desiredGroup(params({ resourceGroup: 'gold' }));
  assert.equal([named.name, named.generated], ['gold', false]);
});

test('missing group: create, then props in a modify', () => {
  const g = desiredGroup(params({ 'DrbdOptions/Net/protocol': 'A' }));
  const plan = planGroup(g, undefined);
  assert.is(plan.action, 'create');
  if (plan.action === 'create') assert.equal(plan.props, { override_props: { 'DrbdOptions/Net/protocol': 'A' } });
  const bare = planGroup(desiredGroup(params({})), undefined);
  assert.ok(bare.action === 'create' && bare.props === undefined);
});

test('existing equal group: nothing to do (LINSTOR one-pool form, case)', () => {
  const g = desiredGroup(params({ storagePool: 'pool1', placementCount: '2', 'DrbdOptions/Net/protocol': 'C' }));
  const plan = planGroup(g, {
    name: g.name,
    select_filter: { place_count: 2, storage_pool: 'POOL1', layer_stack: ['drbd', 'storage'] },
    props: { 'DrbdOptions/Net/protocol': 'C', 'DrbdOptions/Resource/quorum': 'majority' },
  });
  assert.equal(plan, { action: 'none' });
});

test('existing group missing things: fill them in', () => {
  const g = desiredGroup(params({ resourceGroup: 'gold', placementCount: '2', 'DrbdOptions/Net/protocol': 'C' }));
  const plan = planGroup(g, { name: 'gold', select_filter: { layer_stack: ['DRBD', 'STORAGE'] } });
  assert.equal(plan, {
    action: 'modify',
    modify: { select_filter: { layer_stack: ['DRBD', 'STORAGE'], place_count: 2 }, override_props: { 'DrbdOptions/Net/protocol': 'C' } },
  });
});

test('conflicting immutable change is INVALID_ARGUMENT naming group, field and values', () => {
  const g = desiredGroup(params({ resourceGroup: 'gold', placementCount: '2', 'DrbdOptions/Net/protocol': 'C' }));
  for (const [existing, needles] of [
    [{ name: 'gold', select_filter: { place_count: 3 } }, ['gold', 'place_count', '3', '2']],
    [{ name: 'gold', select_filter: { place_count: 2 }, props: { 'DrbdOptions/Net/protocol': 'A' } }, ['gold', 'DrbdOptions/Net/protocol', '"A"', '"C"']],
    [{ name: 'gold', select_filter: { layer_stack: ['STORAGE'] } }, ['layer_stack']],
  ] as [ResourceGroup, string[]][]) {
    try {
      planGroup(g, existing);
      assert.unreachable();
    } catch (e) {
      assert.is((e as CsiError).code, Code.INVALID_ARGUMENT);
      for (const n of needles) assert.ok((e as Error).message.includes(n), `${(e as Error).message} / ${n}`);
    }
  }
});

test('a conflict with a default says the StorageClass did not set it', () => {
  const existing: ResourceGroup = { name: 'gold', select_filter: { place_count: 3, layer_stack: ['DRBD', 'STORAGE'] } };
  try {
    planGroup(desiredGroup(params({ resourceGroup: 'gold' })), existing);
    assert.unreachable();
  } catch (e) {
    assert.is((e as CsiError).code, Code.INVALID_ARGUMENT);
    assert.match((e as Error).message, /place_count=3.*asks for 1 \(the default: placementCount is not set; set it to 3/);
  }
  // Set explicitly, the message is the plain one.
  try {
    planGroup(desiredGroup(params({ resourceGroup: 'gold', placementCount: '1' })), existing);
    assert.unreachable();
  } catch (e) {
    assert.not.match((e as Error).message, /default/);
  }
  assert.equal(planGroup(desiredGroup(params({ resourceGroup: 'gold', placementCount: '3' })), existing), { action: 'none' });
});

test.run();
