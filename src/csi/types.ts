/**
 * One import point for the CSI types the handler modules use. For every message `Foo`:
 *   - `Foo__Output` is the decoded shape a handler receives: defaults filled in, 64-bit
 *     integers as decimal strings, enums as names, unset messages as null, and each oneof
 *     named by a virtual field (e.g. `access_type: 'mount' | 'block'`);
 *   - `Foo` is the permissive shape a handler returns (every field optional).
 * Everything here is generated from proto/csi.proto into ./generated (`npm run gen`).
 */
import type { MethodDefinition } from '@grpc/proto-loader';
import type { UnaryHandler } from './handler.js';
import type { ControllerDefinition } from './generated/csi/v1/Controller.js';
import type { GroupControllerDefinition } from './generated/csi/v1/GroupController.js';
import type { IdentityDefinition } from './generated/csi/v1/Identity.js';
import type { NodeDefinition } from './generated/csi/v1/Node.js';
import type { SnapshotMetadataDefinition } from './generated/csi/v1/SnapshotMetadata.js';

// ---- Request and response messages of every RPC, per service ---------------------------

import type { GetPluginInfoRequest, GetPluginInfoRequest__Output } from './generated/csi/v1/GetPluginInfoRequest.js';
import type { GetPluginInfoResponse, GetPluginInfoResponse__Output } from './generated/csi/v1/GetPluginInfoResponse.js';
import type { GetPluginCapabilitiesRequest, GetPluginCapabilitiesRequest__Output } from './generated/csi/v1/GetPluginCapabilitiesRequest.js';
import type { GetPluginCapabilitiesResponse, GetPluginCapabilitiesResponse__Output } from './generated/csi/v1/GetPluginCapabilitiesResponse.js';
import type { ProbeRequest, ProbeRequest__Output } from './generated/csi/v1/ProbeRequest.js';
import type { ProbeResponse, ProbeResponse__Output } from './generated/csi/v1/ProbeResponse.js';
import type { CreateVolumeRequest, CreateVolumeRequest__Output } from './generated/csi/v1/CreateVolumeRequest.js';
import type { CreateVolumeResponse, CreateVolumeResponse__Output } from './generated/csi/v1/CreateVolumeResponse.js';
import type { DeleteVolumeRequest, DeleteVolumeRequest__Output } from './generated/csi/v1/DeleteVolumeRequest.js';
import type { DeleteVolumeResponse, DeleteVolumeResponse__Output } from './generated/csi/v1/DeleteVolumeResponse.js';
import type { ControllerPublishVolumeRequest, ControllerPublishVolumeRequest__Output } from './generated/csi/v1/ControllerPublishVolumeRequest.js';
import type { ControllerPublishVolumeResponse, ControllerPublishVolumeResponse__Output } from './generated/csi/v1/ControllerPublishVolumeResponse.js';
import type { ControllerUnpublishVolumeRequest, ControllerUnpublishVolumeRequest__Output } from './generated/csi/v1/ControllerUnpublishVolumeRequest.js';
import type { ControllerUnpublishVolumeResponse, ControllerUnpublishVolumeResponse__Output } from './generated/csi/v1/ControllerUnpublishVolumeResponse.js';
import type { ValidateVolumeCapabilitiesRequest, ValidateVolumeCapabilitiesRequest__Output } from './generated/csi/v1/ValidateVolumeCapabilitiesRequest.js';
import type { ValidateVolumeCapabilitiesResponse, ValidateVolumeCapabilitiesResponse__Output } from './generated/csi/v1/ValidateVolumeCapabilitiesResponse.js';
import type { ListVolumesRequest, ListVolumesRequest__Output } from './generated/csi/v1/ListVolumesRequest.js';
import type { ListVolumesResponse, ListVolumesResponse__Output } from './generated/csi/v1/ListVolumesResponse.js';
import type { GetCapacityRequest, GetCapacityRequest__Output } from './generated/csi/v1/GetCapacityRequest.js';
import type { GetCapacityResponse, GetCapacityResponse__Output } from './generated/csi/v1/GetCapacityResponse.js';
import type { ControllerGetCapabilitiesRequest, ControllerGetCapabilitiesRequest__Output } from './generated/csi/v1/ControllerGetCapabilitiesRequest.js';
import type { ControllerGetCapabilitiesResponse, ControllerGetCapabilitiesResponse__Output } from './generated/csi/v1/ControllerGetCapabilitiesResponse.js';
import type { CreateSnapshotRequest, CreateSnapshotRequest__Output } from './generated/csi/v1/CreateSnapshotRequest.js';
import type { CreateSnapshotResponse, CreateSnapshotResponse__Output } from './generated/csi/v1/CreateSnapshotResponse.js';
import type { DeleteSnapshotRequest, DeleteSnapshotRequest__Output } from './generated/csi/v1/DeleteSnapshotRequest.js';
import type { DeleteSnapshotResponse, DeleteSnapshotResponse__Output } from './generated/csi/v1/DeleteSnapshotResponse.js';
import type { ListSnapshotsRequest, ListSnapshotsRequest__Output } from './generated/csi/v1/ListSnapshotsRequest.js';
import type { ListSnapshotsResponse, ListSnapshotsResponse__Output } from './generated/csi/v1/ListSnapshotsResponse.js';
import type { GetSnapshotRequest, GetSnapshotRequest__Output } from './generated/csi/v1/GetSnapshotRequest.js';
import type { GetSnapshotResponse, GetSnapshotResponse__Output } from './generated/csi/v1/GetSnapshotResponse.js';
import type { ControllerExpandVolumeRequest, ControllerExpandVolumeRequest__Output } from './generated/csi/v1/ControllerExpandVolumeRequest.js';
import type { ControllerExpandVolumeResponse, ControllerExpandVolumeResponse__Output } from './generated/csi/v1/ControllerExpandVolumeResponse.js';
import type { ControllerGetVolumeRequest, ControllerGetVolumeRequest__Output } from './generated/csi/v1/ControllerGetVolumeRequest.js';
import type { ControllerGetVolumeResponse, ControllerGetVolumeResponse__Output } from './generated/csi/v1/ControllerGetVolumeResponse.js';
import type { ControllerModifyVolumeRequest, ControllerModifyVolumeRequest__Output } from './generated/csi/v1/ControllerModifyVolumeRequest.js';
import type { ControllerModifyVolumeResponse, ControllerModifyVolumeResponse__Output } from './generated/csi/v1/ControllerModifyVolumeResponse.js';
import type { GroupControllerGetCapabilitiesRequest, GroupControllerGetCapabilitiesRequest__Output } from './generated/csi/v1/GroupControllerGetCapabilitiesRequest.js';
import type { GroupControllerGetCapabilitiesResponse, GroupControllerGetCapabilitiesResponse__Output } from './generated/csi/v1/GroupControllerGetCapabilitiesResponse.js';
import type { CreateVolumeGroupSnapshotRequest, CreateVolumeGroupSnapshotRequest__Output } from './generated/csi/v1/CreateVolumeGroupSnapshotRequest.js';
import type { CreateVolumeGroupSnapshotResponse, CreateVolumeGroupSnapshotResponse__Output } from './generated/csi/v1/CreateVolumeGroupSnapshotResponse.js';
import type { DeleteVolumeGroupSnapshotRequest, DeleteVolumeGroupSnapshotRequest__Output } from './generated/csi/v1/DeleteVolumeGroupSnapshotRequest.js';
import type { DeleteVolumeGroupSnapshotResponse, DeleteVolumeGroupSnapshotResponse__Output } from './generated/csi/v1/DeleteVolumeGroupSnapshotResponse.js';
import type { GetVolumeGroupSnapshotRequest, GetVolumeGroupSnapshotRequest__Output } from './generated/csi/v1/GetVolumeGroupSnapshotRequest.js';
import type { GetVolumeGroupSnapshotResponse, GetVolumeGroupSnapshotResponse__Output } from './generated/csi/v1/GetVolumeGroupSnapshotResponse.js';
import type { GetMetadataAllocatedRequest, GetMetadataAllocatedRequest__Output } from './generated/csi/v1/GetMetadataAllocatedRequest.js';
import type { GetMetadataAllocatedResponse, GetMetadataAllocatedResponse__Output } from './generated/csi/v1/GetMetadataAllocatedResponse.js';
import type { GetMetadataDeltaRequest, GetMetadataDeltaRequest__Output } from './generated/csi/v1/GetMetadataDeltaRequest.js';
import type { GetMetadataDeltaResponse, GetMetadataDeltaResponse__Output } from './generated/csi/v1/GetMetadataDeltaResponse.js';
import type { NodeStageVolumeRequest, NodeStageVolumeRequest__Output } from './generated/csi/v1/NodeStageVolumeRequest.js';
import type { NodeStageVolumeResponse, NodeStageVolumeResponse__Output } from './generated/csi/v1/NodeStageVolumeResponse.js';
import type { NodeUnstageVolumeRequest, NodeUnstageVolumeRequest__Output } from './generated/csi/v1/NodeUnstageVolumeRequest.js';
import type { NodeUnstageVolumeResponse, NodeUnstageVolumeResponse__Output } from './generated/csi/v1/NodeUnstageVolumeResponse.js';
import type { NodePublishVolumeRequest, NodePublishVolumeRequest__Output } from './generated/csi/v1/NodePublishVolumeRequest.js';
import type { NodePublishVolumeResponse, NodePublishVolumeResponse__Output } from './generated/csi/v1/NodePublishVolumeResponse.js';
import type { NodeUnpublishVolumeRequest, NodeUnpublishVolumeRequest__Output } from './generated/csi/v1/NodeUnpublishVolumeRequest.js';
import type { NodeUnpublishVolumeResponse, NodeUnpublishVolumeResponse__Output } from './generated/csi/v1/NodeUnpublishVolumeResponse.js';
import type { NodeGetVolumeStatsRequest, NodeGetVolumeStatsRequest__Output } from './generated/csi/v1/NodeGetVolumeStatsRequest.js';
import type { NodeGetVolumeStatsResponse, NodeGetVolumeStatsResponse__Output } from './generated/csi/v1/NodeGetVolumeStatsResponse.js';
import type { NodeExpandVolumeRequest, NodeExpandVolumeRequest__Output } from './generated/csi/v1/NodeExpandVolumeRequest.js';
import type { NodeExpandVolumeResponse, NodeExpandVolumeResponse__Output } from './generated/csi/v1/NodeExpandVolumeResponse.js';
import type { NodeGetCapabilitiesRequest, NodeGetCapabilitiesRequest__Output } from './generated/csi/v1/NodeGetCapabilitiesRequest.js';
import type { NodeGetCapabilitiesResponse, NodeGetCapabilitiesResponse__Output } from './generated/csi/v1/NodeGetCapabilitiesResponse.js';
import type { NodeGetInfoRequest, NodeGetInfoRequest__Output } from './generated/csi/v1/NodeGetInfoRequest.js';
import type { NodeGetInfoResponse, NodeGetInfoResponse__Output } from './generated/csi/v1/NodeGetInfoResponse.js';

