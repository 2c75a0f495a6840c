import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeToken, pageRange, paginate } from '../../src/controller-service/pagination.js';
import { VolumeListing, VolumeListings } from '../../src/controller-service/volume-listing.js';
import type { LinstorClient } from '../../src/linstor/client.js';
import type { ResourceDefinition, ResourceWithVolumes } from '../../src/linstor/types.js';
import { WriteTracker } from '../../src/linstor/write-tracker.js';
import type { Clock } from '../../src/util/clock.js';

const MARK = 'Aux/csi-provisioning-completed-by';
const rd = (name: string, kib = 1024, props: Record<string, string> = { [MARK]: 'linstor-csi' }): ResourceDefinition =>
  ({ name, props, volume_definitions: [{ volume_number: 0, size_kib: kib }] }) as ResourceDefinition;
const rsc = (name: string, node: string): ResourceWithVolumes =>
  ({ name, node_name: node, state: { in_use: false }, volumes: [{ volume_number: 0, state: { disk_state: 'UpToDate' } }] }) as ResourceWithVolumes;

/** A LINSTOR double: the RD list and resource view it answers, how often it was read, and its write tracker. */
function fakeLinstor(rds: ResourceDefinition[], withWrites = true) {
  const state = { rds, reads: 0, gate: undefined as Promise<void> | undefined };
  const writes = new WriteTracker();
  const client = {
    ...(withWrites ? { writes } : {}),
    resourceDefinitions: { list: async () => (state.reads++, await state.gate, state.rds) },
    resources: { view: async () => (await state.gate, state.rds.flatMap((d) => [rsc(d.name, 'node-a'), rsc(d.name, 'node-b')])) },
  } as unknown as LinstorClient;
  return { state, writes, client };
}

function clock(): Clock & { t: number } {
  const c = { t: 1000, now: () => c.t, sleep: async () => undefined };
  return c as unknown as Clock & { t: number };
}

const ctx = { signal: new AbortController().signal };

test('pageRange gives the pages paginate gives, tokens included', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  for (const max of [0, 1, 2, 3, 7, 9]) {
    for (const after of ['', 'a', 'c', 'cc', 'g', 'z', '0']) {
      const token = after === '' ? '' : encodeToken(after);
      const want = paginate(ids, (x) => x, token, max);
      const got = pageRange(ids, token, max);
      assert.equal(ids.slice(got.start, got.end), want.items, `max ${max} after ${after}`);
      assert.is(got.nextToken, want.nextToken);
    }
  }
});

test('a listing holds only provisioned, visible, sized volumes, sorted, with their resources', () => {
  const listing = VolumeListing.from(
    [rd('pvc-b'), rd('pvc-a', 2048), rd('foreign', 1, {}), rd('pvc-hidden', 1, { [MARK]: 'x', 'Aux/csi-volume-deleted': 'true' }), rd('pvc-empty', 0)],
    [rsc('pvc-a', 'node-a'), rsc('PVC-A', 'node-b'), rsc('pvc-b', 'node-c')],
  );
  assert.equal(listing.ids, ['pvc-a', 'pvc-b']);
  const [a, b] = listing.slice(0, 2);
  assert.is(a?.volume?.capacity_bytes, String(2048 * 1024));
  assert.is(a?.status?.volume_condition?.message, '2 replica(s) UpToDate on node-a, node-b');
  assert.is(b?.status?.volume_condition?.abnormal, false);
  assert.is(listing.slice(0, 1)[0], a, 'entries are built once');
});

test('a listing is reused until it is too old', async () => {
  const f = fakeLinstor([rd('pvc-1')]);
  const c = clock();
  const l = new VolumeListings({ linstor: f.client, clock: c }, 2000);
  await l.get(ctx);
  await l.get(ctx);
  assert.is(f.state.reads, 1);
  c.t += 1999;
  await l.get(ctx);
  assert.is(f.state.reads, 1);
  c.t += 1;
  await l.get(ctx);
  assert.is(f.state.reads, 2, 'read again at max age');
});

test("the driver's own write makes the next listing read LINSTOR again", async () => {
  const f = fakeLinstor([rd('pvc-1')]);
  const l = new VolumeListings({ linstor: f.client, clock: clock() }, 60_000);
  assert.equal((await l.get(ctx)).ids, ['pvc-1']);
  f.writes.begin();
  f.state.rds = [rd('pvc-1'), rd('pvc-2')];
  assert.equal((await l.get(ctx)).ids, ['pvc-1', 'pvc-2'], 'a write in flight: read, not reused');
  f.writes.end();
  assert.equal((await l.get(ctx)).ids, ['pvc-1', 'pvc-2']);
  const reads = f.state.reads;
  await l.get(ctx);
  assert.is(f.state.reads, reads, 'reused once no write happened since');
});

test('concurrent calls share one read, but not one that began before a write', async () => {
  const f = fakeLinstor([rd('pvc-1')]);
  const l = new VolumeListings({ linstor: f.client, clock: clock() }, 60_000);
  let open: () => void = () => undefined;
  f.state.gate = new Promise<void>((r) => (open = r));
  const first = l.get(ctx);
  const second = l.get(ctx);
  // A write completes while the shared read is in flight: a call arriving now must see it.
  f.writes.begin();
  f.writes.end();
  const third = l.get(ctx);
  open();
  await Promise.all([first, second, third]);
  assert.is(f.state.reads, 2);
  await l.get(ctx);
  assert.is(f.state.reads, 2, 'the read begun after the write is the one kept');
});

test('no write tracker (or max age 0): every call reads', async () => {
  const f = fakeLinstor([rd('pvc-1')], false);
  const l = new VolumeListings({ linstor: f.client, clock: clock() }, 60_000);
  await l.get(ctx);
  await l.get(ctx);
  assert.is(f.state.reads, 2);
  const g = fakeLinstor([rd('pvc-1')]);
  const off = new VolumeListings({ linstor: g.client, clock: clock() }, 0);
  await off.get(ctx);
  await off.get(ctx);
  assert.is(g.state.reads, 2);
});

test.run();
