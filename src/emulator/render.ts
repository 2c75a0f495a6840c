/** JSON as the controller writes it (Json.java), for every object the emulator serves. */
import { createHash } from 'node:crypto';
import type { Core } from './core.js';
import { controllerConnections, diskState, promote, resourceView } from './drbd.js';
import { hostOsVariant, stampedVdProps } from './defaults.js';
import { nonEmpty } from './http.js';
import {
  type NodeRec,
  type PoolRec,
  type RdRec,
  type RgRec,
  type RscRec,
  type SnapRec,
  type VdRec,
  type SelectFilter,
  findNode,
  findPool,
  isDiskless,
  rscPool,
} from './state.js';

const LONG_MAX = 9223372036854775807n;

/** A stable UUID for objects the model does not store one for (volumes). */
export function derivedUuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function nodeJson(n: NodeRec): unknown {
  return nonEmpty({
    name: n.name,
    type: 'SATELLITE',
    props: n.props,
    net_interfaces: [
      { name: 'default', address: n.address, satellite_port: 3366, satellite_encryption_type: 'PLAIN', is_active: true, uuid: derivedUuid(`${n.uuid}/netif`) },
    ],
    connection_status: n.online ? 'ONLINE' : 'OFFLINE',
    uuid: n.uuid,
    storage_providers: ['DISKLESS', 'LVM', 'LVM_THIN', 'FILE', 'FILE_THIN'],
    resource_layers: ['DRBD', 'STORAGE'],
    unsupported_providers: {
      ZFS: ['emulated satellite: zfs is not available'],
      ZFS_THIN: ['emulated satellite: zfs is not available'],
    },
    unsupported_layers: { LUKS: ['emulated satellite: cryptsetup is not available'] },
    platform: 'LINUX',
    os_variant: hostOsVariant(),
  });
}

export function poolJson(core: Core, p: PoolRec): unknown {
  const diskless = p.kind === 'DISKLESS';
  return nonEmpty({
    storage_pool_name: p.name,
    node_name: p.node,
    provider_kind: p.kind,
    props: p.props,
    static_traits: diskless ? { SupportsSnapshots: 'false' } : { Provisioning: 'Thin', SupportsSnapshots: 'true', AllocationUnit: '64' },
    free_capacity: diskless ? LONG_MAX : core.freeKib(p.node, p.name),
    total_capacity: diskless ? LONG_MAX : p.totalKib,
    free_space_mgr_name: `${p.node};${p.name}`,
    uuid: p.uuid,
    supports_snapshots: !diskless,
    external_locking: false,
  });
}

export function filterJson(f: SelectFilter): Record<string, unknown> {
  const out: Record<string, unknown> = { ...f };
  delete out['storage_pool'];
  if (f.storage_pool_list && f.storage_pool_list.length === 1) out['storage_pool'] = f.storage_pool_list[0];
  return out;
}

export function rgJson(g: RgRec): unknown {
  return nonEmpty({
    name: g.name,
    description: g.description,
    props: g.props,
    select_filter: filterJson(g.selectFilter),
    uuid: g.uuid,
    peer_slots: g.peerSlots,
  });
}

function rdLayerData(rd: RdRec): unknown[] {
  return rd.layerStack.map((t) =>
    t === 'DRBD'
      ? {
          type: 'DRBD',
          data: { peer_slots: rd.peerSlots, al_stripes: 1, al_stripe_size_kib: 32, port: rd.port, transport_type: 'IP', secret: rd.secret, down: false },
        }
      : { type: t },
  );
}

/** What the satellite stamps on a volume definition (see defaults.ts); granularity from the pool kind. */
export function vdStampedProps(rd: RdRec, vd: VdRec): Record<string, string> {
  return stampedVdProps(vd.uuid, rd.layerStack.includes('DRBD'), 64);
}