// Identity
export type {
  GetPluginInfoRequest,
  GetPluginInfoRequest__Output,
  GetPluginInfoResponse,
  GetPluginInfoResponse__Output,
  GetPluginCapabilitiesRequest,
  GetPluginCapabilitiesRequest__Output,
  GetPluginCapabilitiesResponse,
  GetPluginCapabilitiesResponse__Output,
  ProbeRequest,
  ProbeRequest__Output,
  ProbeResponse,
  ProbeResponse__Output,
};

// Controller
export type {
  CreateVolumeRequest,
  CreateVolumeRequest__Output,
  CreateVolumeResponse,
  CreateVolumeResponse__Output,
  DeleteVolumeRequest,
  DeleteVolumeRequest__Output,
  DeleteVolumeResponse,
  DeleteVolumeResponse__Output,
  ControllerPublishVolumeRequest,
  ControllerPublishVolumeRequest__Output,
  ControllerPublishVolumeResponse,
  ControllerPublishVolumeResponse__Output,
  ControllerUnpublishVolumeRequest,
  ControllerUnpublishVolumeRequest__Output,
  ControllerUnpublishVolumeResponse,
  ControllerUnpublishVolumeResponse__Output,
  ValidateVolumeCapabilitiesRequest,
  ValidateVolumeCapabilitiesRequest__Output,
  ValidateVolumeCapabilitiesResponse,
  ValidateVolumeCapabilitiesResponse__Output,
  ListVolumesRequest,
  ListVolumesRequest__Output,
  ListVolumesResponse,
  ListVolumesResponse__Output,
  GetCapacityRequest,
  GetCapacityRequest__Output,
  GetCapacityResponse,
  GetCapacityResponse__Output,
  ControllerGetCapabilitiesRequest,
  ControllerGetCapabilitiesRequest__Output,
  ControllerGetCapabilitiesResponse,
  ControllerGetCapabilitiesResponse__Output,
  CreateSnapshotRequest,
  CreateSnapshotRequest__Output,
  CreateSnapshotResponse,
  CreateSnapshotResponse__Output,
  DeleteSnapshotRequest,
  DeleteSnapshotRequest__Output,
  DeleteSnapshotResponse,
  DeleteSnapshotResponse__Output,
  ListSnapshotsRequest,
  ListSnapshotsRequest__Output,
  ListSnapshotsResponse,
  ListSnapshotsResponse__Output,
  GetSnapshotRequest,
  GetSnapshotRequest__Output,
  GetSnapshotResponse,
  GetSnapshotResponse__Output,
  ControllerExpandVolumeRequest,
  ControllerExpandVolumeRequest__Output,
  ControllerExpandVolumeResponse,
  ControllerExpandVolumeResponse__Output,
  ControllerGetVolumeRequest,
  ControllerGetVolumeRequest__Output,
  ControllerGetVolumeResponse,
  ControllerGetVolumeResponse__Output,
  ControllerModifyVolumeRequest,
  ControllerModifyVolumeRequest__Output,
  ControllerModifyVolumeResponse,
  ControllerModifyVolumeResponse__Output,
};

