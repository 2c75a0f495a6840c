/**
 * LINSTOR REST API v1 wire types, exactly as the controller sends and accepts them.
 *
 * - Field names are snake_case, as on the wire.
 * - The controller serialises with Jackson `NON_EMPTY`: null, empty strings, empty lists and
 *   empty maps are left out. Every such field is therefore optional here; `false` and `0` are
 *   still sent.
 * - `ret_code` is a signed int64 and is a `bigint` in these types; parse replies with
 *   `parseLinstorJson` (src/linstor/apicallrc.ts) to keep its low bits.
 * - Enum-like strings are typed as known unions widened with `string`, so a newer controller
 *   value does not break parsing.
 */

/** A string union that still accepts unknown values (forward compatible). */
export type Open<T extends string> = T | (string & {});

export type Props = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// ApiCallRc
// ---------------------------------------------------------------------------------------------

export interface ApiCallRc {
  /** Signed int64, bit-masked (type | op | obj | code). See apicallrc.ts. */
  ret_code: bigint;
  message: string;
  cause?: string;
  details?: string;
  correction?: string;
  error_report_ids?: string[];
  /** Keys seen: RscDfn, Node, VlmNr, Snapshot, RscGrp, StorPoolDfn, UUID, Node/<i>, StoragePool/<i>/0. */
  obj_refs?: Record<string, string>;
  /** ISO-8601 with offset. */
  created_at?: string;
}

export type ApiCallRcList = ApiCallRc[];

// ---------------------------------------------------------------------------------------------
// Generic props modification (PUT bodies at every level; controller props are POSTed)
// ---------------------------------------------------------------------------------------------

export interface GenericPropsModify {
  override_props?: Props;
  delete_props?: string[];
  delete_namespaces?: string[];
}

// ---------------------------------------------------------------------------------------------
// Controller
// ---------------------------------------------------------------------------------------------

export interface ControllerVersion {
  version?: string;
  git_hash?: string;
  build_time?: string;
  rest_api_version?: string;
}

export type ControllerProps = Props;

export interface PropsInfo {
  info?: string;
  prop_type?: string;
  value?: string;
  dflt?: string;
  unit?: string;
}

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

export type NodeType = Open<'CONTROLLER' | 'SATELLITE' | 'COMBINED' | 'AUXILIARY' | 'REMOTE_SPDK' | 'EBS_TARGET'>;

export type ConnectionStatus = Open<
  | 'OFFLINE'
  | 'CONNECTED'
  | 'ONLINE'
  | 'VERSION_MISMATCH'
  | 'FULL_SYNC_FAILED'
  | 'AUTHENTICATION_ERROR'
  | 'UNKNOWN'
  | 'HOSTNAME_MISMATCH'
  | 'OTHER_CONTROLLER'
  | 'AUTHENTICATED'
  | 'NO_STLT_CONN'
  | 'MISSING_EXT_TOOLS'
  | 'DUPLICATE_UNAME'
>;

export type NodeFlag = Open<'DELETE' | 'EVACUATE' | 'EVICTED' | 'QIGNORE'>;

export interface NetInterface {
  name: string;
  address: string;
  satellite_port?: number;
  satellite_encryption_type?: Open<'PLAIN' | 'SSL'>;
  is_active?: boolean;
  uuid?: string;
}

export interface Node {
  name: string;
  /** Upper case on output (e.g. "SATELLITE"); case-insensitive on input. */
  type: NodeType;
  flags?: NodeFlag[];
  props?: Props;
  net_interfaces?: NetInterface[];
  /** Missing while the controller has no information. Only ONLINE means usable. */
  connection_status?: ConnectionStatus;
  uuid?: string;
  storage_providers?: string[];
  resource_layers?: string[];
  unsupported_providers?: Record<string, string[]>;
  unsupported_layers?: Record<string, string[]>;
  /** ms since epoch. */
  eviction_timestamp?: number;
  platform?: string;
  os_variant?: string;
}

export interface NodeCreate {
  name: string;
  type: NodeType;
  net_interfaces: NetInterface[];
  props?: Props;
}

export interface NodeModify extends GenericPropsModify {
  node_type?: NodeType;
}

// ---------------------------------------------------------------------------------------------
// Storage pools
// ---------------------------------------------------------------------------------------------

export type ProviderKind = Open<
  | 'DISKLESS'
  | 'LVM'
  | 'LVM_THIN'
  | 'ZFS'
  | 'ZFS_THIN'
  | 'FILE'
  | 'FILE_THIN'
  | 'SPDK'
  | 'REMOTE_SPDK'
  | 'EBS_INIT'
  | 'EBS_TARGET'
  | 'STORAGE_SPACES'
  | 'STORAGE_SPACES_THIN'
