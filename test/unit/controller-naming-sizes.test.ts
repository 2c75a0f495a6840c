import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, CsiError } from '../../src/csi/errors.js';
import {
  canonicalJson,
  generatedResourceGroupName,
  isGeneratedResourceGroup,
  isValidLinstorName,
  resourceNameFor,
  uuidv5,
} from '../../src/controller-service/naming.js';
import { allocationKiB, sizeSatisfies } from '../../src/controller-service/sizes.js';
import { checkCapabilities, type CapabilityLike } from '../../src/controller-service/capabilities.js';

test('uuidv5 matches the RFC 4122 test vector', () => {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
  assert.is(uuidv5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
});

test('LINSTOR name validity', () => {
  assert.ok(isValidLinstorName('pvc-0a1b2c3d-1111-2222-3333-444455556666'));
  assert.ok(isValidLinstorName('_x'));
  assert.not.ok(isValidLinstorName('1abc'));
  assert.not.ok(isValidLinstorName('a'));
  assert.not.ok(isValidLinstorName('all'));
  assert.not.ok(isValidLinstorName('a'.repeat(49)));
  assert.not.ok(isValidLinstorName('has.dot'));
});

test('resource names: CSI name, vol-uuid, usePvcName', () => {
  assert.is(resourceNameFor({ csiName: 'pvc-123', usePvcName: false }), 'pvc-123');
  const derived = resourceNameFor({ csiName: 'my volume!', usePvcName: false });
  assert.match(derived, /^vol-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is(resourceNameFor({ csiName: 'my volume!', usePvcName: false }), derived, 'deterministic');
  assert.is.not(resourceNameFor({ csiName: 'my volume?', usePvcName: false }), derived);
  assert.is(resourceNameFor({ csiName: 'pvc-1', usePvcName: true, pvcName: 'data', pvcNamespace: 'shop' }), 'shop-data');
  assert.is(resourceNameFor({ csiName: 'pvc-1', usePvcName: true, pvcName: 'data' }), 'pvc-1', 'no namespace → CSI name');
  assert.is(resourceNameFor({ csiName: 'pvc-1', usePvcName: true, pvcName: 'x.y', pvcNamespace: 'ns' }), 'pvc-1', 'invalid → CSI name');
  assert.is(resourceNameFor({ csiName: 'pvc-1', usePvcName: false, pvcName: 'data', pvcNamespace: 'shop' }), 'pvc-1');
});

test('resource-group names are deterministic and key-order independent', () => {
  const a = generatedResourceGroupName({ select_filter: { place_count: 2, layer_stack: ['DRBD', 'STORAGE'] }, props: { x: '1', y: '2' } });
  const b = generatedResourceGroupName({ props: { y: '2', x: '1' }, select_filter: { layer_stack: ['DRBD', 'STORAGE'], place_count: 2 } });
  const c = generatedResourceGroupName({ select_filter: { place_count: 3, layer_stack: ['DRBD', 'STORAGE'] }, props: { x: '1', y: '2' } });
  assert.is(a, b);
  assert.is.not(a, c);
  assert.ok(isGeneratedResourceGroup(a));
  assert.not.ok(isGeneratedResourceGroup('sc-mine'));
  assert.is(canonicalJson({ b: 1, a: [2, { d: 1, c: undefined }] }), '{"a":[2,{"d":1}],"b":1}');
});

const MiB = 1024 * 1024;
function outOfRange(fn: () => unknown, needle: string): void {
  try {
    fn();
    assert.unreachable();
  } catch (e) {
    assert.is((e as CsiError).code, Code.OUT_OF_RANGE, (e as Error).message);
    assert.ok((e as Error).message.includes(needle), (e as Error).message);
  }
}

test('sizes round up to KiB and honour filesystem minimums', () => {
  assert.is(allocationKiB({ required_bytes: '1' }, undefined), 4n);
  assert.is(allocationKiB({ required_bytes: String(10 * MiB + 1) }, ''), 10n * 1024n + 1n);
  assert.is(allocationKiB({ required_bytes: '1000' }, 'ext4'), 2048n);
  assert.is(allocationKiB({ required_bytes: String(MiB) }, 'xfs'), 300n * 1024n);
  assert.is(allocationKiB(null, 'ext4'), 2048n);
  assert.is(allocationKiB({ required_bytes: '0', limit_bytes: String(5 * MiB) }, 'ext4'), 2048n);
  outOfRange(() => allocationKiB({ required_bytes: '0', limit_bytes: String(MiB) }, 'xfs'), 'xfs minimum of 300 MiB');
  outOfRange(() => allocationKiB({ required_bytes: '0', limit_bytes: String(MiB) }, 'ext4'), 'ext4 minimum of 2 MiB');
  outOfRange(() => allocationKiB({ required_bytes: '5000', limit_bytes: '5000' }, ''), 'whole KiB');
  outOfRange(() => allocationKiB({ required_bytes: '10', limit_bytes: '5' }, ''), 'larger than limit_bytes');
  try {
    allocationKiB({ required_bytes: 'abc' }, '');
    assert.unreachable();
  } catch (e) {
    assert.is((e as CsiError).code, Code.INVALID_ARGUMENT);
  }
});

test('existing size satisfies a range', () => {
  assert.ok(sizeSatisfies(1024n, { required_bytes: String(MiB) }));
  assert.not.ok(sizeSatisfies(1023n, { required_bytes: String(MiB) }));
  assert.not.ok(sizeSatisfies(2048n, { required_bytes: String(MiB), limit_bytes: String(MiB) }));
  assert.ok(sizeSatisfies(2048n, {}));
});

const cap = (mode: string, type: 'mount' | 'block' = 'mount', fs = ''): CapabilityLike => ({
  access_mode: { mode },
  access_type: type,
  ...(type === 'mount' ? { mount: { fs_type: fs, mount_flags: [] } } : { block: {} }),
});

test('capabilities: accepted modes', () => {
  for (const m of ['SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'MULTI_NODE_READER_ONLY', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER']) {
    assert.ok(checkCapabilities([cap(m)], 'caps').ok, m);
  }
  for (const m of ['MULTI_NODE_MULTI_WRITER', 'MULTI_NODE_SINGLE_WRITER']) {
    assert.ok(checkCapabilities([cap(m, 'block')], 'caps', ['drbd', 'storage']).ok, m);
  }
  const r = checkCapabilities([cap('SINGLE_NODE_WRITER', 'mount', 'XFS'), cap('MULTI_NODE_READER_ONLY', 'mount', 'xfs')], 'caps');
  assert.ok(r.ok && r.summary.fsType === 'xfs' && !r.summary.singleNode);
});

test('capabilities: rejected combinations say why', () => {
  const reason = (caps: CapabilityLike[], layers?: ('drbd' | 'storage')[]): string => {
    const r = checkCapabilities(caps, 'volume_capabilities', layers);
    assert.not.ok(r.ok);
    return r.ok ? '' : r.reason;
  };
  assert.match(reason([]), 'required');
  assert.match(reason([cap('MULTI_NODE_MULTI_WRITER')]), 'ReadWriteMany');
  assert.match(reason([cap('SINGLE_NODE_WRITER'), cap('SINGLE_NODE_WRITER', 'block')]), 'mixes block and mount');
  assert.match(reason([cap('SINGLE_NODE_WRITER', 'mount', 'ext4'), cap('SINGLE_NODE_WRITER', 'mount', 'xfs')]), 'two filesystem types');
  assert.match(reason([cap('SINGLE_NODE_WRITER', 'mount', 'zfs')]), 'not supported');
  assert.match(reason([cap('UNKNOWN')]), 'UNKNOWN');
  assert.match(reason([cap('MULTI_NODE_MULTI_WRITER', 'block')], ['storage']), 'DRBD');
});

test.run();