// GroupController
export type {
  GroupControllerGetCapabilitiesRequest,
  GroupControllerGetCapabilitiesRequest__Output,
  GroupControllerGetCapabilitiesResponse,
  GroupControllerGetCapabilitiesResponse__Output,
  CreateVolumeGroupSnapshotRequest,
  CreateVolumeGroupSnapshotRequest__Output,
  CreateVolumeGroupSnapshotResponse,
  CreateVolumeGroupSnapshotResponse__Output,
  DeleteVolumeGroupSnapshotRequest,
  DeleteVolumeGroupSnapshotRequest__Output,
  DeleteVolumeGroupSnapshotResponse,
  DeleteVolumeGroupSnapshotResponse__Output,
  GetVolumeGroupSnapshotRequest,
  GetVolumeGroupSnapshotRequest__Output,
  GetVolumeGroupSnapshotResponse,
  GetVolumeGroupSnapshotResponse__Output,
};

// SnapshotMetadata
export type {
  GetMetadataAllocatedRequest,
  GetMetadataAllocatedRequest__Output,
  GetMetadataAllocatedResponse,
  GetMetadataAllocatedResponse__Output,
  GetMetadataDeltaRequest,
  GetMetadataDeltaRequest__Output,
  GetMetadataDeltaResponse,
  GetMetadataDeltaResponse__Output,
};

