import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import {
  CSI_SERVICES,
  LOADER_OPTIONS,
  PROTO_DIR,
  PROTO_PATH,
  csi,
  csiReflection,
  packageDefinition,
  secretFieldKeys,
  secretFieldNames,
} from '../../src/csi/proto.js';
import {
  AccessMode,
  ControllerRpcType,
  type ControllerRpcs,
  type CreateVolumeRequest__Output,
  type CreateVolumeResponse,
  type CsiRpcs,
  type NodeRpcs,
  type NodeStageVolumeRequest__Output,
  type NodeStageVolumeResponse,
} from '../../src/csi/types.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** The RPCs of CSI v1.12.0, in spec order. */
const SPEC_RPCS: Record<string, string[]> = {
  Identity: ['GetPluginInfo', 'GetPluginCapabilities', 'Probe'],
  Controller: [
    'CreateVolume',
    'DeleteVolume',
    'ControllerPublishVolume',
    'ControllerUnpublishVolume',
    'ValidateVolumeCapabilities',
    'ListVolumes',
    'GetCapacity',
    'ControllerGetCapabilities',
    'CreateSnapshot',
    'DeleteSnapshot',
    'ListSnapshots',
    'GetSnapshot',
    'ControllerExpandVolume',
    'ControllerGetVolume',
    'ControllerModifyVolume',
  ],
  GroupController: [
    'GroupControllerGetCapabilities',
    'CreateVolumeGroupSnapshot',
    'DeleteVolumeGroupSnapshot',
    'GetVolumeGroupSnapshot',
  ],
  SnapshotMetadata: ['GetMetadataAllocated', 'GetMetadataDelta'],
  Node: [
    'NodeStageVolume',
    'NodeUnstageVolume',
    'NodePublishVolume',
    'NodeUnpublishVolume',
    'NodeGetVolumeStats',
    'NodeExpandVolume',
    'NodeGetCapabilities',
    'NodeGetInfo',
  ],
};

/** Every request the spec annotates with `(csi_secret)`; in each case the field is `secrets`. */
const SPEC_SECRET_MESSAGES = [
  'ControllerExpandVolumeRequest',
  'ControllerModifyVolumeRequest',
  'ControllerPublishVolumeRequest',
  'ControllerUnpublishVolumeRequest',
  'CreateSnapshotRequest',
  'CreateVolumeGroupSnapshotRequest',
  'CreateVolumeRequest',
  'DeleteSnapshotRequest',
  'DeleteVolumeGroupSnapshotRequest',
  'DeleteVolumeRequest',
  'GetMetadataAllocatedRequest',
  'GetMetadataDeltaRequest',
  'GetSnapshotRequest',
  'GetVolumeGroupSnapshotRequest',
  'ListSnapshotsRequest',
  'NodeExpandVolumeRequest',
  'NodePublishVolumeRequest',
  'NodeStageVolumeRequest',
  'ValidateVolumeCapabilitiesRequest',
];

const type = (name: string): protobuf.Type => csiReflection().lookupType(`csi.v1.${name}`);
const enumOf = (name: string): protobuf.Enum => csiReflection().lookupEnum(`csi.v1.${name}`);
/** Own name -> number pairs (protobufjs chains `values` to `valuesById`). */
const valuesOf = (name: string): Record<string, number> => ({ ...enumOf(name).values });

/** Wire encode with the grpc serializer of a method, decode with its deserializer. */
function roundTripRequest(service: string, rpc: string, value: object): Record<string, unknown> {
  const def = packageDefinition[`csi.v1.${service}`] as Record<string, { requestSerialize: (v: object) => Buffer; requestDeserialize: (b: Buffer) => unknown }>;
  const method = def[rpc];
  if (!method) throw new Error(`no method ${service}.${rpc}`);
  return method.requestDeserialize(method.requestSerialize(value)) as Record<string, unknown>;
}

function requestDeserializer(service: string, rpc: string): (b: Buffer) => Record<string, unknown> {
  const def = packageDefinition[`csi.v1.${service}`] as Record<string, { requestDeserialize: (b: Buffer) => unknown }>;
  const method = def[rpc];
  if (!method) throw new Error(`no method ${service}.${rpc}`);
  return (b) => method.requestDeserialize(b) as Record<string, unknown>;
}

