import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, CsiError } from '../../src/csi/errors.js';
import { decodeToken, encodeToken, paginate } from '../../src/controller-service/pagination.js';
import { volumeCondition } from '../../src/controller-service/volume-condition.js';
import type { ResourceWithVolumes } from '../../src/linstor/types.js';

test('pagination walks every item once, in id order', () => {
  const ids = ['c', 'a', 'e', 'b', 'd'];
  const seen: string[] = [];
  let token = '';
  let pages = 0;
  do {
    const p = paginate(ids, (x) => x, token, 2);
    seen.push(...p.items);
    token = p.nextToken;
    pages++;
  } while (token !== '');
  assert.equal(seen, ['a', 'b', 'c', 'd', 'e']);
  assert.is(pages, 3);
  assert.equal(paginate(ids, (x) => x, '', 0).items.length, 5);
});

test('pagination survives deletion of the last returned id', () => {
  const p1 = paginate(['a', 'b', 'c'], (x) => x, '', 2);
  assert.equal(paginate(['a', 'c'], (x) => x, p1.nextToken, 2).items, ['c']);
});

test('invalid tokens are ABORTED', () => {
  for (const t of ['garbage!', encodeToken('x').slice(0, 2), Buffer.from('v2:x').toString('base64url')]) {
    try {
      decodeToken(t);
      assert.unreachable(t);
    } catch (e) {
      assert.is((e as CsiError).code, Code.ABORTED, t);
    }
  }
  assert.is(decodeToken(encodeToken('pvc-1')), 'pvc-1');
});

const rsc = (node: string, disk: string, extra: Partial<ResourceWithVolumes> = {}): ResourceWithVolumes => ({
  name: 'pvc-1',
  node_name: node,
  state: { in_use: false },
  volumes: [{ volume_number: 0, state: { disk_state: disk } }],
  ...extra,
});

test('healthy volume', () => {
  const c = volumeCondition([rsc('n1', 'UpToDate'), rsc('n2', 'UpToDate'), rsc('n3', 'Diskless', { flags: ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'] })]);
  assert.is(c.abnormal, false);
  assert.match(c.message, 'n1, n2');
});

test('replica not UpToDate names node and what to do', () => {
  const c = volumeCondition([rsc('n1', 'UpToDate'), rsc('n2', 'Outdated')]);
  assert.is(c.abnormal, true);
  assert.match(c.message, 'node n2');
  assert.match(c.message, 'Outdated');
  const s = volumeCondition([
    rsc('n1', 'UpToDate'),
    rsc('n2', 'Inconsistent', { volumes: [{ volume_number: 0, state: { disk_state: 'Inconsistent', replication_states: { n1: { replication_state: 'SyncTarget', done_percentage: 42 } } } }] }),
  ]);
  assert.match(s.message, '42%');
  assert.match(s.message, 'wait for the resync');
  assert.match(volumeCondition([rsc('n1', 'Failed')]).message, 'replace the backing disk');
});

test('offline node', () => {
  const c = volumeCondition([rsc('n1', 'UpToDate'), { name: 'pvc-1', node_name: 'n2', volumes: [{ volume_number: 0 }] }]);
  assert.is(c.abnormal, true);
  assert.match(c.message, 'node n2 holding a replica is offline');
});

test('StandAlone connection and lost quorum', () => {
  const conn = (peers: Record<string, { connected: boolean; message: string }>): Partial<ResourceWithVolumes> => ({
    layer_object: { type: 'DRBD', drbd: { connections: peers } },
  });
  const c = volumeCondition([
    rsc('n1', 'UpToDate', conn({ n2: { connected: false, message: 'StandAlone' }, n3: { connected: false, message: 'Connecting' } })),
    rsc('n2', 'UpToDate', conn({ n1: { connected: false, message: 'StandAlone' }, n3: { connected: true, message: 'Connected' } })),
    rsc('n3', 'UpToDate', conn({ n1: { connected: false, message: 'Connecting' }, n2: { connected: true, message: 'Connected' } })),
  ], 0, Date.parse('2026-01-02T03:04:05Z'));
  assert.is(c.abnormal, true);
  assert.match(c.message, 'split brain between nodes n1 and n2 since 2026-01-02T03:04:05.000Z');
  assert.match(c.message, 'docs/split-brain.md');
  assert.match(c.message, 'linstor-csi split-brain resolve pvc-1 --keep NODE');
  assert.match(c.message, 'node n1 has lost quorum');
  assert.not.match(c.message, 'node n2 has lost quorum');
});

test('deleting resources are ignored; none left is abnormal', () => {
  assert.is(volumeCondition([rsc('n1', 'UpToDate'), rsc('n2', 'Failed', { flags: ['DELETE'] })]).abnormal, false);
  assert.is(volumeCondition([]).abnormal, true);
});

test.run();