// Node
export type {
  NodeStageVolumeRequest,
  NodeStageVolumeRequest__Output,
  NodeStageVolumeResponse,
  NodeStageVolumeResponse__Output,
  NodeUnstageVolumeRequest,
  NodeUnstageVolumeRequest__Output,
  NodeUnstageVolumeResponse,
  NodeUnstageVolumeResponse__Output,
  NodePublishVolumeRequest,
  NodePublishVolumeRequest__Output,
  NodePublishVolumeResponse,
  NodePublishVolumeResponse__Output,
  NodeUnpublishVolumeRequest,
  NodeUnpublishVolumeRequest__Output,
  NodeUnpublishVolumeResponse,
  NodeUnpublishVolumeResponse__Output,
  NodeGetVolumeStatsRequest,
  NodeGetVolumeStatsRequest__Output,
  NodeGetVolumeStatsResponse,
  NodeGetVolumeStatsResponse__Output,
  NodeExpandVolumeRequest,
  NodeExpandVolumeRequest__Output,
  NodeExpandVolumeResponse,
  NodeExpandVolumeResponse__Output,
  NodeGetCapabilitiesRequest,
  NodeGetCapabilitiesRequest__Output,
  NodeGetCapabilitiesResponse,
  NodeGetCapabilitiesResponse__Output,
  NodeGetInfoRequest,
  NodeGetInfoRequest__Output,
  NodeGetInfoResponse,
  NodeGetInfoResponse__Output,
};

