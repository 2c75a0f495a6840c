import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, CsiError } from '../../src/csi/errors.js';
import {
  classifyKey,
  formatRemoteAccess,
  parseMutableParameters,
  parseParameters,
  replicaCount,
  type VolumeParameters,
} from '../../src/controller-service/parameters.js';

const NS = { propertyNamespace: 'Aux/topology' };
const parse = (p: Record<string, string>): VolumeParameters => parseParameters(p, NS);

function rejects(p: Record<string, string>, ...needles: string[]): string {
  try {
    parse(p);
  } catch (e) {
    assert.instance(e, CsiError);
    assert.is((e as CsiError).code, Code.INVALID_ARGUMENT);
    for (const n of needles) assert.ok((e as CsiError).message.includes(n), `"${(e as CsiError).message}" should mention "${n}"`);
    return (e as CsiError).message;
  }
  assert.unreachable(`parameters ${JSON.stringify(p)} should be rejected`);
  return '';
}

test('defaults', () => {
  const p = parse({});
  assert.is(p.placementCount, undefined);
  assert.is(replicaCount(p), 1);
  assert.equal(p.layerList, ['drbd', 'storage']);
  assert.equal(p.remoteAccess, { kind: 'anywhere' });
  assert.is(p.placementPolicy, 'AutoPlaceTopology');
  assert.is(p.disklessStoragePool, 'DfltDisklessStorPool');
  assert.is(p.encryption, false);
  assert.is(p.usePvcName, false);
  assert.equal(p.properties, {});
});

test('every key, with and without prefix, any case', () => {
  const p = parse({
    'linstor.csi.linbit.com/placementCount': '3',
    storagepool: 'pool-a pool-b',
    ResourceGroup: 'my-rg',
    'linstor.csi.linbit.com/LAYERLIST': 'DRBD Storage',
    replicasOnSame: 'topology.kubernetes.io/region',
    replicasOnDifferent: 'topology.kubernetes.io/zone Aux/rack',
    xReplicasOnDifferent: '{topology.kubernetes.io/zone: 2}',
    doNotPlaceWithRegex: '^db-.*',
    disklessOnRemaining: 'true',
    allowRemoteVolumeAccess: 'false',
    placementPolicy: 'followtopology',
    disklessStoragePool: 'diskless-pool',
    fsOpts: '-b 4096',
    mountOpts: 'noatime,discard',
    postMountXfsOpts: 'extsize 2m',
    usePvcName: 'yes',
    overProvision: '2.5',
    encryption: 'false',
  });
  assert.is(p.placementCount, 3);
  assert.equal(p.storagePools, ['pool-a', 'pool-b']);
  assert.is(p.resourceGroup, 'my-rg');
  assert.equal(p.layerList, ['drbd', 'storage']);
  assert.equal(p.replicasOnSame, ['Aux/topology/topology.kubernetes.io/region']);
  assert.equal(p.replicasOnDifferent, ['Aux/topology/topology.kubernetes.io/zone', 'Aux/rack']);
  assert.equal(p.xReplicasOnDifferent, { 'Aux/topology/topology.kubernetes.io/zone': 2 });
  assert.is(p.doNotPlaceWithRegex, '^db-.*');
  assert.is(p.disklessOnRemaining, true);
  assert.equal(p.remoteAccess, { kind: 'local' });
  assert.is(p.placementPolicy, 'FollowTopology');
  assert.is(p.disklessStoragePool, 'diskless-pool');
  assert.is(p.fsOpts, '-b 4096');
  assert.is(p.mountOpts, 'noatime,discard');
  assert.is(p.postMountXfsOpts, 'extsize 2m');
  assert.is(p.usePvcName, true);
  assert.is(p.overProvision, 2.5);
  assert.is(p.encryption, false);
});

test('autoPlace is an alias of placementCount; empty means 1', () => {
  assert.is(parse({ autoPlace: '2' }).placementCount, 2);
  assert.is(parse({ 'linstor.csi.linbit.com/autoplace': '' }).placementCount, 1);
  assert.is(parse({ autoPlace: '2', placementCount: '2' }).placementCount, 2);
  rejects({ autoPlace: '2', placementCount: '3' }, 'autoPlace', 'placementCount', '"2"', '"3"');
});

test('same key twice in different spellings must agree', () => {
  rejects({ storagePool: 'a1', 'linstor.csi.linbit.com/StoragePool': 'b1' }, 'storagePool', 'StoragePool');
});