>;

export interface StoragePool {
  storage_pool_name: string;
  node_name?: string;
  provider_kind: ProviderKind;
  props?: Props;
  /** e.g. {"Provisioning":"Thin"|"Fat","SupportsSnapshots":"true","AllocationUnit":"…"} */
  static_traits?: Props;
  /** KiB; omitted while unknown. Long.MAX for DISKLESS pools. */
  free_capacity?: number;
  /** KiB; omitted while unknown. */
  total_capacity?: number;
  /** "<node>;<pool>", or a shared name. */
  free_space_mgr_name?: string;
  uuid?: string;
  reports?: ApiCallRc[];
  supports_snapshots?: boolean;
  external_locking?: boolean;
}

export interface StoragePoolCreate {
  storage_pool_name: string;
  provider_kind: ProviderKind;
  props?: Props;
  free_space_mgr_name?: string;
  external_locking?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Resource groups, spawn, size queries
// ---------------------------------------------------------------------------------------------

export type LayerKind = Open<'DRBD' | 'LUKS' | 'STORAGE' | 'NVME' | 'WRITECACHE' | 'CACHE' | 'BCACHE' | 'EXOS'>;

export interface AutoSelectFilter {
  place_count?: number;
  additional_place_count?: number;
  node_name_list?: string[];
  /** Becomes storage_pool_list=[pool] when the list is empty; on output only set when the list has 1 entry. */
  storage_pool?: string;
  storage_pool_list?: string[];
  storage_pool_diskless_list?: string[];
  not_place_with_rsc?: string[];
  not_place_with_rsc_regex?: string;
  replicas_on_same?: string[];
  replicas_on_different?: string[];
  x_replicas_on_different_map?: Record<string, number>;
  layer_stack?: LayerKind[];
  provider_list?: ProviderKind[];
  diskless_on_remaining?: boolean;
  diskless_type?: string;
  overprovision?: number;
  port_count?: number;
}

export interface ResourceGroup {
  name: string;
  description?: string;
  props?: Props;
  select_filter?: AutoSelectFilter;
  uuid?: string;
  peer_slots?: number;
}

/** POST /v1/resource-groups. `props` is ignored by the controller on create: set them with a modify. */
export interface ResourceGroupCreate {
  name: string;
  description?: string;
  select_filter?: AutoSelectFilter;
  peer_slots?: number;
  props?: Props;
}

export interface ResourceGroupModify extends GenericPropsModify {
  description?: string;
  select_filter?: AutoSelectFilter;
  peer_slots?: number;
}

export interface ResourceGroupSpawn {
  resource_definition_name: string;
  resource_definition_external_name?: string;
  /** KiB, one per volume. */
  volume_sizes?: number[];
  select_filter?: AutoSelectFilter;
  partial?: boolean;
  definitions_only?: boolean;
  peer_slots?: number;
  volume_passphrases?: string[];
  resource_definition_props?: Props;
}

export interface QuerySizeInfoRequest {
  select_filter?: AutoSelectFilter;
  ignore_cache_older_than_sec?: number;
}

export interface QuerySizeInfoSpawnResult {
  node_name: string;
  stor_pool_name: string;
  stor_pool_oversubscription_ratio?: number;
  stor_pool_free_capacity_oversubscription_ratio?: number;
  stor_pool_total_capacity_oversubscription_ratio?: number;
}

export interface QuerySizeInfoSpaceInfo {
  max_vlm_size_in_kib: number;
  available_size_in_kib?: number;
  capacity_in_kib?: number;
  default_max_oversubscription_ratio?: number;
  max_oversubscription_ratio?: number;
  max_free_capacity_oversubscription_ratio?: number;
  max_total_capacity_oversubscription_ratio?: number;
  next_spawn_result?: QuerySizeInfoSpawnResult[];
}

/** Always 200: errors appear only inside `reports`. */
export interface QuerySizeInfoResponse {
  space_info?: QuerySizeInfoSpaceInfo;
  reports?: ApiCallRc[];
}

export interface MaxVolumeSizeCandidate {
  storage_pool: string;
  max_volume_size_kib: number;
  node_names?: string[];
  all_thin?: boolean;
}

export interface MaxVolumeSizes {
  candidates?: MaxVolumeSizeCandidate[];
  default_max_oversubscription_ratio?: number;
}

export interface VolumeGroup {
  volume_number?: number;
  props?: Props;
  flags?: string[];
  uuid?: string;
}

// ---------------------------------------------------------------------------------------------
// Resource definitions
// ---------------------------------------------------------------------------------------------

export type ResourceDefinitionFlag = Open<'DELETE' | 'RESTORE_TARGET' | 'CLONING' | 'FAILED'>;

export interface DrbdResourceDefinitionLayerData {
  resource_name_suffix?: string;
  peer_slots?: number;
  al_stripes?: number;
  al_stripe_size_kib?: number;
  /** -1 when ports are per node. */
  port?: number;
  transport_type?: string;
  secret?: string;
  down?: boolean;
}

export interface ResourceDefinitionLayer {
  type: LayerKind;
  data?: DrbdResourceDefinitionLayerData;
}

export interface ResourceDefinition {
  name: string;
  external_name?: string;
  props?: Props;
  flags?: ResourceDefinitionFlag[];
  layer_data?: ResourceDefinitionLayer[];
  uuid?: string;
  resource_group_name?: string;
  /** Only with `with_volume_definitions=true` on the list call. */
  volume_definitions?: VolumeDefinition[];
}

export interface ResourceDefinitionCreate {
  resource_definition: {
    /** "" together with external_name lets the server generate a name. */
    name: string;
    external_name?: string;
    props?: Props;
    resource_group_name?: string;
    /** Only the types are used, as the layer stack. */
    layer_data?: { type: LayerKind }[];
  };
  drbd_port?: number;
  drbd_secret?: string;
  drbd_peer_slots?: number;
  drbd_transport_type?: string;
}

export interface ResourceDefinitionModify extends GenericPropsModify {
  drbd_port?: number;
  drbd_peer_slots?: number;
  layer_stack?: LayerKind[];
  resource_group?: string;
}

export interface ResourceDefinitionSyncStatus {
  synced_on_all: boolean;
}

// ---------------------------------------------------------------------------------------------
// Volume definitions
// ---------------------------------------------------------------------------------------------

export type VolumeDefinitionFlag = Open<'DELETE' | 'ENCRYPTED' | 'RESIZE' | 'GROSS_SIZE' | 'RESIZE_SHRINK' | 'DRBD_INITIALIZED'>;

export interface DrbdVolumeDefinitionLayerData {
  resource_name_suffix?: string;
  volume_number?: number;
  minor_number?: number;
}

export interface VolumeDefinitionLayer {
  type: LayerKind;
  data?: DrbdVolumeDefinitionLayerData;
}

export interface VolumeDefinition {
  volume_number?: number;
  size_kib: number;
  props?: Props;
  flags?: VolumeDefinitionFlag[];
  uuid?: string;
  layer_data?: VolumeDefinitionLayer[];
}

export interface VolumeDefinitionCreate {
  volume_definition: {
    /** Omitted = next free number, starting at 0. */
    volume_number?: number;
    size_kib: number;
    props?: Props;
    flags?: VolumeDefinitionFlag[];
  };
  drbd_minor_number?: number;
  passphrase?: string;
}

export interface VolumeDefinitionModify extends GenericPropsModify {
  size_kib?: number;
  /** e.g. ["GROSS_SIZE"] or ["-GROSS_SIZE"]. */
  flags?: string[];
}

// ---------------------------------------------------------------------------------------------
// Layer objects (resources and volumes)
// ---------------------------------------------------------------------------------------------

export type DiskState = Open<
  | 'Diskless'
  | 'Attaching'
  | 'Detaching'
  | 'Failed'
  | 'Negotiating'
  | 'Inconsistent'
  | 'Outdated'
  | 'DUnknown'
  | 'Consistent'
  | 'UpToDate'
  | 'Created'
  | 'Attached'
>;

export type ReplicationState = Open<
  | 'Off'
  | 'Established'
  | 'StartingSyncS'
  | 'StartingSyncT'
  | 'WFBitMapS'
  | 'WFBitMapT'
  | 'WFSyncUUID'
  | 'SyncSource'
  | 'SyncTarget'
  | 'PausedSyncS'
  | 'PausedSyncT'
  | 'VerifyS'
  | 'VerifyT'
  | 'Ahead'
  | 'Behind'
  | 'Unknown'
>;

export interface DrbdConnection {
  connected: boolean;
  /** Connected | Connecting | StandAlone | … */
  message?: string;
}

export interface DrbdVolume {
  drbd_volume_definition?: {
    volume_number?: number;
    minor_number?: number;
    resource_name_suffix?: string;
  };
  /** e.g. /dev/drbd1000; only after deployment. */
  device_path?: string;
  backing_device?: string;
  meta_disk?: string;
  allocated_size_kib?: number;
  usable_size_kib?: number;
  disk_state?: DiskState;
  ext_meta_stor_pool?: string;
}

export interface DrbdResource {
  drbd_resource_definition?: DrbdResourceDefinitionLayerData;
  node_id?: number;
  tcp_ports?: number[];
  peer_slots?: number;
  al_stripes?: number;
  al_size?: number;
  flags?: string[];
  drbd_volumes?: DrbdVolume[];
  /** Only when the controller has satellite state. */
  connections?: Record<string, DrbdConnection>;
  promotion_score?: number;
  may_promote?: boolean;
}

export interface StorageVolume {
  volume_number?: number;
  device_path?: string;
  allocated_size_kib?: number;
  usable_size_kib?: number;
  disk_state?: DiskState;
}

export interface StorageResource {
  storage_volumes?: StorageVolume[];
}

export interface ResourceLayer {
  type: LayerKind;
  resource_name_suffix?: string;
  children?: ResourceLayer[];
  drbd?: DrbdResource;
  storage?: StorageResource;
  /** Other layers (LUKS, NVME, …) carry their own objects; kept opaque. */
  luks?: Record<string, unknown>;
  nvme?: Record<string, unknown>;
  writecache?: Record<string, unknown>;
  cache?: Record<string, unknown>;
}

export interface VolumeLayer {
  type: LayerKind;
  data?: {
    device_path?: string;
    backing_device?: string;
    allocated_size_kib?: number;
    usable_size_kib?: number;
    disk_state?: DiskState;
    [key: string]: unknown;
  };
}

// ---------------------------------------------------------------------------------------------
// Resources and volumes
// ---------------------------------------------------------------------------------------------

export type ResourceFlag = Open<
  | 'CLEAN'
  | 'DELETE'
  | 'DISKLESS'
  | 'DISK_ADD_REQUESTED'
  | 'DISK_ADDING'
  | 'DISK_REMOVE_REQUESTED'
  | 'DISK_REMOVING'
  | 'DRBD_DISKLESS'
  | 'TIE_BREAKER'
  | 'NVME_INITIATOR'
  | 'INACTIVE'
  | 'REACTIVATE'
  | 'INACTIVE_PERMANENTLY'
  | 'BACKUP_RESTORE'
  | 'EVICTED'
  | 'INACTIVE_BEFORE_EVICTION'
  | 'RESTORE_FROM_SNAPSHOT'
  | 'EVACUATE'
  | 'DRBD_DELETE'
  | 'INACTIVATING'
  | 'EBS_INITIATOR'
  | 'AUTO_DISKFUL'
>;

export type VolumeFlag = Open<'DELETE' | 'RESIZE' | 'DRBD_RESIZE' | 'CLONING_START' | 'CLONING' | 'CLONING_FINISHED' | 'DRBD_DELETE'>;

export interface EffectiveProp {
  value?: string;
  type?: string;
  descr?: string;
  other?: EffectiveProp[];
}

export interface ResourceState {
  in_use?: boolean;
}

export interface Resource {
  name: string;
  node_name: string;
  props?: Props;
  effective_props?: Record<string, EffectiveProp>;
  flags?: ResourceFlag[];
  uuid?: string;
  /** ms since epoch. */
  create_timestamp?: number;
  layer_object?: ResourceLayer;
  /** Only present when the controller has satellite state (node online). */
  state?: ResourceState;
}

export interface ReplicationStatePerPeer {
  replication_state?: ReplicationState;
  done_percentage?: number;
}

export interface VolumeState {
  disk_state?: DiskState;
  replication_states?: Record<string, ReplicationStatePerPeer>;
}

export interface Volume {
  volume_number: number;
  storage_pool_name?: string;
  provider_kind?: ProviderKind;
  /** Top layer's device, e.g. /dev/drbd1000; only after the satellite deployed it. */
  device_path?: string;
  allocated_size_kib?: number;
  props?: Props;
  flags?: VolumeFlag[];
  uuid?: string;
  reports?: ApiCallRc[];
  layer_data_list?: VolumeLayer[];
  state?: VolumeState;
}

/** An element of GET /v1/view/resources. */
export interface ResourceWithVolumes extends Resource {
  volumes?: Volume[];
  shared_name?: string;
}

export interface ResourceCreate {
  resource: {
    /** Ignored; taken from the path. */
    name?: string;
    node_name?: string;
    props?: Props;
    /** e.g. ["DISKLESS"] (diskless client) or ["DISKLESS","DRBD_DISKLESS","TIE_BREAKER"]. */
    flags?: ResourceFlag[];
  };
  layer_list?: LayerKind[];
  drbd_node_id?: number;
  drbd_tcp_port_count?: number;
  drbd_tcp_ports?: number[];
  /** 1.28: the same as a DRBD diskless client. */
  drbd_client?: boolean;
  snap_names?: string[];
  copy_all_snaps?: boolean;
}

export interface ResourceModify extends GenericPropsModify {
  drbd_tiebreaker?: boolean;
  drbd_client?: boolean;
}

export interface AutoPlaceRequest {
  diskless_on_remaining?: boolean;
  layer_list?: LayerKind[];
  select_filter?: AutoSelectFilter;
  snap_names?: string[];
  copy_all_snaps?: boolean;
}

export interface MakeAvailable {
  layer_list?: LayerKind[];
  diskful?: boolean;
  drbd_tcp_ports?: number[];
  snap_names?: string[];
  copy_all_snaps?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

export type SnapshotDefinitionFlag = Open<
  'SUCCESSFUL' | 'FAILED_DEPLOYMENT' | 'FAILED_DISCONNECT' | 'DELETE' | 'AUTO_SNAPSHOT' | 'SAFETY_SNAPSHOT' | 'SHIPPED' | 'BACKUP'
>;

export type SnapshotNodeFlag = Open<
  | 'DELETE'
  | 'SHIPPING_SOURCE'
  | 'SHIPPING_SOURCE_START'
  | 'SHIPPING_SOURCE_DONE'
  | 'SHIPPING_TARGET'
  | 'SHIPPING_TARGET_CLEANING_UP'
  | 'SHIPPING_TARGET_DONE'
  | 'BACKUP_SOURCE'
  | 'BACKUP_TARGET'
>;

export interface SnapshotVolumeDefinition {
  volume_number: number;
  size_kib: number;
  snapshot_volume_definition_props?: Props;
  volume_definition_props?: Props;
}

export interface SnapshotVolumeNode {
  uuid?: string;
  vlm_nr: number;
  state?: string;
  /** Deprecated merge. */
  props?: Props;
  snapshot_volume_props?: Props;
  volume_props?: Props;
}

export interface SnapshotNode {
  snapshot_name: string;
  node_name: string;
  /** ms since epoch UTC; may be missing on failed snapshots. */
  create_timestamp?: number;
  flags?: SnapshotNodeFlag[];
  uuid?: string;
  snapshot_props?: Props;
  resource_props?: Props;
  snapshot_volumes?: SnapshotVolumeNode[];
}

/** One per snapshot definition. */
export interface Snapshot {
  name: string;
  resource_name: string;
  nodes?: string[];
  /** Deprecated merge of RD and snapshot-definition props. */
  props?: Props;
  snapshot_definition_props?: Props;
  resource_definition_props?: Props;
  flags?: SnapshotDefinitionFlag[];
  uuid?: string;
  volume_definitions?: SnapshotVolumeDefinition[];
  snapshots?: SnapshotNode[];
}

export interface SnapshotCreate {
  name: string;
  /** Ignored by the server (taken from the path); required inside MultiSnapshot. */
  resource_name?: string;
  /** Empty = all nodes with a diskful resource. */
  nodes?: string[];
  snapshot_definition_props?: Props;
}

export interface MultiSnapshot {
  snapshots: (SnapshotCreate & { resource_name: string })[];
}

export interface SnapshotRestore {
  to_resource: string;
  nodes?: string[];
  stor_pool_rename?: Record<string, string>;
}

export interface SnapshotRestoreVolumeDefinition {
  to_resource: string;
}

export interface SnapshotRollback {
  zfs_rollback_strategy?: Open<'rollback' | 'clone' | 'dynamic'>;
}

// ---------------------------------------------------------------------------------------------
// Clone
// ---------------------------------------------------------------------------------------------

export interface CloneRequest extends GenericPropsModify {
  name: string;
  external_name?: string;
  use_zfs_clone?: boolean;
  layer_list?: LayerKind[];
  volume_passphrases?: string[];
  resource_group?: string;
}

export interface CloneStarted {
  location?: string;
  source_name?: string;
  clone_name?: string;
  messages?: ApiCallRc[];
}

export type CloneStatusValue = Open<'CLONING' | 'COMPLETE' | 'FAILED'>;

export interface CloneStatus {
  status: CloneStatusValue;
}

// ---------------------------------------------------------------------------------------------
// Events (SSE payloads)
// ---------------------------------------------------------------------------------------------

export interface DrbdMayPromoteEvent {
  resource_name: string;
  node_name: string;
  may_promote: boolean;
}

// ---------------------------------------------------------------------------------------------
// Key-value store
// ---------------------------------------------------------------------------------------------

export interface KeyValueStore {
  name: string;
  props?: Props;
}