// ---- Messages shared between RPCs ---------------------------------------------------------

export type { ProtoGrpcType } from './generated/csi.js';
export type { BlockMetadata, BlockMetadata__Output } from './generated/csi/v1/BlockMetadata.js';
export type { CapacityRange, CapacityRange__Output } from './generated/csi/v1/CapacityRange.js';
export type { ControllerServiceCapability, ControllerServiceCapability__Output } from './generated/csi/v1/ControllerServiceCapability.js';
export type { GroupControllerServiceCapability, GroupControllerServiceCapability__Output } from './generated/csi/v1/GroupControllerServiceCapability.js';
export type { NodeServiceCapability, NodeServiceCapability__Output } from './generated/csi/v1/NodeServiceCapability.js';
export type { PluginCapability, PluginCapability__Output } from './generated/csi/v1/PluginCapability.js';
export type { Snapshot, Snapshot__Output } from './generated/csi/v1/Snapshot.js';
export type { Topology, Topology__Output } from './generated/csi/v1/Topology.js';
export type { TopologyRequirement, TopologyRequirement__Output } from './generated/csi/v1/TopologyRequirement.js';
export type { Volume, Volume__Output } from './generated/csi/v1/Volume.js';
export type { VolumeCapability, VolumeCapability__Output } from './generated/csi/v1/VolumeCapability.js';
export type { VolumeCondition, VolumeCondition__Output } from './generated/csi/v1/VolumeCondition.js';
export type { VolumeContentSource, VolumeContentSource__Output } from './generated/csi/v1/VolumeContentSource.js';
export type { VolumeGroupSnapshot, VolumeGroupSnapshot__Output } from './generated/csi/v1/VolumeGroupSnapshot.js';
export type { VolumeUsage, VolumeUsage__Output } from './generated/csi/v1/VolumeUsage.js';

// ---- Nested messages, under short names ---------------------------------------------------

