/**
 * Snapshot logic without LINSTOR: reading snapshot state, sizes and restore placement, and the
 * handlers against an in-memory LINSTOR stub (a snapshot LINSTOR marks failed right after
 * creation is removed and never returned; ListSnapshots paging and bad tokens).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Code, CsiError } from '../../src/csi/errors.js';
import type { ControllerDeps } from '../../src/controller-service/index.js';
import { cloneUnsupported } from '../../src/controller-service/snapshots/clone.js';
import { createSnapshotServices } from '../../src/controller-service/snapshots/index.js';
import { snapshotState, toCsiSnapshot } from '../../src/controller-service/snapshots/model.js';
import { restoreCandidates, targetSizeKiB } from '../../src/controller-service/snapshots/restore.js';
import type { CreatePlan } from '../../src/controller-service/create-volume.js';
import type { LinstorClient } from '../../src/linstor/client.js';
import { LinstorApiError } from '../../src/linstor/errors.js';
import { FAIL_NOT_ENOUGH_NODES, FAIL_NOT_FOUND_RSC_DFN, makeRetCode } from '../../src/linstor/apicallrc.js';
import type { ApiCallRc, Snapshot } from '../../src/linstor/types.js';
import { silentLogger } from '../../src/log/logger.js';
import { InFlight } from '../../src/csi/inflight.js';
import type { CallContext } from '../../src/csi/handler.js';
import type { Config } from '../../src/config/config.js';

const snap = (over: Partial<Snapshot> = {}): Snapshot => ({
  name: 'snapshot-a',
  resource_name: 'pvc-a',
  nodes: ['node-a'],
  flags: ['SUCCESSFUL'],
  volume_definitions: [{ volume_number: 0, size_kib: 65536 }],
  snapshots: [
    { snapshot_name: 'snapshot-a', node_name: 'node-a', create_timestamp: 1_700_000_000_123 },
    { snapshot_name: 'snapshot-a', node_name: 'node-b', create_timestamp: 1_700_000_000_456 },
  ],
  ...over,
});

test('snapshot state from LINSTOR flags', () => {
  assert.is(snapshotState(snap()), 'ready');
  assert.is(snapshotState(snap({ flags: [] })), 'pending');
  assert.is(snapshotState(snap({ flags: ['FAILED_DEPLOYMENT'] })), 'failed');
  assert.is(snapshotState(snap({ flags: ['SUCCESSFUL', 'FAILED_DISCONNECT'] })), 'failed');
  assert.is(snapshotState(snap({ flags: ['SUCCESSFUL', 'DELETE'] })), 'deleting');
});

test('CSI view: id, size from volume 0, creation time from the earliest node timestamp', () => {
  const s = toCsiSnapshot(snap(), 42);
  assert.equal(s, {
    snapshot_id: 'InCluster:///pvc-a/snapshot-a',
    source_volume_id: 'pvc-a',
    size_bytes: String(64 * 1024 * 1024),
    creation_time: { seconds: '1700000000', nanos: 123_000_000 },
    ready_to_use: true,
    group_snapshot_id: '',
  });
  const failed = toCsiSnapshot(snap({ flags: ['FAILED_DEPLOYMENT'], snapshots: [{ snapshot_name: 'snapshot-a', node_name: 'node-a' }] }), 5_000);
  assert.is(failed.ready_to_use, false);
  assert.equal(failed.creation_time, { seconds: '5', nanos: 0 });
});

const plan = (required: string, limit = '0', sizeKiB = 1024n): Pick<CreatePlan, 'request' | 'sizeKiB'> =>
  ({ request: { capacity_range: { required_bytes: required, limit_bytes: limit } }, sizeKiB }) as unknown as Pick<CreatePlan, 'request' | 'sizeKiB'>;

test('restore size: at least the source; smaller explicit requests are OUT_OF_RANGE', () => {
  assert.is(targetSizeKiB(plan('0', '0', 2048n), 65536n, 'snapshot'), 65536n);
  assert.is(targetSizeKiB(plan(String(128 * 1024 * 1024), '0', 131072n), 65536n, 'snapshot'), 131072n);
  for (const p of [plan(String(32 * 1024 * 1024), '0', 32768n), plan('0', String(32 * 1024 * 1024))]) {
    try {
      targetSizeKiB(p, 65536n, 'snapshot');
      assert.unreachable('expected OUT_OF_RANGE');
    } catch (e) {
      assert.instance(e, CsiError);
      assert.is((e as CsiError).code, Code.OUT_OF_RANGE);
    }
  }
});

const node = (name: string, zone: string, online = true) => ({ name, online, excluded: false, segments: { 'linbit.com/hostname': name, 'topology.kubernetes.io/zone': zone } });

test('restore node: a snapshot holder, preferred topology first, then by name', () => {
  const nodes = [node('node-a', 'z1'), node('node-b', 'z2'), node('node-c', 'z2'), node('node-d', 'z3', false)];
  const params = { remoteAccess: { kind: 'anywhere' }, placementPolicy: 'AutoPlaceTopology', nodeList: [] } as unknown as CreatePlan['params'];
  const pick = (holders: string[], preferred: Record<string, string>[], requisite: Record<string, string>[] = []) =>
    restoreCandidates(holders, nodes, { params, topology: { preferred, requisite } }).map((n) => n.name);
  assert.equal(pick(['node-a', 'node-b', 'node-c'], []), ['node-a', 'node-b', 'node-c']);
  assert.equal(pick(['node-a', 'node-b', 'node-c'], [{ 'topology.kubernetes.io/zone': 'z2' }]), ['node-b', 'node-c', 'node-a']);
  assert.equal(pick(['node-a', 'node-c'], [{ 'linbit.com/hostname': 'node-c' }]), ['node-c', 'node-a']);
  assert.equal(pick(['node-d'], []), [], 'offline holders are not candidates');
  const local = { ...params, remoteAccess: { kind: 'local' } } as unknown as CreatePlan['params'];
  const r = restoreCandidates(['node-a', 'node-b'], nodes, { params: local, topology: { preferred: [], requisite: [{ 'linbit.com/hostname': 'node-b' }] } });
  assert.equal(r.map((n) => n.name), ['node-b', 'node-a'], 'a holder the requisite node can use comes first');
});

const apiError = (status: number, code?: bigint): LinstorApiError =>
  new LinstorApiError({ status, method: 'POST', path: '/v1/resource-definitions/x/clone', entries: code === undefined ? [] : [{ ret_code: makeRetCode(code, 0n, 0n), message: 'm' }], endpoint: 'http://x' });

test('clone falls back to snapshot-and-restore only where LINSTOR cannot clone', () => {
  assert.ok(cloneUnsupported(apiError(404)));
  assert.ok(cloneUnsupported(apiError(405)));
  assert.ok(cloneUnsupported(apiError(501, FAIL_NOT_ENOUGH_NODES)));
  assert.ok(cloneUnsupported(apiError(500, FAIL_NOT_ENOUGH_NODES)));
  assert.not.ok(cloneUnsupported(apiError(404, FAIL_NOT_FOUND_RSC_DFN)), 'a missing source is NOT_FOUND, not a fallback');
  assert.not.ok(cloneUnsupported(new Error('x')));
});

// ---- handlers against a stub -------------------------------------------------------------

interface Stub {
  snaps: Snapshot[];
  calls: string[];
  /** Flags a newly created snapshot gets. */
  createFlags: string[];
}