export function vdJson(rd: RdRec, vd: VdRec): unknown {
  return nonEmpty({
    volume_number: vd.nr,
    size_kib: vd.sizeKib,
    props: { ...vdStampedProps(rd, vd), ...vd.props },
    flags: vd.flags,
    uuid: vd.uuid,
    layer_data: rd.layerStack.map((t) => (t === 'DRBD' ? { type: 'DRBD', data: { volume_number: vd.nr, minor_number: vd.minor } } : { type: t })),
  });
}

export function rdJson(rd: RdRec, withVds: boolean): unknown {
  return nonEmpty({
    name: rd.name,
    external_name: rd.externalName,
    props: rd.props,
    flags: rd.flags,
    layer_data: rdLayerData(rd),
    uuid: rd.uuid,
    resource_group_name: rd.rg,
    volume_definitions: withVds ? rd.vds.slice().sort((a, b) => a.nr - b.nr).map((v) => vdJson(rd, v)) : undefined,
  });
}

function deployed(core: Core, rd: RdRec, rsc: RscRec): boolean {
  return (findNode(core.state, rsc.node)?.online ?? false) && !rd.flags.includes('CLONING') && rd.vds.some((v) => v.file !== undefined);
}

function storageDevice(rd: RdRec, vd: VdRec): string {
  return `/dev/linstor_vg/${rd.name}_${String(vd.nr).padStart(5, '0')}`;
}

function rscFlags(rsc: RscRec): string[] {
  return rsc.flags;
}

export function rscJson(core: Core, rd: RdRec, rsc: RscRec, withVolumes: boolean): unknown {
  const online = findNode(core.state, rsc.node)?.online ?? false;
  const now = core.now();
  const dep = deployed(core, rd, rsc);
  const vds = rd.vds.slice().sort((a, b) => a.nr - b.nr);
  const diskless = isDiskless(rsc);
  const mayPromote = online && (() => {
    const probe = structuredClone(rsc);
    const copy = { ...rd, resources: rd.resources.map((r) => (r === rsc ? probe : r)) };
    return promote(core.state, copy, probe, false, now).ok;
  })();
  const drbdVolumes = vds.map((vd) => ({
    drbd_volume_definition: { volume_number: vd.nr, minor_number: vd.minor },
    device_path: dep ? `/dev/drbd${vd.minor}` : undefined,
    backing_device: diskless ? undefined : dep ? storageDevice(rd, vd) : undefined,
    meta_disk: diskless ? undefined : 'internal',
    allocated_size_kib: diskless ? undefined : vd.sizeKib,
    usable_size_kib: vd.sizeKib,
    disk_state: online ? diskState(rsc, vd.nr, now) : undefined,
  }));
  if (!hasDrbd(rd)) return storageOnlyRscJson(core, rd, rsc, withVolumes);
  const layer = {
    type: 'DRBD',
    children: [
      {
        type: 'STORAGE',
        storage: {
          storage_volumes: vds.map((vd) => ({
            volume_number: vd.nr,
            device_path: diskless || !dep ? undefined : storageDevice(rd, vd),
            allocated_size_kib: diskless ? 0 : vd.sizeKib,
            usable_size_kib: diskless ? 0 : vd.sizeKib,
            disk_state: online ? (diskless ? 'Diskless' : 'Created') : undefined,
          })),
        },
      },
    ],
    drbd: {
      drbd_resource_definition: { peer_slots: rd.peerSlots, al_stripes: 1, al_stripe_size_kib: 32, port: rd.port, transport_type: 'IP', secret: rd.secret, down: false },
      node_id: rsc.nodeId,
      tcp_ports: [rd.port],
      peer_slots: rd.peerSlots,
      al_stripes: 1,
      al_size: 32,
      flags: dep ? ['INITIALIZED'] : [],
      drbd_volumes: drbdVolumes,
      connections: online ? controllerConnections(core.state, rd, rsc) : undefined,
      promotion_score: online && mayPromote ? (diskless ? 1 : 10102) : 0,
      may_promote: online ? mayPromote : undefined,
    },
  };
  const base: Record<string, unknown> = { ...rscBase(rd, rsc, layer), state: online ? { in_use: rsc.drbd.role === 'Primary' } : undefined };
  if (withVolumes) base['volumes'] = vds.map((vd) => volumeJson(core, rd, rsc, vd));
  return nonEmpty(base);
}