export type {
  _csi_v1_VolumeCapability_AccessMode as VolumeCapabilityAccessMode,
  _csi_v1_VolumeCapability_AccessMode__Output as VolumeCapabilityAccessMode__Output,
  _csi_v1_VolumeCapability_BlockVolume as BlockVolume,
  _csi_v1_VolumeCapability_BlockVolume__Output as BlockVolume__Output,
  _csi_v1_VolumeCapability_MountVolume as MountVolume,
  _csi_v1_VolumeCapability_MountVolume__Output as MountVolume__Output,
} from './generated/csi/v1/VolumeCapability.js';
export type {
  _csi_v1_VolumeContentSource_SnapshotSource as SnapshotSource,
  _csi_v1_VolumeContentSource_SnapshotSource__Output as SnapshotSource__Output,
  _csi_v1_VolumeContentSource_VolumeSource as VolumeSource,
  _csi_v1_VolumeContentSource_VolumeSource__Output as VolumeSource__Output,
} from './generated/csi/v1/VolumeContentSource.js';
export type {
  _csi_v1_ListVolumesResponse_Entry as ListVolumesEntry,
  _csi_v1_ListVolumesResponse_Entry__Output as ListVolumesEntry__Output,
  _csi_v1_ListVolumesResponse_VolumeStatus as ListVolumesVolumeStatus,
  _csi_v1_ListVolumesResponse_VolumeStatus__Output as ListVolumesVolumeStatus__Output,
} from './generated/csi/v1/ListVolumesResponse.js';
export type {
  _csi_v1_ListSnapshotsResponse_Entry as ListSnapshotsEntry,
  _csi_v1_ListSnapshotsResponse_Entry__Output as ListSnapshotsEntry__Output,
} from './generated/csi/v1/ListSnapshotsResponse.js';
export type {
  _csi_v1_ControllerGetVolumeResponse_VolumeStatus as ControllerGetVolumeStatus,
  _csi_v1_ControllerGetVolumeResponse_VolumeStatus__Output as ControllerGetVolumeStatus__Output,
} from './generated/csi/v1/ControllerGetVolumeResponse.js';
export type {
  _csi_v1_ValidateVolumeCapabilitiesResponse_Confirmed as ValidateVolumeCapabilitiesConfirmed,
  _csi_v1_ValidateVolumeCapabilitiesResponse_Confirmed__Output as ValidateVolumeCapabilitiesConfirmed__Output,
} from './generated/csi/v1/ValidateVolumeCapabilitiesResponse.js';
export type {
  _csi_v1_PluginCapability_Service as PluginServiceCapability,
  _csi_v1_PluginCapability_Service__Output as PluginServiceCapability__Output,
  _csi_v1_PluginCapability_VolumeExpansion as PluginVolumeExpansion,
  _csi_v1_PluginCapability_VolumeExpansion__Output as PluginVolumeExpansion__Output,
} from './generated/csi/v1/PluginCapability.js';
export type {
  _csi_v1_ControllerServiceCapability_RPC as ControllerRpcCapability,
  _csi_v1_ControllerServiceCapability_RPC__Output as ControllerRpcCapability__Output,
} from './generated/csi/v1/ControllerServiceCapability.js';
export type {
  _csi_v1_NodeServiceCapability_RPC as NodeRpcCapability,
  _csi_v1_NodeServiceCapability_RPC__Output as NodeRpcCapability__Output,
} from './generated/csi/v1/NodeServiceCapability.js';
export type {
  _csi_v1_GroupControllerServiceCapability_RPC as GroupControllerRpcCapability,
  _csi_v1_GroupControllerServiceCapability_RPC__Output as GroupControllerRpcCapability__Output,
} from './generated/csi/v1/GroupControllerServiceCapability.js';

// ---- Enums: each name is both a const of the value names and the input type ------------
// (`AccessMode.SINGLE_NODE_WRITER`; `AccessMode__Output` is the decoded type: names only).

export {
  _csi_v1_VolumeCapability_AccessMode_Mode as AccessMode,
  type _csi_v1_VolumeCapability_AccessMode_Mode__Output as AccessMode__Output,
} from './generated/csi/v1/VolumeCapability.js';
export {
  _csi_v1_ControllerServiceCapability_RPC_Type as ControllerRpcType,
  type _csi_v1_ControllerServiceCapability_RPC_Type__Output as ControllerRpcType__Output,
} from './generated/csi/v1/ControllerServiceCapability.js';
export {
  _csi_v1_NodeServiceCapability_RPC_Type as NodeRpcType,
  type _csi_v1_NodeServiceCapability_RPC_Type__Output as NodeRpcType__Output,
} from './generated/csi/v1/NodeServiceCapability.js';
export {
  _csi_v1_GroupControllerServiceCapability_RPC_Type as GroupControllerRpcType,
  type _csi_v1_GroupControllerServiceCapability_RPC_Type__Output as GroupControllerRpcType__Output,
} from './generated/csi/v1/GroupControllerServiceCapability.js';
export {
  _csi_v1_PluginCapability_Service_Type as PluginServiceType,
  type _csi_v1_PluginCapability_Service_Type__Output as PluginServiceType__Output,
  _csi_v1_PluginCapability_VolumeExpansion_Type as VolumeExpansionType,
  type _csi_v1_PluginCapability_VolumeExpansion_Type__Output as VolumeExpansionType__Output,
} from './generated/csi/v1/PluginCapability.js';
export {
  _csi_v1_VolumeUsage_Unit as VolumeUsageUnit,
  type _csi_v1_VolumeUsage_Unit__Output as VolumeUsageUnit__Output,
} from './generated/csi/v1/VolumeUsage.js';
export { BlockMetadataType, type BlockMetadataType__Output } from './generated/csi/v1/BlockMetadataType.js';

