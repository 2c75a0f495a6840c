/**
 * The LINSTOR client port used by the services. One method per REST call the driver needs,
 * grouped by object. Implemented over HTTP by `HttpLinstorClient` (http-client.ts).
 *
 * Conventions:
 * - Reads resolve with the wire objects (types.ts). A missing object rejects with
 *   `LinstorApiError` whose `isNotFound()` is true.
 * - Writes resolve with the reply's ApiCallRc entries (success, info and warning entries; the
 *   warnings are also logged). Any error entry rejects with `LinstorApiError`.
 * - Deleting a missing object is success (LINSTOR answers 200 + WARN_NOT_FOUND); the entries
 *   carry that warning, see `wasNotFound()`.
 * - An unreachable controller rejects with `LinstorUnavailableError`.
 * - Every method takes optional `RequestOptions` (abort signal, timeout) last.
 */
import type { WriteTracker } from './write-tracker.js';
import type {
  ApiCallRc,
  AutoPlaceRequest,
  CloneRequest,
  CloneStarted,
  CloneStatus,
  ControllerProps,
  ControllerVersion,
  GenericPropsModify,
  MakeAvailable,
  MaxVolumeSizes,
  MultiSnapshot,
  Node,
  NodeModify,
  QuerySizeInfoRequest,
  QuerySizeInfoResponse,
  Resource,
  ResourceCreate,
  ResourceDefinition,
  ResourceDefinitionCreate,
  ResourceDefinitionModify,
  ResourceGroup,
  ResourceGroupCreate,
  ResourceGroupModify,
  ResourceGroupSpawn,
  ResourceModify,
  ResourceWithVolumes,
  Snapshot,
  SnapshotCreate,
  SnapshotRestore,
  SnapshotRestoreVolumeDefinition,
  SnapshotRollback,
  StoragePool,
  Volume,
  VolumeDefinition,
  VolumeDefinitionCreate,
  VolumeDefinitionModify,
} from './types.js';
import { WARN_NOT_FOUND, hasRetCode } from './apicallrc.js';

export interface RequestOptions {
  /** Aborts the call (e.g. the gRPC call's signal); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's per-request timeout, ms. */
  timeoutMs?: number;
}

/** Paging, as LINSTOR's `offset`/`limit` (limit 0 = no paging). */
export interface Paging {
  offset?: number;
  limit?: number;
}

export interface NodeListFilter extends Paging {
  nodes?: string[];
  /** Each `Key` (must exist) or `Key=Value` (exact); all must match. */
  props?: string[];
}

export interface StoragePoolViewFilter extends Paging {
  nodes?: string[];
  storagePools?: string[];
  props?: string[];
  /** Use the controller's cached free space instead of asking the satellites. */
  cached?: boolean;
}

export interface ResourceGroupListFilter {
  resourceGroups?: string[];
  props?: string[];
}

export interface ResourceDefinitionListFilter extends Paging {
  resourceDefinitions?: string[];
  props?: string[];
  withVolumeDefinitions?: boolean;
}

export interface ResourceViewFilter extends Paging {
  nodes?: string[];
  resources?: string[];
  storagePools?: string[];
  /** Filter on the resource props. */
  props?: string[];
}

export interface SnapshotViewFilter extends Paging {
  nodes?: string[];
  resources?: string[];
}

export interface ResourceDeleteOptions extends RequestOptions {
  /** Let LINSTOR turn the resource into a TieBreaker when quorum needs one. */
  keepTiebreaker?: boolean;
}

export interface SnapshotDeleteOptions extends RequestOptions {
  /** Delete only on these nodes. */
  nodes?: string[];
}

export interface ControllerApi {
  /** GET /v1/controller/version */
  version(o?: RequestOptions): Promise<ControllerVersion>;
  /** GET /v1/controller/properties */
  getProperties(o?: RequestOptions): Promise<ControllerProps>;
  /** POST /v1/controller/properties (POST, not PUT) */
  modifyProperties(body: GenericPropsModify, o?: RequestOptions): Promise<ApiCallRc[]>;
}