function stubLinstor(st: Stub): LinstorClient {
  const ok = async (): Promise<ApiCallRc[]> => [];
  const notFound = (path: string) => new LinstorApiError({ status: 404, method: 'GET', path, entries: [], endpoint: 'http://stub' });
  const snapshots = {
    view: async () => (st.calls.push('view'), st.snaps),
    list: async (rd: string) => (st.calls.push(`list ${rd}`), st.snaps.filter((s) => s.resource_name === rd)),
    get: async (rd: string, name: string) => {
      st.calls.push(`get ${rd}/${name}`);
      const s = st.snaps.find((x) => x.resource_name === rd && x.name === name);
      if (!s) throw notFound(`/v1/resource-definitions/${rd}/snapshots/${name}`);
      return s;
    },
    create: async (rd: string, body: { name: string }) => {
      st.calls.push(`create ${rd}/${body.name}`);
      st.snaps.push(snap({ name: body.name, resource_name: rd, flags: st.createFlags }));
      return [];
    },
    delete: async (rd: string, name: string) => {
      st.calls.push(`delete ${rd}/${name}`);
      st.snaps = st.snaps.filter((s) => !(s.resource_name === rd && s.name === name));
      return [];
    },
  };
  const resourceDefinitions = { list: async () => [{ name: 'pvc-a', props: {} }], delete: ok };
  return { snapshots, resourceDefinitions } as unknown as LinstorClient;
}