// ---- Service-level types ----------------------------------------------------------------

// grpc-js service definitions and clients (clients are for tests and tools). The generated
// grpc-style handler interfaces are renamed *GrpcHandlers: `*Handlers` below are ours.
export type { IdentityClient, IdentityDefinition, IdentityHandlers as IdentityGrpcHandlers } from './generated/csi/v1/Identity.js';
export type { ControllerClient, ControllerDefinition, ControllerHandlers as ControllerGrpcHandlers } from './generated/csi/v1/Controller.js';
export type {
  GroupControllerClient,
  GroupControllerDefinition,
  GroupControllerHandlers as GroupControllerGrpcHandlers,
} from './generated/csi/v1/GroupController.js';
export type {
  SnapshotMetadataClient,
  SnapshotMetadataDefinition,
  SnapshotMetadataHandlers as SnapshotMetadataGrpcHandlers,
} from './generated/csi/v1/SnapshotMetadata.js';
export type { NodeClient, NodeDefinition, NodeHandlers as NodeGrpcHandlers } from './generated/csi/v1/Node.js';

// ---- RPC maps -----------------------------------------------------------------------------
// Derived from the generated service definitions, so a new RPC in the proto is in its map
// without an edit here.

/** The method names of a generated service definition (without grpc's string index). */
type MethodNames<D> = keyof { [K in keyof D as string extends K ? never : K]: D[K] };

/** An RPC map: proto method name to the decoded request a handler gets and the response it returns. */
export type RpcsOf<D> = {
  [K in MethodNames<D>]: D[K] extends MethodDefinition<infer _Req, infer Res, infer ReqOut, infer _ResOut> ? { request: ReqOut; response: Res } : never;
};

export type IdentityRpcs = RpcsOf<IdentityDefinition>;
export type ControllerRpcs = RpcsOf<ControllerDefinition>;
export type GroupControllerRpcs = RpcsOf<GroupControllerDefinition>;
/** Both RPCs are server-streaming: `response` is one message of the stream. */
export type SnapshotMetadataRpcs = RpcsOf<SnapshotMetadataDefinition>;
export type NodeRpcs = RpcsOf<NodeDefinition>;

/** An RPC map: proto method name to its decoded request and its response. */
export type RpcMap<M> = { [K in keyof M]: { request: unknown; response: unknown } };

/** One UnaryHandler per RPC of a map (see ./handler.ts). */
export type HandlersOf<M extends RpcMap<M>> = { [K in keyof M]: UnaryHandler<M[K]['request'], M[K]['response']> };

/** Handler maps per unary service; a service module returns a Partial of one of these. */
export type IdentityHandlers = HandlersOf<IdentityRpcs>;
export type ControllerHandlers = HandlersOf<ControllerRpcs>;
export type GroupControllerHandlers = HandlersOf<GroupControllerRpcs>;
export type NodeHandlers = HandlersOf<NodeRpcs>;

/** The RPC maps of all five services, by proto service name. */
export interface CsiRpcs {
  Identity: IdentityRpcs;
  Controller: ControllerRpcs;
  GroupController: GroupControllerRpcs;
  SnapshotMetadata: SnapshotMetadataRpcs;
  Node: NodeRpcs;
}