export interface NodesApi {
  /** GET /v1/nodes */
  list(filter?: NodeListFilter, o?: RequestOptions): Promise<Node[]>;
  /** GET /v1/nodes/{node} */
  get(node: string, o?: RequestOptions): Promise<Node>;
  /** PUT /v1/nodes/{node}: props (and node type) */
  modify(node: string, body: NodeModify, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** GET /v1/nodes/{node}/storage-pools (404 when the node is missing) */
  storagePools(node: string, opts?: { cached?: boolean } & RequestOptions): Promise<StoragePool[]>;
}

export interface StoragePoolsApi {
  /** GET /v1/view/storage-pools (`cached=true` to skip asking the satellites) */
  view(filter?: StoragePoolViewFilter, o?: RequestOptions): Promise<StoragePool[]>;
  /** GET /v1/nodes/{node}/storage-pools/{pool} */
  get(node: string, pool: string, o?: RequestOptions): Promise<StoragePool>;
}

/**
 * The calls a named top-level collection answers: GET `base` (list), GET/PUT/DELETE `base/{name}`,
 * POST `base` (create). A duplicate create rejects with isAlreadyExists().
 */
interface NamedCollectionApi<T, Filter, Create, Modify> {
  list(filter?: Filter, o?: RequestOptions): Promise<T[]>;
  get(name: string, o?: RequestOptions): Promise<T>;
  create(body: Create, o?: RequestOptions): Promise<ApiCallRc[]>;
  modify(name: string, body: Modify, o?: RequestOptions): Promise<ApiCallRc[]>;
  delete(name: string, o?: RequestOptions): Promise<ApiCallRc[]>;
}

/**
 * /v1/resource-groups. `props` are ignored by LINSTOR on create: use modify. Delete is refused
 * (FAIL_EXISTS_RSC_DFN) while resource definitions use the group.
 */
export interface ResourceGroupsApi extends NamedCollectionApi<ResourceGroup, ResourceGroupListFilter, ResourceGroupCreate, ResourceGroupModify> {
  /** POST /v1/resource-groups/{rg}/spawn */
  spawn(name: string, body: ResourceGroupSpawn, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** POST /v1/resource-groups/{rg}/query-size-info; errors inside `reports` reject with LinstorApiError */
  querySizeInfo(name: string, body?: QuerySizeInfoRequest, o?: RequestOptions): Promise<QuerySizeInfoResponse>;
  /** GET /v1/resource-groups/{rg}/query-max-volume-size */
  queryMaxVolumeSize(name: string, o?: RequestOptions): Promise<MaxVolumeSizes>;
}

/**
 * /v1/resource-definitions. List filters by props and may include volume definitions; get
 * answers without them. Create with an unknown resource group → isNotFound(). Modify sets props,
 * resource_group, …; deleting a missing one succeeds with WARN_NOT_FOUND.
 */
export interface ResourceDefinitionsApi extends NamedCollectionApi<ResourceDefinition, ResourceDefinitionListFilter, ResourceDefinitionCreate, ResourceDefinitionModify> {
  /** POST /v1/resource-definitions/{src}/clone (asynchronous; poll cloneStatus) */
  clone(source: string, body: CloneRequest, o?: RequestOptions): Promise<CloneStarted>;
  /** GET /v1/resource-definitions/{src}/clone/{target}; 404 = not started */
  cloneStatus(source: string, target: string, o?: RequestOptions): Promise<CloneStatus>;
}

export interface VolumeDefinitionsApi {
  /** GET /v1/resource-definitions/{rd}/volume-definitions (404 when the RD is missing) */
  list(rd: string, o?: RequestOptions): Promise<VolumeDefinition[]>;
  /** GET …/volume-definitions/{nr} */
  get(rd: string, volumeNumber: number, o?: RequestOptions): Promise<VolumeDefinition>;
  /** POST …/volume-definitions (200, not 201). Duplicate number → isAlreadyExists(). */
  create(rd: string, body: VolumeDefinitionCreate, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** PUT …/volume-definitions/{nr}: resize (`size_kib`) and props */
  modify(rd: string, volumeNumber: number, body: VolumeDefinitionModify, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** DELETE …/volume-definitions/{nr}; missing → success with WARN_NOT_FOUND */
  delete(rd: string, volumeNumber: number, o?: RequestOptions): Promise<ApiCallRc[]>;
}

export interface ResourcesApi {
  /** GET /v1/resource-definitions/{rd}/resources (no volumes; 404 when the RD is missing) */
  list(rd: string, o?: RequestOptions): Promise<Resource[]>;
  /** GET …/resources/{node} */
  get(rd: string, node: string, o?: RequestOptions): Promise<Resource>;
  /**
   * POST …/resources/{node}: one resource on one node. Diskless client: `flags: ["DISKLESS"]`
   * (with `layer_list` containing DRBD, or `drbd_client: true`). An existing resource answers
   * INFO_RSC_ALREADY_EXISTS (success).
   */
  create(rd: string, node: string, body: ResourceCreate, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** POST …/resources: several at once, each naming `resource.node_name` */
  createMany(rd: string, body: ResourceCreate[], o?: RequestOptions): Promise<ApiCallRc[]>;
  /** PUT …/resources/{node}: props, drbd_tiebreaker, drbd_client */
  modify(rd: string, node: string, body: ResourceModify, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** POST …/autoplace. Not satisfiable → isNotEnoughNodes(); already placed → WARN_RSC_ALREADY_DEPLOYED. */
  autoplace(rd: string, body: AutoPlaceRequest, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** POST …/resources/{node}/make-available (diskless client unless `diskful`) */
  makeAvailable(rd: string, node: string, body: MakeAvailable, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** DELETE …/resources/{node}?keep_tiebreaker=; missing → success; in use → isInUse() */
  delete(rd: string, node: string, o?: ResourceDeleteOptions): Promise<ApiCallRc[]>;
  /** GET …/resources/{node}/volumes */
  listVolumes(rd: string, node: string, o?: RequestOptions): Promise<Volume[]>;
  /** GET …/resources/{node}/volumes/{nr} (device_path, state.disk_state) */
  getVolume(rd: string, node: string, volumeNumber: number, o?: RequestOptions): Promise<Volume>;
  /** GET /v1/view/resources (with volumes; never 404) */
  view(filter?: ResourceViewFilter, o?: RequestOptions): Promise<ResourceWithVolumes[]>;
}

export interface SnapshotsApi {
  /** POST /v1/resource-definitions/{rd}/snapshots */
  create(rd: string, body: SnapshotCreate, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** POST /v1/actions/snapshot/multi (crash-consistent across RDs) */
  createMulti(body: MultiSnapshot, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** GET …/{rd}/snapshots (404 when the RD is missing) */
  list(rd: string, o?: RequestOptions & Paging): Promise<Snapshot[]>;
  /** GET …/{rd}/snapshots/{snap} */
  get(rd: string, snapshot: string, o?: RequestOptions): Promise<Snapshot>;
  /** GET /v1/view/snapshots */
  view(filter?: SnapshotViewFilter, o?: RequestOptions): Promise<Snapshot[]>;
  /** DELETE …/{rd}/snapshots/{snap}[?nodes=]; missing → success */
  delete(rd: string, snapshot: string, o?: SnapshotDeleteOptions): Promise<ApiCallRc[]>;
  /** POST …/{src}/snapshot-restore-volume-definition/{snap}: copy VDs into the existing RD `to_resource` */
  restoreVolumeDefinitions(rd: string, snapshot: string, body: SnapshotRestoreVolumeDefinition, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** POST …/{src}/snapshot-restore-resource/{snap}: create resources of `to_resource` from the snapshot */
  restoreResource(rd: string, snapshot: string, body: SnapshotRestore, o?: RequestOptions): Promise<ApiCallRc[]>;
  /** POST …/{rd}/snapshot-rollback/{snap} */
  rollback(rd: string, snapshot: string, body?: SnapshotRollback, o?: RequestOptions): Promise<ApiCallRc[]>;
}

export interface LinstorClient {
  readonly controller: ControllerApi;
  readonly nodes: NodesApi;
  readonly storagePools: StoragePoolsApi;
  readonly resourceGroups: ResourceGroupsApi;
  readonly resourceDefinitions: ResourceDefinitionsApi;
  readonly volumeDefinitions: VolumeDefinitionsApi;
  readonly resources: ResourcesApi;
  readonly snapshots: SnapshotsApi;
  /**
   * This client's writes, for read caches (see write-tracker.ts). A client without it (a test
   * double) gets no caching: every read goes to LINSTOR.
   */
  readonly writes?: WriteTracker;
  /** Releases keep-alive connections. */
  close(): void;
}

/** True when a delete's reply says the object was already gone (200 + WARN_NOT_FOUND). */
export function wasNotFound(entries: readonly ApiCallRc[]): boolean {
  return hasRetCode(entries, WARN_NOT_FOUND);
}