test('properties: property.linstor.csi.linbit.com/ and DrbdOptions/', () => {
  const p = parse({
    'property.linstor.csi.linbit.com/DrbdOptions/auto-quorum': 'suspend-io',
    'property.linstor.csi.linbit.com/StorPoolNameDrbdMeta': 'meta',
    'DrbdOptions/Net/protocol': 'C',
    'DrbdOptions/Net/after-sb-0pri': 'discard-zero-changes',
  });
  assert.equal(p.properties, {
    'DrbdOptions/auto-quorum': 'suspend-io',
    StorPoolNameDrbdMeta: 'meta',
    'DrbdOptions/Net/protocol': 'C',
    'DrbdOptions/Net/after-sb-0pri': 'discard-zero-changes',
  });
  rejects({ 'DrbdOptions/Net/protocol': 'C', 'property.linstor.csi.linbit.com/DrbdOptions/Net/protocol': 'A' }, 'DrbdOptions/Net/protocol', '"C"', '"A"');
  rejects({ 'property.linstor.csi.linbit.com/': 'x' }, 'property.linstor.csi.linbit.com/');
});

test('other namespaces are ignored', () => {
  const p = parse({
    'csi.storage.k8s.io/fstype': 'xfs',
    'csi.storage.k8s.io/pvc/name': 'x',
    'example.com/whatever': 'y',
  });
  assert.equal(p.properties, {});
  assert.equal(classifyKey('csi.storage.k8s.io/fstype').kind, 'ignored');
});

test('unknown key in our namespace names key, value and accepted keys', () => {
  const msg = rejects({ placementcont: '2' }, 'placementcont', '"2"', 'placementCount', 'storagePool', 'property.linstor.csi.linbit.com');
  assert.ok(msg.includes('unknown'));
  rejects({ 'linstor.csi.linbit.com/foo': 'bar' }, 'linstor.csi.linbit.com/foo', 'bar');
});

test('malformed values name key, value and what is accepted', () => {
  rejects({ placementCount: 'two' }, 'placementCount', '"two"', '1 to 32');
  rejects({ placementCount: '0' }, 'placementCount', '"0"');
  rejects({ storagePool: 'a b!' }, 'storagePool', 'b!');
  rejects({ resourceGroup: 'bad name' }, 'resourceGroup', 'bad name', 'resource group name');
  rejects({ layerList: 'drbd zfs storage' }, 'layerList', 'zfs', 'drbd, storage, luks');
  rejects({ layerList: 'storage drbd' }, 'layerList', 'ending in "storage"');
  rejects({ xReplicasOnDifferent: 'zone' }, 'xReplicasOnDifferent', 'map');
  rejects({ xReplicasOnDifferent: '{zone: 0}' }, 'xReplicasOnDifferent', 'zone');
  rejects({ doNotPlaceWithRegex: '([' }, 'doNotPlaceWithRegex', 'regular expression');
  rejects({ disklessOnRemaining: 'maybe' }, 'disklessOnRemaining', '"maybe"', 'true or false');
  rejects({ allowRemoteVolumeAccess: 'sometimes' }, 'allowRemoteVolumeAccess', 'sometimes', 'fromSame');
  rejects({ placementPolicy: 'Random' }, 'placementPolicy', 'Random', 'AutoPlaceTopology, AutoPlace, FollowTopology, Manual');
  rejects({ nodeList: 'node-1 node$2' }, 'nodeList', 'node$2');
  rejects({ mountOpts: 'noatime, discard' }, 'mountOpts', 'comma-separated');
  rejects({ fsOpts: 'a\nb' }, 'fsOpts', 'control characters');
  rejects({ overProvision: '-1' }, 'overProvision', '"-1"', 'positive number');
  rejects({ usePvcName: '2' }, 'usePvcName');
  rejects({ encryption: 'sure' }, 'encryption', 'sure');
});

test('contradictions', () => {
  rejects({ nodeList: 'n1', placementCount: '2' }, 'placementCount', 'nodeList');
  rejects({ nodeList: 'n1', replicasOnSame: 'zone' }, 'replicasOnSame', 'nodeList');
  rejects({ clientList: 'n2', placementCount: '1' }, 'placementCount', 'clientList');
  rejects({ nodeList: 'n1', placementPolicy: 'AutoPlace' }, 'nodeList', 'AutoPlace');
  rejects({ placementPolicy: 'Manual' }, 'Manual', 'nodeList');
  rejects({ clientList: 'n2' }, 'nodeList', 'clientList');
  rejects({ nodeList: 'n1 n2', clientList: 'n2' }, 'n2', 'both');
  rejects({ nodeList: 'n1', storagePool: 'p1 p2' }, 'storagePool', 'exactly one');
  rejects({ layerList: 'storage', allowRemoteVolumeAccess: 'true' }, 'allowRemoteVolumeAccess', 'drbd');
  rejects({ layerList: 'drbd luks storage', encryption: 'false' }, 'encryption', 'luks');
});

