import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachmentInfo, nodeInfo, podInfo, pvcInfo, pvInfo } from '../../src/ha/kube.js';

test('podInfo: claims with their read-only flag, owners, Terminating, finished', () => {
  const p = podInfo({
    metadata: { name: 'db-0', namespace: 'prod', uid: 'u1', annotations: { 'drbd.linbit.com/ignore-fail-over': '' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 's1' }], deletionTimestamp: new Date() },
    spec: {
      nodeName: 'node-a',
      containers: [{ name: 'c' }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }, { name: 'ro', persistentVolumeClaim: { claimName: 'ref', readOnly: true } }, { name: 'tmp', emptyDir: {} }],
    },
    status: { phase: 'Running' },
  });
  assert.equal(p, {
    namespace: 'prod',
    name: 'db-0',
    uid: 'u1',
    nodeName: 'node-a',
    annotations: { 'drbd.linbit.com/ignore-fail-over': '' },
    ownerKinds: ['StatefulSet'],
    claims: [{ claimName: 'data-db-0', readOnly: false }, { claimName: 'ref', readOnly: true }],
    deleting: true,
    finished: false,
  });
  const bare = podInfo({ metadata: { name: 'x', namespace: 'd', uid: 'u2' }, spec: { containers: [] }, status: { phase: 'Succeeded' } });
  assert.equal(bare.ownerKinds, []);
  assert.is(bare.nodeName, undefined);
  assert.is(bare.finished, true);
  assert.is(bare.deleting, false);
});

test('pvInfo / pvcInfo: CSI driver and handle, the claim it is bound to; a non-CSI PV has no driver', () => {
  assert.equal(pvInfo({ metadata: { name: 'pv1', uid: 'p' }, spec: { csi: { driver: 'linstor.csi.linbit.com', volumeHandle: 'pvc-1' }, claimRef: { namespace: 'prod', name: 'data' } } }), {
    name: 'pv1',
    uid: 'p',
    driver: 'linstor.csi.linbit.com',
    volumeHandle: 'pvc-1',
    claim: { namespace: 'prod', name: 'data' },
  });
  assert.equal(pvInfo({ metadata: { name: 'nfs', uid: 'n' }, spec: { nfs: { server: 's', path: '/' } } }), { name: 'nfs', uid: 'n' });
  assert.equal(pvcInfo({ metadata: { name: 'data', namespace: 'prod', uid: 'c' }, spec: { volumeName: 'pv1' } }), { namespace: 'prod', name: 'data', uid: 'c', volumeName: 'pv1' });
});

test('attachmentInfo and nodeInfo: attacher, PV, node, deletion; Ready condition and taints', () => {
  assert.equal(
    attachmentInfo({ metadata: { name: 'csi-1', uid: 'v', deletionTimestamp: new Date() }, spec: { attacher: 'linstor.csi.linbit.com', nodeName: 'node-a', source: { persistentVolumeName: 'pv1' } } }),
    { name: 'csi-1', uid: 'v', attacher: 'linstor.csi.linbit.com', nodeName: 'node-a', deleting: true, pvName: 'pv1' },
  );
  assert.equal(nodeInfo({ metadata: { name: 'node-a' }, spec: { taints: [{ key: 'drbd.linbit.com/lost-quorum', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }), {
    name: 'node-a',
    ready: true,
    taints: [{ key: 'drbd.linbit.com/lost-quorum', effect: 'NoSchedule' }],
  });
  assert.is(nodeInfo({ metadata: { name: 'node-b' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }).ready, false);
  assert.is(nodeInfo({ metadata: { name: 'node-c' } }).ready, false);
});

test.run();
