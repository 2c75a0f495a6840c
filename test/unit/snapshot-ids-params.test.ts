import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, CsiError } from '../../src/csi/errors.js';
import { formatSnapshotId, parseSnapshotId, snapshotLockKey } from '../../src/controller-service/snapshots/ids.js';
import { cloneSnapshotName, snapshotNameFor } from '../../src/controller-service/snapshots/naming.js';
import { parseSnapshotParameters } from '../../src/controller-service/snapshots/params.js';
import { contentSourceKey } from '../../src/controller-service/snapshots/props.js';

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof CsiError) return e.code;
    throw e;
  }
}

test('in-cluster ids round-trip in the Go driver format', () => {
  const id = formatSnapshotId('pvc-1234', 'snapshot-abcd');
  assert.is(id, 'InCluster:///pvc-1234/snapshot-abcd');
  assert.equal(parseSnapshotId(id), { kind: 'InCluster', remote: '', rd: 'pvc-1234', volumeNumber: undefined, snapshot: 'snapshot-abcd' });
});

test('scheme is case-insensitive; consistency-group ids carry a volume number', () => {
  assert.equal(parseSnapshotId('incluster:///pvc-x/snapshot-y'), { kind: 'InCluster', remote: '', rd: 'pvc-x', volumeNumber: undefined, snapshot: 'snapshot-y' });
  assert.equal(parseSnapshotId('InCluster:///cg-abc/3/snapshot-y'), { kind: 'InCluster', remote: '', rd: 'cg-abc', volumeNumber: 3, snapshot: 'snapshot-y' });
});

test('remote ids parse with their remote', () => {
  assert.equal(parseSnapshotId('S3://bucket-remote/pvc-x/snapshot-y'), { kind: 'S3', remote: 'bucket-remote', rd: 'pvc-x', volumeNumber: undefined, snapshot: 'snapshot-y' });
  assert.equal(parseSnapshotId('Linstor://r/pvc-x/snapshot-y'), { kind: 'Linstor', remote: 'r', rd: 'pvc-x', volumeNumber: undefined, snapshot: 'snapshot-y' });
});

test('ids without a scheme are legacy (bare LINSTOR snapshot names)', () => {
  assert.equal(parseSnapshotId('snapshot-6f1c0c1e-0a4b-4a55-9d0f-3c6a5e0e8a11'), { kind: 'legacy', snapshot: 'snapshot-6f1c0c1e-0a4b-4a55-9d0f-3c6a5e0e8a11' });
});

test('ids that cannot name a snapshot parse to undefined', () => {
  for (const id of ['', 'a', 'has space', 'Tape:///pvc/snap', 'InCluster:///pvc', 'InCluster:///pvc/x/y/z', 'InCluster://remote/pvc/snap', 'InCluster:///pv c/snap', 'InCluster:///pvc/all']) {
    assert.is(parseSnapshotId(id), undefined, id);
  }
});

test('snapshot names: valid CSI names kept, others mapped to a stable snapshot-<uuidv5>', () => {
  assert.is(snapshotNameFor('snapshot-0c2a4b1e-8f25-4a3b-9c8d-1a2b3c4d5e6f'), 'snapshot-0c2a4b1e-8f25-4a3b-9c8d-1a2b3c4d5e6f');
  const long = `groupsnapshot-${'0c2a4b1e-8f25-4a3b-9c8d-1a2b3c4d5e6f'}`;
  const mapped = snapshotNameFor(long);
  assert.match(mapped, /^snapshot-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is(snapshotNameFor(long), mapped);
  assert.is.not(snapshotNameFor(`${long}x`), mapped);
  assert.is(snapshotNameFor('my.snap'), snapshotNameFor('my.snap'));
  assert.ok(cloneSnapshotName('pvc-a').length <= 48);
  assert.is(snapshotLockKey('Snap-A'), 'snapshot:snap-a');
});

test('snapshot class parameters: InCluster (default, any case) works', () => {
  assert.equal(parseSnapshotParameters({}), { type: 'InCluster', props: {}, warnings: [] });
  assert.is(parseSnapshotParameters({ 'snap.linstor.csi.linbit.com/type': 'incluster' }).type, 'InCluster');
  assert.is(parseSnapshotParameters({ 'SNAP.LINSTOR.CSI.LINBIT.COM/Type': ' InCluster ' }).type, 'InCluster');
});

test('snapshot class parameters: S3 and Linstor are INVALID_ARGUMENT (not supported yet)', () => {
  for (const t of ['S3', 's3', 'Linstor', 'LINSTOR']) {
    let msg = '';
    try {
      parseSnapshotParameters({ 'snap.linstor.csi.linbit.com/type': t, 'snap.linstor.csi.linbit.com/remote-name': 'r' });
    } catch (e) {
      assert.instance(e, CsiError);
      assert.is((e as CsiError).code, Code.INVALID_ARGUMENT);
      msg = (e as CsiError).message;
    }
    assert.match(msg, /not supported yet/);
  }
  assert.is(codeOf(() => parseSnapshotParameters({ 'snap.linstor.csi.linbit.com/type': 'tape' })), Code.INVALID_ARGUMENT);
});

test('snapshot class parameters: delete-local refused for InCluster; remote-only and unknown keys warn', () => {
  assert.is(codeOf(() => parseSnapshotParameters({ 'snap.linstor.csi.linbit.com/delete-local': 'true' })), Code.INVALID_ARGUMENT);
  assert.is(parseSnapshotParameters({ 'snap.linstor.csi.linbit.com/delete-local': 'false' }).warnings.length, 0);
  const p = parseSnapshotParameters({
    'snap.linstor.csi.linbit.com/remote-name': 'r',
    'snap.linstor.csi.linbit.com/frobnicate': 'x',
    'csi.storage.k8s.io/volumesnapshot/name': 'vs',
    'csi.storage.k8s.io/volumesnapshot/namespace': 'ns',
    'csi.storage.k8s.io/volumesnapshotcontent/name': 'vsc',
    other: '1',
  });
  assert.is(p.warnings.length, 3);
  assert.equal(p.props, {
    'Aux/csi.storage.k8s.io/volumesnapshot/name': 'vs',
    'Aux/csi.storage.k8s.io/volumesnapshot/namespace': 'ns',
    'Aux/csi.storage.k8s.io/volumesnapshotcontent/name': 'vsc',
  });
});

test('content source keys', () => {
  assert.is(contentSourceKey(null), '');
  assert.is(contentSourceKey({ type: 'snapshot', snapshot: { snapshot_id: 'InCluster:///a/b' } }), 'snapshot:InCluster:///a/b');
  assert.is(contentSourceKey({ type: 'volume', volume: { volume_id: 'pvc-a' } }), 'volume:pvc-a');
});

test.run();