/** The fields every resource answer has, whatever its layers. */
function rscBase(rd: RdRec, rsc: RscRec, layer: unknown): Record<string, unknown> {
  return {
    name: rd.name,
    node_name: rsc.node,
    props: rsc.props,
    flags: rscFlags(rsc),
    uuid: rsc.uuid,
    create_timestamp: rsc.createTs,
    layer_object: layer,
  };
}

export function hasDrbd(rd: RdRec): boolean {
  return rd.layerStack.includes('DRBD');
}

/** The STORAGE layer object of a resource (also the child of DRBD and LUKS). */
function storageLayer(rd: RdRec, rsc: RscRec, dep: boolean, withDiskState: boolean): Record<string, unknown> {
  const diskless = isDiskless(rsc);
  const vds = rd.vds.slice().sort((a, b) => a.nr - b.nr);
  return {
    type: 'STORAGE',
    storage: {
      storage_volumes: vds.map((vd) => nonEmpty({
        volume_number: vd.nr,
        device_path: diskless || !dep ? undefined : storageDevice(rd, vd),
        allocated_size_kib: diskless ? 0 : vd.sizeKib,
        usable_size_kib: diskless ? 0 : vd.sizeKib,
        disk_state: withDiskState ? (diskless ? 'Diskless' : 'Created') : undefined,
      })),
    },
  };
}

/**
 * A resource without DRBD in its layer stack, as the real controller answers it (measured on
 * LINSTOR 1.33, layer list "storage"): a STORAGE layer object, `state: {}` without `in_use`, and
 * volumes without `state`. LUKS above STORAGE is modelled the same way, wrapped in a LUKS layer.
 */
function storageOnlyRscJson(core: Core, rd: RdRec, rsc: RscRec, withVolumes: boolean): unknown {
  const online = findNode(core.state, rsc.node)?.online ?? false;
  const dep = deployed(core, rd, rsc);
  const storage = storageLayer(rd, rsc, dep, false);
  const layer = rd.layerStack.includes('LUKS') ? { type: 'LUKS', children: [storage], luks: {} } : storage;
  const base = rscBase(rd, rsc, layer);
  if (withVolumes) base['volumes'] = rd.vds.slice().sort((a, b) => a.nr - b.nr).map((vd) => volumeJson(core, rd, rsc, vd));
  const out = nonEmpty(base);
  // Online: an empty state object (nonEmpty would drop it); offline: none, as with DRBD.
  if (online) out['state'] = {};
  return out;
}