test('nodeList/clientList force Manual placement', () => {
  const p = parse({ nodeList: 'n1 n2', clientList: 'n3', storagePool: 'pool1' });
  assert.is(p.placementPolicy, 'Manual');
  assert.equal(p.nodeList, ['n1', 'n2']);
  assert.equal(p.clientList, ['n3']);
  assert.is(replicaCount(p), 2);
});

test('encryption adds the LUKS layer above storage', () => {
  assert.equal(parse({ encryption: 'true' }).layerList, ['drbd', 'luks', 'storage']);
  assert.equal(parse({ encryption: 'true', layerList: 'storage' }).layerList, ['luks', 'storage']);
  assert.equal(parse({ encryption: 'true', layerList: 'drbd luks storage' }).layerList, ['drbd', 'luks', 'storage']);
});

test('allowRemoteVolumeAccess: default follows the layers; fromSame lists', () => {
  assert.equal(parse({ layerList: 'storage' }).remoteAccess, { kind: 'local' });
  assert.equal(parse({ layerList: 'nvme storage' }).remoteAccess, { kind: 'anywhere' });
  assert.equal(parse({ allowRemoteVolumeAccess: 'TRUE' }).remoteAccess, { kind: 'anywhere' });
  const block = parse({ allowRemoteVolumeAccess: '- fromSame:\n  - topology.kubernetes.io/zone\n' }).remoteAccess;
  assert.equal(block, { kind: 'fromSame', rules: [['topology.kubernetes.io/zone']] });
  const flow = parse({ allowRemoteVolumeAccess: '[{fromSame: [topology.kubernetes.io/zone, topology.kubernetes.io/region]}]' }).remoteAccess;
  assert.equal(flow, { kind: 'fromSame', rules: [['topology.kubernetes.io/zone', 'topology.kubernetes.io/region']] });
  const json = parse({ allowRemoteVolumeAccess: '[{"fromSame":["a"]},{"fromSame":["b"]}]' }).remoteAccess;
  assert.equal(json, { kind: 'fromSame', rules: [['a'], ['b']] });
  assert.is(formatRemoteAccess(json), '[{"fromSame":["a"]},{"fromSame":["b"]}]');
  assert.is(formatRemoteAccess({ kind: 'anywhere' }), 'true');
  rejects({ allowRemoteVolumeAccess: '- sameAs: [zone]' }, 'allowRemoteVolumeAccess');
});

test('xReplicasOnDifferent block map', () => {
  const p = parse({ xReplicasOnDifferent: 'topology.kubernetes.io/zone: 2\nAux/rack: 1\n' });
  assert.equal(p.xReplicasOnDifferent, { 'Aux/topology/topology.kubernetes.io/zone': 2, 'Aux/rack': 1 });
});

test('Balanced is read as AutoPlaceTopology; compat keys warn', () => {
  const p = parse({ placementPolicy: 'Balanced', sizeKiB: '100', nfsSquash: 'x' });
  assert.is(p.placementPolicy, 'AutoPlaceTopology');
  assert.is(p.warnings.length, 2);
});

test('property namespace prefix follows the configuration', () => {
  const p = parseParameters({ replicasOnSame: 'zone' }, { propertyNamespace: 'Aux' });
  assert.equal(p.replicasOnSame, ['Aux/zone']);
});

test('mutable parameters', () => {
  assert.equal(parseMutableParameters({ placementCount: '3', 'DrbdOptions/Net/protocol': 'A' }), {
    placementCount: 3,
    properties: { 'DrbdOptions/Net/protocol': 'A' },
  });
  assert.equal(parseMutableParameters({ 'linstor.csi.linbit.com/autoPlace': '2' }).placementCount, 2);
  for (const [k, needle] of [
    ['storagePool', 'cannot be changed'],
    ['layerList', 'cannot be changed'],
    ['bogus', 'unknown'],
    ['csi.storage.k8s.io/fstype', 'not a parameter'],
  ] as const) {
    try {
      parseMutableParameters({ [k]: 'x' });
      assert.unreachable();
    } catch (e) {
      assert.is((e as CsiError).code, Code.INVALID_ARGUMENT);
      assert.ok((e as CsiError).message.includes(k) && (e as CsiError).message.includes(needle), (e as CsiError).message);
    }
  }
});

test.run();