function services(st: Stub) {
  const deps: ControllerDeps = {
    linstor: stubLinstor(st),
    config: { propertyNamespace: 'Aux/topology' } as Config,
    log: silentLogger(),
    clock: { now: () => 1_000, sleep: async () => undefined },
    inflight: new InFlight(),
  };
  return createSnapshotServices(deps).controllerHandlers;
}

const ctx: CallContext = { log: silentLogger(), requestId: 't', signal: new AbortController().signal };

async function rejects(p: Promise<unknown>): Promise<CsiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CsiError) return e;
    throw e;
  }
  throw new Error('expected a CsiError');
}

test('a snapshot LINSTOR marks FAILED after creation is deleted and reported UNAVAILABLE, never ready', async () => {
  const st: Stub = { snaps: [], calls: [], createFlags: ['FAILED_DEPLOYMENT'] };
  const h = services(st);
  const req = { name: 'snapshot-x', source_volume_id: 'pvc-a', parameters: {}, secrets: {} };
  const e = await rejects(h.CreateSnapshot!(req, ctx));
  assert.is(e.code, Code.UNAVAILABLE);
  assert.match(e.message, /FAILED_DEPLOYMENT/);
  assert.equal(st.snaps, [], 'the failed snapshot is gone');
  assert.ok(st.calls.includes('delete pvc-a/snapshot-x'));
  // The retry, once LINSTOR succeeds, returns a ready snapshot.
  st.createFlags = ['SUCCESSFUL'];
  const r = await h.CreateSnapshot!(req, ctx);
  assert.ok(r.snapshot?.ready_to_use);
  assert.equal(st.calls.slice(-3), ['view', 'create pvc-a/snapshot-x', 'get pvc-a/snapshot-x'], 'three round trips for a new snapshot');
});

test('ListSnapshots: bad token ABORTED before any LINSTOR call; paging by id', async () => {
  const st: Stub = { snaps: ['s1', 's2', 's3', 's4', 's5'].map((n) => snap({ name: `snapshot-${n}` })), calls: [], createFlags: ['SUCCESSFUL'] };
  const h = services(st);
  const base = { snapshot_id: '', source_volume_id: '', secrets: {} };
  const e = await rejects(h.ListSnapshots!({ ...base, max_entries: 0, starting_token: 'bogus' }, ctx));
  assert.is(e.code, Code.ABORTED);
  assert.equal(st.calls, []);
  assert.is((await rejects(h.ListSnapshots!({ ...base, max_entries: -1, starting_token: '' }, ctx))).code, Code.INVALID_ARGUMENT);
  const p1 = await h.ListSnapshots!({ ...base, max_entries: 2, starting_token: '' }, ctx);
  assert.equal(p1.entries?.map((x) => x.snapshot?.snapshot_id), ['InCluster:///pvc-a/snapshot-s1', 'InCluster:///pvc-a/snapshot-s2']);
  const p2 = await h.ListSnapshots!({ ...base, max_entries: 2, starting_token: p1.next_token ?? '' }, ctx);
  assert.equal(p2.entries?.map((x) => x.snapshot?.snapshot_id), ['InCluster:///pvc-a/snapshot-s3', 'InCluster:///pvc-a/snapshot-s4']);
  const p3 = await h.ListSnapshots!({ ...base, max_entries: 2, starting_token: p2.next_token ?? '' }, ctx);
  assert.is(p3.entries?.length, 1);
  assert.is(p3.next_token, '');
  // Snapshots being deleted are not listed.
  st.snaps[0] = snap({ name: 'snapshot-s1', flags: ['SUCCESSFUL', 'DELETE'] });
  const all = await h.ListSnapshots!({ ...base, max_entries: 0, starting_token: '' }, ctx);
  assert.is(all.entries?.length, 4);
});

test('DeleteSnapshot of unknown and malformed ids is OK; an in-cluster id is deleted by name, nothing else is', async () => {
  const st: Stub = { snaps: [snap({ name: 'snapshot-keep', resource_name: 'pvc-a' })], calls: [], createFlags: ['SUCCESSFUL'] };
  const h = services(st);
  await h.DeleteSnapshot!({ snapshot_id: 'not an id', secrets: {} }, ctx);
  assert.equal(st.calls, []);
  // One request, no lookup first: LINSTOR answers a missing snapshot with a not-found warning.
  await h.DeleteSnapshot!({ snapshot_id: 'InCluster:///pvc-a/snapshot-zz', secrets: {} }, ctx);
  assert.equal(st.calls, ['delete pvc-a/snapshot-zz']);
  assert.is(st.snaps.length, 1);
});

test.run();