export function volumeJson(core: Core, rd: RdRec, rsc: RscRec, vd: VdRec): unknown {
  const online = findNode(core.state, rsc.node)?.online ?? false;
  const now = core.now();
  const dep = deployed(core, rd, rsc);
  const diskless = isDiskless(rsc);
  const poolName = rscPool(rsc);
  const pool = findPool(core.state, rsc.node, poolName);
  const ds = diskState(rsc, vd.nr, now);
  const view = online ? resourceView(core.state, rd, rsc, now) : undefined;
  const repl: Record<string, { replication_state: string }> = {};
  for (const c of view?.connections ?? []) {
    const pd = c.peerDevices.find((p) => p.volume === vd.nr);
    repl[c.name] = { replication_state: pd?.replicationState ?? 'Unknown' };
  }
  if (!hasDrbd(rd)) {
    return nonEmpty({
      volume_number: vd.nr,
      storage_pool_name: poolName,
      provider_kind: pool?.kind ?? (diskless ? 'DISKLESS' : 'LVM_THIN'),
      device_path: dep && !diskless ? storageDevice(rd, vd) : undefined,
      allocated_size_kib: diskless ? 0 : vd.sizeKib,
      usable_size_kib: diskless ? 0 : vd.sizeKib,
      props: {},
      flags: [],
      uuid: derivedUuid(`${rsc.uuid}/${vd.nr}`),
      layer_data_list: [{ type: 'STORAGE', data: (storageLayer(rd, rsc, dep, false)['storage'] as { storage_volumes: unknown[] }).storage_volumes.find((x) => (x as { volume_number: number }).volume_number === vd.nr) }],
    });
  }
  return nonEmpty({
    volume_number: vd.nr,
    storage_pool_name: poolName,
    provider_kind: pool?.kind ?? (diskless ? 'DISKLESS' : 'LVM_THIN'),
    device_path: dep ? `/dev/drbd${vd.minor}` : undefined,
    allocated_size_kib: diskless ? 0 : vd.sizeKib,
    props: {},
    flags: rd.flags.includes('CLONING') ? ['CLONING'] : [],
    uuid: derivedUuid(`${rsc.uuid}/${vd.nr}`),
    layer_data_list: [
      {
        type: 'DRBD',
        data: {
          drbd_volume_definition: { volume_number: vd.nr, minor_number: vd.minor },
          device_path: dep ? `/dev/drbd${vd.minor}` : undefined,
          backing_device: diskless || !dep ? undefined : storageDevice(rd, vd),
          meta_disk: diskless ? undefined : 'internal',
          allocated_size_kib: diskless ? undefined : vd.sizeKib,
          usable_size_kib: vd.sizeKib,
          disk_state: online ? ds : undefined,
        },
      },
      {
        type: 'STORAGE',
        data: {
          volume_number: vd.nr,
          device_path: diskless || !dep ? undefined : storageDevice(rd, vd),
          allocated_size_kib: diskless ? 0 : vd.sizeKib,
          usable_size_kib: diskless ? 0 : vd.sizeKib,
          disk_state: online ? (diskless ? 'Diskless' : 'Created') : undefined,
        },
      },
    ],
    state: online ? { disk_state: ds, replication_states: repl } : undefined,
  });
}

function snapVdProps(rd: RdRec, nr: number): Record<string, string> | undefined {
  const vd = rd.vds.find((v) => v.nr === nr);
  return vd ? { ...vdStampedProps(rd, vd), ...vd.props } : undefined;
}

export function snapshotJson(core: Core, snap: SnapRec): unknown {
  const rd = core.rdByName(snap.rd);
  return nonEmpty({
    name: snap.name,
    resource_name: rd?.name ?? snap.rd,
    nodes: snap.nodes,
    props: { ...snap.rdProps, ...snap.props },
    snapshot_definition_props: snap.props,
    resource_definition_props: snap.rdProps,
    flags: snap.flags,
    uuid: snap.uuid,
    volume_definitions: snap.vols.map((v) => ({
      volume_number: v.nr,
      size_kib: v.sizeKib,
      snapshot_volume_definition_props: v.props,
      volume_definition_props: rd ? snapVdProps(rd, v.nr) : undefined,
    })),
    snapshots: snap.nodes.map((n) => ({
      snapshot_name: snap.name,
      node_name: n,
      create_timestamp: snap.flags.includes('SUCCESSFUL') ? snap.createTs : undefined,
      flags: [],
      uuid: derivedUuid(`${snap.uuid}/${n}`),
      resource_props: snap.pools[n] ? { StorPoolName: snap.pools[n] } : undefined,
      snapshot_volumes: snap.vols.map((v) => ({ uuid: derivedUuid(`${snap.uuid}/${n}/${v.nr}`), vlm_nr: v.nr, state: 'Created' })),
    })),
  });
}