test('csi.proto loads from the path next to the sources, with the shared loader options', () => {
  assert.is(PROTO_DIR, join(repo, 'proto') + '/');
  assert.ok(existsSync(PROTO_PATH));
  const json = JSON.parse(readFileSync(join(repo, 'src/csi/loader-options.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(json, { keepCase: true, longs: 'String', enums: 'String', defaults: true, oneofs: true });
  assert.is(LOADER_OPTIONS.keepCase, true);
  assert.is(LOADER_OPTIONS.longs, String);
  assert.is(LOADER_OPTIONS.enums, String);
  assert.is(LOADER_OPTIONS.defaults, true);
  assert.is(LOADER_OPTIONS.oneofs, true);
  assert.equal(LOADER_OPTIONS.includeDirs, [PROTO_DIR]);
  assert.is(typeof csi.Controller, 'function');
  assert.is(typeof csi.Volume.type, 'object');
});

test('each service has exactly the spec v1.12.0 methods', () => {
  assert.equal(Object.keys(CSI_SERVICES).sort(), Object.keys(SPEC_RPCS).sort());
  for (const [svc, rpcs] of Object.entries(SPEC_RPCS)) {
    const def = CSI_SERVICES[svc as keyof typeof CSI_SERVICES];
    assert.equal(Object.keys(def), rpcs, `${svc} methods`);
    for (const rpc of rpcs) {
      const m = (def as unknown as Record<string, { path: string; requestStream: boolean; responseStream: boolean }>)[rpc];
      assert.ok(m, `${svc}.${rpc}`);
      assert.is(m.path, `/csi.v1.${svc}/${rpc}`);
      assert.is(m.requestStream, false, `${svc}.${rpc} request stream`);
      assert.is(m.responseStream, svc === 'SnapshotMetadata', `${svc}.${rpc} response stream`);
    }
  }
});

test('alpha markers sit where the spec puts them', () => {
  const root = csiReflection();
  const svc = (n: string) => root.lookupService(`csi.v1.${n}`);
  assert.equal(svc('SnapshotMetadata').options, { '(alpha_service)': true });
  for (const n of ['Identity', 'Controller', 'GroupController', 'Node']) assert.is(svc(n).options, undefined, n);
  const alphaMethods = Object.keys(SPEC_RPCS).flatMap((s) =>
    svc(s).methodsArray.filter((m) => m.options?.['(alpha_method)'] === true).map((m) => `${s}.${m.name}`),
  );
  assert.equal(alphaMethods.sort(), ['Controller.ControllerGetVolume', 'Controller.GetSnapshot']);
  for (const n of ['ControllerGetVolumeRequest', 'ControllerGetVolumeResponse', 'GetSnapshotRequest', 'GetSnapshotResponse', 'VolumeCondition']) {
    assert.equal(type(n).options, { '(alpha_message)': true }, n);
  }
  assert.is(type('GetCapacityResponse').fields.minimum_volume_size?.options?.['(alpha_field)'], true);
  assert.is(type('NodeExpandVolumeRequest').fields.secrets?.options?.['(alpha_field)'], true);
  assert.is(enumOf('ControllerServiceCapability.RPC.Type').valuesOptions?.GET_SNAPSHOT?.['(alpha_enum_value)'], true);
  assert.is(enumOf('ControllerServiceCapability.RPC.Type').valuesOptions?.MODIFY_VOLUME, undefined);
});

test('custom options extend the descriptor options with the spec numbers', () => {
  const root = csiReflection();
  const ext = (n: string) => root.lookup(`csi.v1.${n}`) as protobuf.Field;
  const expected: Record<string, [string, number]> = {
    csi_secret: ['google.protobuf.FieldOptions', 1059],
    alpha_field: ['google.protobuf.FieldOptions', 1060],
    alpha_message: ['google.protobuf.MessageOptions', 1060],
    alpha_enum: ['google.protobuf.EnumOptions', 1060],
    alpha_enum_value: ['google.protobuf.EnumValueOptions', 1060],
    alpha_method: ['google.protobuf.MethodOptions', 1060],
    alpha_service: ['google.protobuf.ServiceOptions', 1060],
  };
  for (const [name, [extendee, id]] of Object.entries(expected)) {
    const f = ext(name);
    assert.ok(f instanceof protobuf.Field, name);
    assert.is(f.extend, extendee, name);
    assert.is(f.id, id, name);
    assert.is(f.type, 'bool', name);
  }
});

test('field numbers and types match the spec', () => {
  const cases: Array<[string, string, number, string, string?]> = [
    ['CreateVolumeRequest', 'name', 1, 'string'],
    ['CreateVolumeRequest', 'secrets', 5, 'string', 'map'],
    ['CreateVolumeRequest', 'volume_content_source', 6, 'VolumeContentSource'],
    ['CreateVolumeRequest', 'accessibility_requirements', 7, 'TopologyRequirement'],
    ['CreateVolumeRequest', 'mutable_parameters', 8, 'string', 'map'],
    ['NodeStageVolumeRequest', 'staging_target_path', 3, 'string'],
    ['NodeStageVolumeRequest', 'volume_context', 6, 'string', 'map'],
    ['NodePublishVolumeRequest', 'target_path', 4, 'string'],
    ['NodePublishVolumeRequest', 'readonly', 6, 'bool'],
    ['NodePublishVolumeRequest', 'secrets', 7, 'string', 'map'],
    ['ControllerPublishVolumeRequest', 'node_id', 2, 'string'],
    ['ControllerPublishVolumeRequest', 'volume_context', 6, 'string', 'map'],
    ['ValidateVolumeCapabilitiesRequest', 'mutable_parameters', 6, 'string', 'map'],
    ['Volume', 'accessible_topology', 5, 'Topology', 'repeated'],
    ['Snapshot', 'creation_time', 4, '.google.protobuf.Timestamp'],
    ['Snapshot', 'group_snapshot_id', 6, 'string'],
    ['GetCapacityResponse', 'maximum_volume_size', 2, 'google.protobuf.Int64Value'],
    ['GetCapacityResponse', 'minimum_volume_size', 3, 'google.protobuf.Int64Value'],
    ['ProbeResponse', 'ready', 1, '.google.protobuf.BoolValue'],
    ['NodeGetInfoResponse', 'max_volumes_per_node', 2, 'int64'],
    ['ListVolumesRequest', 'max_entries', 1, 'int32'],
    ['ListVolumesResponse.VolumeStatus', 'volume_condition', 2, 'VolumeCondition'],
    ['VolumeCapability.MountVolume', 'volume_mount_group', 3, 'string'],
    ['NodeExpandVolumeRequest', 'secrets', 6, 'string', 'map'],
    ['GetMetadataDeltaRequest', 'starting_offset', 3, 'int64'],
    ['GetMetadataDeltaRequest', 'max_results', 4, 'int32'],
    ['GetMetadataAllocatedResponse', 'block_metadata', 3, 'BlockMetadata', 'repeated'],
    ['ControllerExpandVolumeResponse', 'node_expansion_required', 2, 'bool'],
  ];
  for (const [msg, field, id, t, kind] of cases) {
    const f = type(msg).fields[field];
    assert.ok(f, `${msg}.${field} exists`);
    assert.is(f.id, id, `${msg}.${field} number`);
    assert.is(f.type, t, `${msg}.${field} type`);
    if (kind === 'map') assert.ok(f instanceof protobuf.MapField && f.keyType === 'string', `${msg}.${field} is map<string, string>`);
    else assert.ok(!(f instanceof protobuf.MapField), `${msg}.${field} is not a map`);
    assert.is(f.repeated, kind === 'repeated', `${msg}.${field} repeated`);
  }
});

test('VolumeCapability: access_type oneof of block (1) and mount (2), access_mode = 3', () => {
  const vc = type('VolumeCapability');
  assert.equal(Object.keys(vc.oneofs ?? {}), ['access_type']);
  assert.equal(vc.oneofs?.access_type?.oneof, ['block', 'mount']);
  assert.is(vc.fields.block?.id, 1);
  assert.is(vc.fields.mount?.id, 2);
  assert.is(vc.fields.access_mode?.id, 3);
  assert.equal(type('VolumeContentSource').oneofs?.type?.oneof, ['snapshot', 'volume']);
  assert.equal(type('PluginCapability').oneofs?.type?.oneof, ['service', 'volume_expansion']);
});

test('enum values match the spec', () => {
  assert.equal(valuesOf('VolumeCapability.AccessMode.Mode'), {
    UNKNOWN: 0,
    SINGLE_NODE_WRITER: 1,
    SINGLE_NODE_READER_ONLY: 2,
    MULTI_NODE_READER_ONLY: 3,
    MULTI_NODE_SINGLE_WRITER: 4,
    MULTI_NODE_MULTI_WRITER: 5,
    SINGLE_NODE_SINGLE_WRITER: 6,
    SINGLE_NODE_MULTI_WRITER: 7,
  });
  const rpc = valuesOf('ControllerServiceCapability.RPC.Type');
  assert.is(rpc.LIST_VOLUMES_PUBLISHED_NODES, 10);
  assert.is(rpc.MODIFY_VOLUME, 14);
  assert.is(rpc.GET_SNAPSHOT, 15);
  assert.is(Object.keys(rpc).length, 16);
  assert.equal(valuesOf('NodeServiceCapability.RPC.Type'), {
    UNKNOWN: 0,
    STAGE_UNSTAGE_VOLUME: 1,
    GET_VOLUME_STATS: 2,
    EXPAND_VOLUME: 3,
    VOLUME_CONDITION: 4,
    SINGLE_NODE_MULTI_WRITER: 5,
    VOLUME_MOUNT_GROUP: 6,
  });
  assert.is(valuesOf('PluginCapability.Service.Type').SNAPSHOT_METADATA_SERVICE, 4);
  assert.equal(valuesOf('BlockMetadataType'), { UNKNOWN: 0, FIXED_LENGTH: 1, VARIABLE_LENGTH: 2 });
  // The re-exported enum consts carry the same names.
  assert.is(AccessMode.SINGLE_NODE_MULTI_WRITER, 'SINGLE_NODE_MULTI_WRITER');
  assert.is(ControllerRpcType.GET_SNAPSHOT, 'GET_SNAPSHOT');
});

test('decoding: enums as names, int64 as strings, oneof names, defaults and null messages', () => {
  const req = roundTripRequest('Node', 'NodeStageVolume', {
    volume_id: 'pvc-1',
    staging_target_path: '/stage',
    volume_capability: { mount: { fs_type: 'ext4' }, access_mode: { mode: 1 } },
  });
  const cap = req.volume_capability as Record<string, unknown>;
  assert.is((cap.access_mode as Record<string, unknown>).mode, 'SINGLE_NODE_WRITER');
  assert.is(cap.access_type, 'mount');
  assert.is((cap.mount as Record<string, unknown>).fs_type, 'ext4');
  assert.equal(req.secrets, {});
  assert.equal(req.publish_context, {});

  const cv = roundTripRequest('Controller', 'CreateVolume', {
    name: 'v',
    capacity_range: { required_bytes: '9007199254740993' }, // 2^53 + 1: not representable as a number
  });
  assert.equal(cv.capacity_range, { required_bytes: '9007199254740993', limit_bytes: '0' });
  assert.is(cv.volume_content_source, null);
  assert.is(cv.accessibility_requirements, null);
  assert.equal(cv.volume_capabilities, []);
  assert.equal(cv.mutable_parameters, {});

  // A response encoded by an independent encoder with a numeric enum decodes to the name.
  const encoded = type('NodeGetCapabilitiesResponse')
    .encode({ capabilities: [{ rpc: { type: 1 } }, { rpc: { type: 6 } }] })
    .finish();
  const def = packageDefinition['csi.v1.Node'] as Record<string, { responseDeserialize: (b: Buffer) => unknown }>;
  const res = def.NodeGetCapabilities?.responseDeserialize(Buffer.from(encoded)) as {
    capabilities: Array<{ type: string; rpc: { type: string } }>;
  };
  assert.equal(
    res.capabilities.map((c) => [c.type, c.rpc.type]),
    [
      ['rpc', 'STAGE_UNSTAGE_VOLUME'],
      ['rpc', 'VOLUME_MOUNT_GROUP'],
    ],
  );
});

test('hand-made wire bytes land in the spec-numbered fields', () => {
  // NodeStageVolumeRequest: field 1 (volume_id) "a", field 6 (volume_context) {k: "v"}.
  const bytes = Buffer.from([0x0a, 0x01, 0x61, 0x32, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76]);
  const req = requestDeserializer('Node', 'NodeStageVolume')(bytes);
  assert.is(req.volume_id, 'a');
  assert.equal(req.volume_context, { k: 'v' });
  // CreateVolumeRequest: field 8 (mutable_parameters) {k: "v"}.
  const cv = requestDeserializer('Controller', 'CreateVolume')(Buffer.from([0x42, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76]));
  assert.equal(cv.mutable_parameters, { k: 'v' });
  assert.equal(cv.parameters, {});
});

test('csi_secret fields are discovered from the proto options', () => {
  const found = secretFieldNames();
  assert.equal(
    found.map((f) => `${f.message}.${f.field}`),
    SPEC_SECRET_MESSAGES.map((m) => `csi.v1.${m}.secrets`),
  );
  assert.equal(secretFieldKeys(), ['secrets']);
  // Every map field called "secrets" in the file is annotated, and nothing else is.
  const root = csiReflection();
  const allSecretsFields: string[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const n of ns.nestedArray) {
      if (n instanceof protobuf.Type && n.fields.secrets) allSecretsFields.push(n.fullName.slice(1));
      if (n instanceof protobuf.Namespace) walk(n);
    }
  };
  walk(root.lookup('csi.v1') as protobuf.Namespace);
  assert.equal(allSecretsFields.sort(), found.map((f) => f.message));
});

test('types.ts re-exports the request and response of every RPC', () => {
  const src = readFileSync(join(repo, 'src/csi/types.ts'), 'utf8');
  const reflection = csiReflection();
  for (const [svc, rpcs] of Object.entries(SPEC_RPCS)) {
    const service = reflection.lookupService(`csi.v1.${svc}`);
    for (const rpc of rpcs) {
      const m = service.methods[rpc];
      assert.ok(m, `${svc}.${rpc}`);
      for (const name of [m.requestType, `${m.requestType}__Output`, m.responseType, `${m.responseType}__Output`]) {
        assert.match(src, new RegExp(`^\\s+${name},$`, 'm'), `types.ts exports ${name}`);
      }
    }
  }
});

// The RPC maps are derived from the generated definitions: the compiler checks each entry's
// request/response types (below), and these records, which must name every key of their map and
// nothing else, are compared with the proto's method lists at run time.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameCreateVolume: Same<ControllerRpcs['CreateVolume'], { request: CreateVolumeRequest__Output; response: CreateVolumeResponse }> = true;
const sameNodeStage: Same<NodeRpcs['NodeStageVolume'], { request: NodeStageVolumeRequest__Output; response: NodeStageVolumeResponse }> = true;
const RPC_KEYS: { [S in keyof CsiRpcs]: Record<keyof CsiRpcs[S], true> } = {
  Identity: { GetPluginInfo: true, GetPluginCapabilities: true, Probe: true },
  Controller: {
    CreateVolume: true,
    DeleteVolume: true,
    ControllerPublishVolume: true,
    ControllerUnpublishVolume: true,
    ValidateVolumeCapabilities: true,
    ListVolumes: true,
    GetCapacity: true,
    ControllerGetCapabilities: true,
    CreateSnapshot: true,
    DeleteSnapshot: true,
    ListSnapshots: true,
    GetSnapshot: true,
    ControllerExpandVolume: true,
    ControllerGetVolume: true,
    ControllerModifyVolume: true,
  },
  GroupController: { GroupControllerGetCapabilities: true, CreateVolumeGroupSnapshot: true, DeleteVolumeGroupSnapshot: true, GetVolumeGroupSnapshot: true },
  SnapshotMetadata: { GetMetadataAllocated: true, GetMetadataDelta: true },
  Node: {
    NodeStageVolume: true,
    NodeUnstageVolume: true,
    NodePublishVolume: true,
    NodeUnpublishVolume: true,
    NodeGetVolumeStats: true,
    NodeExpandVolume: true,
    NodeGetCapabilities: true,
    NodeGetInfo: true,
  },
};

test('the RPC maps of types.ts have exactly the RPCs of the proto, typed as the generated definitions say', () => {
  assert.ok(sameCreateVolume && sameNodeStage);
  for (const [svc, rpcs] of Object.entries(SPEC_RPCS)) {
    assert.equal(Object.keys(RPC_KEYS[svc as keyof CsiRpcs]).sort(), [...rpcs].sort(), `${svc}Rpcs`);
  }
});

test('npm run gen:check passes on the committed generated files', () => {
  const r = spawnSync('npm', ['run', '--silent', 'gen:check'], { cwd: repo, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, 'up to date');
});

test('gen --check fails, naming the fix, when the proto changed but the types did not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proto-test-'));
  try {
    for (const p of ['scripts/gen-types.mjs', 'proto', 'src/csi/loader-options.json', 'src/csi/generated']) {
      cpSync(join(repo, p), join(dir, p), { recursive: true });
    }
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const check = () => spawnSync(process.execPath, ['scripts/gen-types.mjs', '--check'], { cwd: dir, encoding: 'utf8' });
    assert.is(check().status, 0, 'a faithful copy is up to date');

    const proto = join(dir, 'proto/csi.proto');
    writeFileSync(proto, readFileSync(proto, 'utf8').replace('message Topology {', 'message Topology {\n  string zone_hint = 99;'));
    const stale = check();
    assert.is(stale.status, 1);
    assert.match(stale.stderr, 'differs: csi/v1/Topology.ts');
    assert.match(stale.stderr, 'run `npm run gen`');

    const gen = spawnSync(process.execPath, ['scripts/gen-types.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.is(gen.status, 0, gen.stderr);
    assert.match(readFileSync(join(dir, 'src/csi/generated/csi/v1/Topology.ts'), 'utf8'), "'zone_hint': (string);");
    assert.is(check().status, 0, 'regenerated copy is up to date');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
