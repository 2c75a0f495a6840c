/**
 * Controller service over its unix socket against the LINSTOR emulator: every RPC, happy and
 * error paths, checked against LINSTOR's state through the REST API.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLinstorClient, type HttpLinstorClient } from '../../src/linstor/http-client.js';
import { silentLogger } from '../../src/log/logger.js';
import { systemClock } from '../../src/util/clock.js';
import { GRPC, GiB, MiB, blockCap, createReq, mountCap, rejectsWith, startRig, type Rig } from './controller-harness.js';

interface Ctx {
  rig: Rig;
  api: HttpLinstorClient;
}

const t = suite<Ctx>('controller RPCs');

t.before(async (ctx) => {
  ctx.rig = await startRig({ nodes: ['node-a', 'node-b', 'node-c', 'node-d'] });
  ctx.api = createLinstorClient({ endpoints: [ctx.rig.emu.url] }, { clock: systemClock, logger: silentLogger() });
  const zones: Record<string, string> = { 'node-a': 'z1', 'node-b': 'z1', 'node-c': 'z2', 'node-d': 'z2' };
  for (const [n, z] of Object.entries(zones)) {
    await ctx.api.nodes.modify(n, { override_props: { 'Aux/topology/topology.kubernetes.io/zone': z, 'Aux/topology/linbit.com/hostname': n } });
  }
});

t.after(async (ctx) => {
  ctx.api.close();
  await ctx.rig.stop();
});

const diskfulNodes = async (ctx: Ctx, rd: string): Promise<string[]> =>
  (await ctx.api.resources.view({ resources: [rd] }))
    .filter((r) => !(r.flags ?? []).includes('DISKLESS'))
    .map((r) => r.node_name)
    .sort();

t('ControllerGetCapabilities advertises exactly what is implemented', async ({ rig }) => {
  const r = await rig.controller.ControllerGetCapabilities({});
  const types = (r.capabilities as { rpc: { type: string } }[]).map((c) => c.rpc.type).sort();
  assert.equal(types, [
    'CLONE_VOLUME',
    'CREATE_DELETE_SNAPSHOT',
    'CREATE_DELETE_VOLUME',
    'EXPAND_VOLUME',
    'GET_CAPACITY',
    'GET_SNAPSHOT',
    'GET_VOLUME',
    'LIST_SNAPSHOTS',
    'LIST_VOLUMES',
    'LIST_VOLUMES_PUBLISHED_NODES',
    'MODIFY_VOLUME',
    'PUBLISH_READONLY',
    'PUBLISH_UNPUBLISH_VOLUME',
    'SINGLE_NODE_MULTI_WRITER',
    'VOLUME_CONDITION',
  ]);
  // Snapshots come from the snapshot module (src/controller-service/snapshots, wired in src/driver.ts).
  await rejectsWith(rig.controller.CreateSnapshot({ name: 's', source_volume_id: 'x' }), GRPC.NOT_FOUND);
});

t('CreateVolume: places replicas, writes properties, returns the volume context', async (ctx) => {
  const { rig, api } = ctx;
  const r = await rig.controller.CreateVolume(
    createReq('pvc-create-1', { volume_capabilities: [mountCap('xfs')], capacity_range: { required_bytes: String(400 * MiB) } }, {
      mountOpts: 'noatime',
      postMountXfsOpts: 'extsize 2m',
      fsOpts: '-m crc=1',
      'csi.storage.k8s.io/pvc/name': 'data',
      'csi.storage.k8s.io/pvc/namespace': 'shop',
      'DrbdOptions/Net/protocol': 'C',
    }),
  );
  assert.is(r.volume.volume_id, 'pvc-create-1');
  assert.is(r.volume.capacity_bytes, String(400 * MiB));
  assert.equal(r.volume.accessible_topology, []);
  assert.equal(r.volume.volume_context['linstor.csi.linbit.com/mount-options'], 'noatime');
  assert.equal(r.volume.volume_context['linstor.csi.linbit.com/post-mount-xfs-opts'], 'extsize 2m');
  assert.equal(r.volume.volume_context['linstor.csi.linbit.com/fs-opts'], '-m crc=1');
  assert.equal(r.volume.volume_context['linstor.csi.linbit.com/fs-type'], 'xfs');
  assert.equal(r.volume.volume_context['linstor.csi.linbit.com/remote-access-policy'], 'true');
  assert.is((await diskfulNodes(ctx, 'pvc-create-1')).length, 2);
  const rd = await api.resourceDefinitions.get('pvc-create-1');
  assert.match(rd.props?.['Aux/csi-provisioning-completed-by'] ?? '', /^linstor-csi\//);
  assert.is(rd.props?.['Aux/csi.storage.k8s.io/pvc/name'], 'data');
  assert.is(rd.props?.['Aux/csi.storage.k8s.io/pvc/namespace'], 'shop');
  const rg = await api.resourceGroups.get(rd.resource_group_name ?? '');
  assert.is(rg.props?.['DrbdOptions/Net/protocol'], 'C');
  assert.is(rg.select_filter?.place_count, 2);
});

t('CreateVolume is idempotent; incompatible repeats are ALREADY_EXISTS', async ({ rig }) => {
  const a = await rig.controller.CreateVolume(createReq('pvc-idem'));
  const b = await rig.controller.CreateVolume(createReq('pvc-idem'));
  assert.equal(b, a);
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-idem', { capacity_range: { required_bytes: String(GiB) } })), GRPC.ALREADY_EXISTS, 'size');
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-idem', {}, { placementCount: '3' })), GRPC.ALREADY_EXISTS, 'resource group');
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-idem', { volume_capabilities: [blockCap()] })), GRPC.ALREADY_EXISTS, 'volume mode');
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-idem', { volume_capabilities: [mountCap('xfs')] })), GRPC.ALREADY_EXISTS, 'filesystem');
});

t('CreateVolume validation errors', async ({ rig }) => {
  await rejectsWith(rig.controller.CreateVolume(createReq('')), GRPC.INVALID_ARGUMENT, 'name');
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-v', { volume_capabilities: [] })), GRPC.INVALID_ARGUMENT, 'volume_capabilities');
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-v', {}, { placementcont: '2' })), GRPC.INVALID_ARGUMENT, 'placementcont', 'placementCount');
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-v', {}, { nodeList: 'node-a' })), GRPC.INVALID_ARGUMENT, 'placementCount', 'nodeList');
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-v', { volume_capabilities: [mountCap('ext4', 'MULTI_NODE_MULTI_WRITER')] })), GRPC.INVALID_ARGUMENT, 'ReadWriteMany');
  await rejectsWith(
    rig.controller.CreateVolume(createReq('pvc-v', { volume_capabilities: [mountCap('xfs')], capacity_range: { required_bytes: '1', limit_bytes: String(100 * MiB) } })),
    GRPC.OUT_OF_RANGE,
    'xfs minimum',
  );
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-v', { volume_content_source: { snapshot: { snapshot_id: 'x' } } })), GRPC.NOT_FOUND, 'does not exist');
});

t('CreateVolume names: vol-<uuid> for invalid CSI names, <ns>-<pvc> with usePvcName', async ({ rig, api }) => {
  const r = await rig.controller.CreateVolume(createReq('not a linstor name', {}, { placementCount: '1' }));
  assert.match(r.volume.volume_id, /^vol-[0-9a-f-]{36}$/);
  const again = await rig.controller.CreateVolume(createReq('not a linstor name', {}, { placementCount: '1' }));
  assert.is(again.volume.volume_id, r.volume.volume_id);
  const p = await rig.controller.CreateVolume(
    createReq('pvc-xyz', {}, { placementCount: '1', usePvcName: 'true', 'csi.storage.k8s.io/pvc/name': 'db', 'csi.storage.k8s.io/pvc/namespace': 'prod' }),
  );
  assert.is(p.volume.volume_id, 'prod-db');
  assert.is((await api.resourceDefinitions.get('prod-db')).props?.['Aux/csi-volume-name'], 'pvc-xyz');
});

t('topology: preferred node gets a replica; local policy gives hostname affinity', async (ctx) => {
  const r = await ctx.rig.controller.CreateVolume(
    createReq(
      'pvc-topo-local',
      {
        accessibility_requirements: {
          requisite: ['node-a', 'node-b', 'node-c', 'node-d'].map((n) => ({ segments: { 'linbit.com/hostname': n } })),
          preferred: [{ segments: { 'linbit.com/hostname': 'node-d' } }],
        },
      },
      { allowRemoteVolumeAccess: 'false' },
    ),
  );
  const nodes = await diskfulNodes(ctx, 'pvc-topo-local');
  assert.ok(nodes.includes('node-d'), nodes.join());
  assert.equal(
    r.volume.accessible_topology.map((t: { segments: Record<string, string> }) => t.segments['linbit.com/hostname']).sort(),
    nodes,
  );
});

t('topology: fromSame zone policy keeps replicas in the requisite zone and reports the zone', async (ctx) => {
  const r = await ctx.rig.controller.CreateVolume(
    createReq(
      'pvc-topo-zone',
      { accessibility_requirements: { requisite: [{ segments: { 'topology.kubernetes.io/zone': 'z2' } }], preferred: [] } },
      { allowRemoteVolumeAccess: '- fromSame:\n  - topology.kubernetes.io/zone\n' },
    ),
  );
  assert.equal(await diskfulNodes(ctx, 'pvc-topo-zone'), ['node-c', 'node-d']);
  assert.equal(r.volume.accessible_topology, [{ segments: { 'topology.kubernetes.io/zone': 'z2' } }]);
  await rejectsWith(
    ctx.rig.controller.CreateVolume(
      createReq('pvc-topo-none', { accessibility_requirements: { requisite: [{ segments: { 'topology.kubernetes.io/zone': 'z9' } }], preferred: [] } }, { allowRemoteVolumeAccess: 'false' }),
    ),
    GRPC.RESOURCE_EXHAUSTED,
    'topology',
  );
});

t('Manual placement: nodeList diskful, clientList diskless', async (ctx) => {
  await ctx.rig.controller.CreateVolume({ ...createReq('pvc-manual'), parameters: { nodeList: 'node-b node-c', clientList: 'node-a' } });
  assert.equal(await diskfulNodes(ctx, 'pvc-manual'), ['node-b', 'node-c']);
  const client = (await ctx.api.resources.view({ resources: ['pvc-manual'], nodes: ['node-a'] }))[0];
  assert.ok(client && (client.flags ?? []).includes('DISKLESS'));
});

t('resource groups are shared per parameter set; a conflicting named group is INVALID_ARGUMENT', async ({ rig, api }) => {
  await rig.controller.CreateVolume(createReq('pvc-rg-1', {}, { placementCount: '1', storagePool: 'thin-pool' }));
  await rig.controller.CreateVolume(createReq('pvc-rg-2', {}, { placementCount: '1', storagePool: 'thin-pool' }));
  const a = await api.resourceDefinitions.get('pvc-rg-1');
  const b = await api.resourceDefinitions.get('pvc-rg-2');
  assert.is(a.resource_group_name, b.resource_group_name);
  await rig.controller.CreateVolume(createReq('pvc-rg-3', {}, { resourceGroup: 'gold', placementCount: '1' }));
  await rejectsWith(rig.controller.CreateVolume(createReq('pvc-rg-4', {}, { resourceGroup: 'gold', placementCount: '2' })), GRPC.INVALID_ARGUMENT, 'gold', 'place_count');
  assert.equal(await api.resourceDefinitions.list({ resourceDefinitions: ['pvc-rg-4'] }), []);
});

t('publish/unpublish: diskless client, device path, single-node checks, tie-breaker kept', async (ctx) => {
  const { rig, api } = ctx;
  await rig.controller.CreateVolume(createReq('pvc-pub', {}, { placementCount: '2' }));
  const diskful = await diskfulNodes(ctx, 'pvc-pub');
  const all = ['node-a', 'node-b', 'node-c', 'node-d'];
  const remote = all.filter((n) => !diskful.includes(n));
  const before = await api.resources.view({ resources: ['pvc-pub'] });
  const tieBreaker = before.find((r) => (r.flags ?? []).includes('TIE_BREAKER'))?.node_name;
  assert.ok(tieBreaker, 'two replicas get a tie-breaker');
  const plain = remote.find((n) => n !== tieBreaker) as string;
  const req = { volume_id: 'pvc-pub', node_id: plain, volume_capability: mountCap(), readonly: false, volume_context: {} };
  const p = await rig.controller.ControllerPublishVolume(req);
  assert.is(p.publish_context['linstor.csi.linbit.com/device-path'], '/dev/drbd/by-res/pvc-pub/0');
  const client = (await api.resources.view({ resources: ['pvc-pub'], nodes: [plain] }))[0];
  assert.ok((client?.flags ?? []).includes('DISKLESS'));
  assert.equal(await rig.controller.ControllerPublishVolume(req), p, 'idempotent');
  await rejectsWith(rig.controller.ControllerPublishVolume({ ...req, node_id: diskful[0] }), GRPC.FAILED_PRECONDITION, 'already published', plain);
  await rejectsWith(rig.controller.ControllerPublishVolume({ ...req, readonly: true }), GRPC.ALREADY_EXISTS);
  const listed = await rig.controller.ControllerGetVolume({ volume_id: 'pvc-pub' });
  assert.equal(listed.status.published_node_ids, [plain]);
  await rig.controller.ControllerUnpublishVolume({ volume_id: 'pvc-pub', node_id: plain });
  // Gone, or handed back to LINSTOR as the tie-breaker the two replicas need.
  const left = await api.resources.view({ resources: ['pvc-pub'], nodes: [plain] });
  assert.ok(left.length === 0 || (left[0]?.flags ?? []).includes('TIE_BREAKER'), JSON.stringify(left[0]?.flags));
  assert.equal((await rig.controller.ControllerGetVolume({ volume_id: 'pvc-pub' })).status.published_node_ids, []);
  await rig.controller.ControllerUnpublishVolume({ volume_id: 'pvc-pub', node_id: plain });
  const tbNow = (await api.resources.view({ resources: ['pvc-pub'] })).find((r) => (r.flags ?? []).includes('TIE_BREAKER'))?.node_name as string;
  await rig.controller.ControllerPublishVolume({ ...req, node_id: tbNow });
  const converted = (await api.resources.view({ resources: ['pvc-pub'], nodes: [tbNow] }))[0];
  assert.not.ok((converted?.flags ?? []).includes('TIE_BREAKER'), 'the tie-breaker became the diskless client');
  await rig.controller.ControllerUnpublishVolume({ volume_id: 'pvc-pub', node_id: tbNow });
  const tb = (await api.resources.view({ resources: ['pvc-pub'], nodes: [tbNow] }))[0];
  assert.ok(tb && (tb.flags ?? []).includes('TIE_BREAKER'), 'tie-breaker is kept');
  // A diskful node: publish records, unpublish keeps the replica.
  await rig.controller.ControllerPublishVolume({ ...req, node_id: diskful[0] });
  await rig.controller.ControllerUnpublishVolume({ volume_id: 'pvc-pub', node_id: diskful[0] });
  assert.equal(await diskfulNodes(ctx, 'pvc-pub'), diskful);
});

t('publish errors: unknown volume or node, offline node, remote access refused', async ({ rig }) => {
  const cap = mountCap();
  await rejectsWith(rig.controller.ControllerPublishVolume({ volume_id: 'pvc-nope', node_id: 'node-a', volume_capability: cap }), GRPC.NOT_FOUND, 'pvc-nope');
  await rig.controller.CreateVolume(createReq('pvc-pub-err', {}, { placementCount: '1', allowRemoteVolumeAccess: 'false' }));
  await rejectsWith(rig.controller.ControllerPublishVolume({ volume_id: 'pvc-pub-err', node_id: 'node-x', volume_capability: cap }), GRPC.NOT_FOUND, 'node-x');
  await rejectsWith(rig.controller.ControllerPublishVolume({ volume_id: 'pvc-pub-err', node_id: 'node-a' }), GRPC.INVALID_ARGUMENT, 'volume_capability');
  const ctxPolicy = { 'linstor.csi.linbit.com/remote-access-policy': 'false' };
  await rig.emu.control.setNodeOnline('node-d', false);
  try {
    await rejectsWith(rig.controller.ControllerPublishVolume({ volume_id: 'pvc-pub-err', node_id: 'node-d', volume_capability: cap, volume_context: ctxPolicy }), GRPC.FAILED_PRECONDITION, 'node-d', 'OFFLINE');
  } finally {
    await rig.emu.control.setNodeOnline('node-d', true);
  }
  const others = ['node-a', 'node-b', 'node-c', 'node-d'];
  let refused = 0;
  for (const n of others) {
    try {
      await rig.controller.ControllerPublishVolume({ volume_id: 'pvc-pub-err', node_id: n, volume_capability: cap, volume_context: ctxPolicy });
      await rig.controller.ControllerUnpublishVolume({ volume_id: 'pvc-pub-err', node_id: n });
    } catch (e) {
      assert.is((e as { code: number }).code, GRPC.FAILED_PRECONDITION);
      assert.match((e as { details: string }).details, 'may only be used where it has a replica');
      refused++;
    }
  }
  assert.is(refused, 3);
});

t('ListVolumes pages with tokens; invalid token is ABORTED; entries carry condition and published nodes', async ({ rig }) => {
  const all: string[] = [];
  let token = '';
  do {
    const r = await rig.controller.ListVolumes({ max_entries: 2, starting_token: token });
    assert.ok(r.entries.length <= 2);
    for (const e of r.entries) {
      all.push(e.volume.volume_id);
      assert.type(e.status.volume_condition.abnormal, 'boolean');
      assert.ok(Array.isArray(e.status.published_node_ids));
    }
    token = r.next_token;
  } while (token !== '');
  assert.equal(all, [...all].sort());
  assert.equal(new Set(all).size, all.length);
  assert.ok(all.includes('pvc-idem') && all.includes('pvc-pub'));
  await rejectsWith(rig.controller.ListVolumes({ starting_token: 'bogus!' }), GRPC.ABORTED);
});

t('volume health: replica not UpToDate, node offline, StandAlone, quorum lost', async (ctx) => {
  const { rig } = ctx;
  await rig.controller.CreateVolume(createReq('pvc-health', {}, { placementCount: '3' }));
  const get = async () => (await rig.controller.ControllerGetVolume({ volume_id: 'pvc-health' })).status.volume_condition;
  assert.is((await get()).abnormal, false);
  const diskful = await diskfulNodes(ctx, 'pvc-health');
  const [n1, n2] = diskful as [string, string];
  await rig.emu.control.setDiskState('pvc-health', n1, 'Outdated');
  let c = await get();
  assert.is(c.abnormal, true);
  assert.match(c.message, `node ${n1}`);
  assert.match(c.message, 'Outdated');
  await rig.emu.control.setDiskState('pvc-health', n1, null);
  await rig.emu.control.setConnectionState('pvc-health', n1, 'StandAlone', n2);
  c = await get();
  assert.match(c.message, `split brain between nodes ${[n1, n2].sort().join(' and ')}`);
  assert.match(c.message, 'StandAlone');
  assert.match(c.message, 'docs/split-brain.md');
  await rig.emu.control.setConnectionState('pvc-health', n1, null);
  await rig.emu.control.setQuorumLost('pvc-health', n2, true);
  c = await get();
  assert.is(c.abnormal, true);
  assert.match(c.message, `node ${n2}`);
  await rig.emu.control.setQuorumLost('pvc-health', n2, false);
  await rig.emu.control.setNodeOnline(n2, false);
  try {
    c = await get();
    assert.match(c.message, `node ${n2} holding a replica is offline`);
  } finally {
    await rig.emu.control.setNodeOnline(n2, true);
  }
  assert.is((await get()).abnormal, false);
  await rejectsWith(rig.controller.ControllerGetVolume({ volume_id: 'pvc-missing' }), GRPC.NOT_FOUND);
});

t('ValidateVolumeCapabilities', async ({ rig }) => {
  const ok = await rig.controller.ValidateVolumeCapabilities({ volume_id: 'pvc-idem', volume_capabilities: [mountCap()] });
  assert.ok(ok.confirmed);
  const rwx = await rig.controller.ValidateVolumeCapabilities({ volume_id: 'pvc-idem', volume_capabilities: [mountCap('ext4', 'MULTI_NODE_MULTI_WRITER')] });
  assert.is(rwx.confirmed, null);
  assert.match(rwx.message, 'ReadWriteMany');
  const block = await rig.controller.ValidateVolumeCapabilities({ volume_id: 'pvc-idem', volume_capabilities: [blockCap()] });
  assert.is(block.confirmed, null);
  await rejectsWith(rig.controller.ValidateVolumeCapabilities({ volume_id: 'pvc-nope', volume_capabilities: [mountCap()] }), GRPC.NOT_FOUND);
  await rejectsWith(rig.controller.ValidateVolumeCapabilities({ volume_id: 'pvc-idem', volume_capabilities: [] }), GRPC.INVALID_ARGUMENT);
});

t('GetCapacity: pools, storagePool filter, segment, overProvision, offline nodes excluded', async ({ rig }) => {
  const cap = async (parameters: Record<string, string>, segments?: Record<string, string>) => {
    const r = await rig.controller.GetCapacity({ parameters, volume_capabilities: [mountCap()], ...(segments ? { accessible_topology: { segments } } : {}) });
    return { total: Number(r.available_capacity), max: Number(r.maximum_volume_size?.value ?? 0) };
  };
  const all = await cap({});
  assert.ok(all.total > 0 && all.total <= 4 * 4 * GiB, String(all.total));
  assert.is((await cap({ storagePool: 'no-such-pool' })).total, 0);
  const zoneLocal = await cap({ allowRemoteVolumeAccess: 'false' }, { 'topology.kubernetes.io/zone': 'z1' });
  assert.ok(zoneLocal.total > 0 && zoneLocal.total < all.total);
  const anywhere = await cap({}, { 'topology.kubernetes.io/zone': 'z1' });
  assert.is(anywhere.total, all.total, 'reachable from anywhere: every node counts');
  const over = await cap({ overProvision: '2' });
  assert.ok(over.total > all.total, `${over.total} > ${all.total}`);
  await rig.emu.control.setNodeOnline('node-d', false);
  try {
    assert.ok((await cap({})).total < all.total);
  } finally {
    await rig.emu.control.setNodeOnline('node-d', true);
  }
  await rejectsWith(rig.controller.GetCapacity({ parameters: { bogus: '1' } }), GRPC.INVALID_ARGUMENT, 'bogus');
});

t('ControllerExpandVolume grows; shrinking is OUT_OF_RANGE', async ({ rig, api }) => {
  await rig.controller.CreateVolume(createReq('pvc-grow'));
  const r = await rig.controller.ControllerExpandVolume({ volume_id: 'pvc-grow', capacity_range: { required_bytes: String(128 * MiB) }, volume_capability: mountCap() });
  assert.is(r.capacity_bytes, String(128 * MiB));
  assert.is(r.node_expansion_required, true);
  assert.is((await api.volumeDefinitions.get('pvc-grow', 0)).size_kib, 128 * 1024);
  const same = await rig.controller.ControllerExpandVolume({ volume_id: 'pvc-grow', capacity_range: { required_bytes: String(64 * MiB) } });
  assert.is(same.capacity_bytes, String(128 * MiB));
  await rejectsWith(rig.controller.ControllerExpandVolume({ volume_id: 'pvc-grow', capacity_range: { required_bytes: String(64 * MiB), limit_bytes: String(64 * MiB) } }), GRPC.OUT_OF_RANGE, 'shrink');
  await rig.controller.CreateVolume(createReq('pvc-grow-blk', { volume_capabilities: [blockCap()] }));
  const b = await rig.controller.ControllerExpandVolume({ volume_id: 'pvc-grow-blk', capacity_range: { required_bytes: String(96 * MiB) } });
  assert.is(b.node_expansion_required, false);
  await rejectsWith(rig.controller.ControllerExpandVolume({ volume_id: 'pvc-none', capacity_range: { required_bytes: '1' } }), GRPC.NOT_FOUND);
});

t('ControllerModifyVolume: replicas up and down online, properties; immutable keys refused', async (ctx) => {
  const { rig, api } = ctx;
  await rig.controller.CreateVolume(createReq('pvc-mod', {}, { placementCount: '2' }));
  await rig.controller.ControllerModifyVolume({ volume_id: 'pvc-mod', mutable_parameters: { placementCount: '3', 'DrbdOptions/Net/protocol': 'A' } });
  assert.is((await diskfulNodes(ctx, 'pvc-mod')).length, 3);
  assert.is((await api.resourceDefinitions.get('pvc-mod')).props?.['DrbdOptions/Net/protocol'], 'A');
  await rig.controller.ControllerModifyVolume({ volume_id: 'pvc-mod', mutable_parameters: { 'linstor.csi.linbit.com/autoPlace': '1' } });
  assert.is((await diskfulNodes(ctx, 'pvc-mod')).length, 1);
  await rejectsWith(rig.controller.ControllerModifyVolume({ volume_id: 'pvc-mod', mutable_parameters: { storagePool: 'x' } }), GRPC.INVALID_ARGUMENT, 'storagePool', 'cannot be changed');
  await rejectsWith(rig.controller.ControllerModifyVolume({ volume_id: 'pvc-mod', mutable_parameters: { nonsense: 'x' } }), GRPC.INVALID_ARGUMENT, 'nonsense');
  await rejectsWith(rig.controller.ControllerModifyVolume({ volume_id: 'pvc-gone', mutable_parameters: { placementCount: '2' } }), GRPC.NOT_FOUND);
});

t('DeleteVolume: idempotent, refused while Primary, removes group; snapshots keep it hidden', async (ctx) => {
  const { rig, api } = ctx;
  await rig.controller.DeleteVolume({ volume_id: 'pvc-never-existed' });
  await rig.controller.DeleteVolume({ volume_id: 'not a valid name' });
  await rig.controller.CreateVolume(createReq('pvc-del', {}, { placementCount: '1', 'DrbdOptions/Net/protocol': 'B' }));
  const rg = (await api.resourceDefinitions.get('pvc-del')).resource_group_name ?? '';
  const [node] = await diskfulNodes(ctx, 'pvc-del');
  const up = await rig.emu.control.drbd(node as string, 'drbdadm', ['primary', 'pvc-del']);
  assert.is(up.code, 0, up.stderr);
  await rejectsWith(rig.controller.DeleteVolume({ volume_id: 'pvc-del' }), GRPC.FAILED_PRECONDITION, 'in use', node as string);
  await rig.emu.control.drbd(node as string, 'drbdadm', ['secondary', 'pvc-del']);
  await rig.controller.DeleteVolume({ volume_id: 'pvc-del' });
  assert.equal(await api.resourceDefinitions.list({ resourceDefinitions: ['pvc-del'] }), []);
  assert.equal(await api.resourceGroups.list({ resourceGroups: [rg] }), [], 'the generated group went with its last volume');
  await rig.controller.DeleteVolume({ volume_id: 'pvc-del' });

  await rig.controller.CreateVolume(createReq('pvc-snap', {}, { placementCount: '1' }));
  await api.snapshots.create('pvc-snap', { name: 'snap-1' });
  await rig.controller.DeleteVolume({ volume_id: 'pvc-snap' });
  const hidden = await api.resourceDefinitions.list({ resourceDefinitions: ['pvc-snap'] });
  assert.is(hidden.length, 1, 'LINSTOR keeps the RD for its snapshot');
  assert.is(hidden[0]?.props?.['Aux/csi-volume-deleted'], 'true');
  assert.equal(await api.resources.view({ resources: ['pvc-snap'] }), []);
  await rejectsWith(rig.controller.ControllerGetVolume({ volume_id: 'pvc-snap' }), GRPC.NOT_FOUND);
  assert.not.ok((await rig.controller.ListVolumes({})).entries.some((e: { volume: { volume_id: string } }) => e.volume.volume_id === 'pvc-snap'));
  await rig.controller.DeleteVolume({ volume_id: 'pvc-snap' });
  assert.is((await api.snapshots.list('pvc-snap')).length, 1, 'the snapshot survives');
});

t.run();
