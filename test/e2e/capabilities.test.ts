// What the driver advertises is what it does: through the real socket of `linstor-csi serve`, every
// RPC is called with an empty request; an RPC answers UNIMPLEMENTED exactly when no advertised
// capability (plugin, controller, node, group controller) and no spec rule asks for it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { csi } from '../../src/csi/proto.js';
import type { CsiRpcs } from '../../src/csi/types.js';
import { tempEmulator, type TempEmulator } from '../helpers/emulator.js';
import { startDriver, type DriverProcess } from '../helpers/driver.js';

const UNIMPLEMENTED = 12;
type Service = Exclude<keyof CsiRpcs, 'Identity'>;

/** RPCs each capability brings (capabilities without an RPC of their own map to none). */
const BY_CAPABILITY: Record<string, Record<string, readonly string[]>> = {
  plugin: { CONTROLLER_SERVICE: ['Controller.ControllerGetCapabilities', 'Controller.ValidateVolumeCapabilities'], GROUP_CONTROLLER_SERVICE: ['GroupController.GroupControllerGetCapabilities'], SNAPSHOT_METADATA_SERVICE: ['SnapshotMetadata.GetMetadataAllocated', 'SnapshotMetadata.GetMetadataDelta'] },
  controller: {
    CREATE_DELETE_VOLUME: ['CreateVolume', 'DeleteVolume'],
    PUBLISH_UNPUBLISH_VOLUME: ['ControllerPublishVolume', 'ControllerUnpublishVolume'],
    LIST_VOLUMES: ['ListVolumes'],
    GET_CAPACITY: ['GetCapacity'],
    CREATE_DELETE_SNAPSHOT: ['CreateSnapshot', 'DeleteSnapshot'],
    LIST_SNAPSHOTS: ['ListSnapshots'],
    EXPAND_VOLUME: ['ControllerExpandVolume'],
    GET_VOLUME: ['ControllerGetVolume'],
    MODIFY_VOLUME: ['ControllerModifyVolume'],
    GET_SNAPSHOT: ['GetSnapshot'],
  },
  node: { STAGE_UNSTAGE_VOLUME: ['NodeStageVolume', 'NodeUnstageVolume'], GET_VOLUME_STATS: ['NodeGetVolumeStats'], EXPAND_VOLUME: ['NodeExpandVolume'] },
  group: { CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT: ['CreateVolumeGroupSnapshot', 'DeleteVolumeGroupSnapshot', 'GetVolumeGroupSnapshot'] },
};
/** What the spec requires of every Node service (it has no capability of its own). */
const NODE_ALWAYS = ['NodePublishVolume', 'NodeUnpublishVolume', 'NodeGetCapabilities', 'NodeGetInfo'];

interface Cap {
  service?: { type: string };
  volume_expansion?: { type: string };
  rpc?: { type: string };
}

let emu: TempEmulator | undefined;
let drv: DriverProcess | undefined;

test.after.each(async () => {
  await drv?.stop();
  drv = undefined;
  await emu?.cleanup();
  emu = undefined;
});

/** The gRPC code an RPC answers an empty request with (0 = OK). */
async function codeOf(d: DriverProcess, service: Service, rpc: string): Promise<number> {
  if (service === 'SnapshotMetadata') return streamCodeOf(d.address, rpc);
  const client = { Controller: d.controller, GroupController: d.groupController, Node: d.node }[service] as unknown as Record<string, (r: object) => Promise<unknown>>;
  const call = client[rpc];
  assert.ok(call, `${service}.${rpc} on the client`);
  return call({}).then(
    () => 0,
    (e: { code: number }) => e.code,
  );
}

function streamCodeOf(address: string, rpc: string): Promise<number> {
  const client = new csi.SnapshotMetadata(address, grpc.credentials.createInsecure()) as unknown as Record<string, (r: object) => grpc.ClientReadableStream<unknown>>;
  return new Promise((resolve) => {
    const stream = client[rpc]?.call(client, {});
    stream?.on('data', () => undefined);
    stream?.on('error', (e: grpc.ServiceError) => resolve(e.code));
    stream?.on('end', () => resolve(0));
  }).finally(() => (client as unknown as grpc.Client).close()) as Promise<number>;
}

/** Every RPC an advertised capability (or the spec, for an advertised service) asks for, as "Service.Rpc". */
async function required(d: DriverProcess): Promise<Set<string>> {
  const want = new Set<string>();
  const plugin = ((await d.identity.GetPluginCapabilities({})) as { capabilities: Cap[] }).capabilities;
  for (const c of plugin) for (const r of BY_CAPABILITY['plugin']?.[c.service?.type ?? ''] ?? []) want.add(r);
  if (want.has('Controller.ControllerGetCapabilities')) {
    for (const c of ((await d.controller.ControllerGetCapabilities({})) as { capabilities: Cap[] }).capabilities) {
      for (const r of BY_CAPABILITY['controller']?.[c.rpc?.type ?? ''] ?? []) want.add(`Controller.${r}`);
    }
  }
  if (want.has('GroupController.GroupControllerGetCapabilities')) {
    for (const c of ((await d.groupController.GroupControllerGetCapabilities({})) as { capabilities: Cap[] }).capabilities) {
      for (const r of BY_CAPABILITY['group']?.[c.rpc?.type ?? ''] ?? []) want.add(`GroupController.${r}`);
    }
  }
  const nodeCaps = await (d.node.NodeGetCapabilities({}) as Promise<{ capabilities: Cap[] }>).catch(() => undefined);
  if (nodeCaps) {
    for (const r of NODE_ALWAYS) want.add(`Node.${r}`);
    for (const c of nodeCaps.capabilities) for (const r of BY_CAPABILITY['node']?.[c.rpc?.type ?? ''] ?? []) want.add(`Node.${r}`);
  }
  const expansion = plugin.find((c) => c.volume_expansion)?.volume_expansion?.type;
  if (expansion === 'ONLINE') assert.ok(want.has('Controller.ControllerExpandVolume') || want.has('Node.NodeExpandVolume'), 'online expansion needs an expand RPC');
  return want;
}

/** Every RPC of every service but Identity, as "Service.Rpc", from the proto. */
function allRpcs(): string[] {
  const services: Service[] = ['Controller', 'GroupController', 'SnapshotMetadata', 'Node'];
  return services.flatMap((s) => Object.keys(csi[s].service).map((rpc) => `${s}.${rpc}`));
}

async function checkMode(mode: string): Promise<void> {
  emu ??= await tempEmulator({ nodes: ['node-a'] });
  drv = await startDriver({ args: [`--mode=${mode}`, '--node=node-a', `--linstor-endpoint=${emu.handle.url}`] });
  const want = await required(drv);
  const wrong: string[] = [];
  for (const name of allRpcs()) {
    const [service, rpc] = name.split('.') as [Service, string];
    const implemented = (await codeOf(drv, service, rpc)) !== UNIMPLEMENTED;
    if (implemented !== want.has(name)) wrong.push(`${name}: ${implemented ? 'answers but is not advertised' : 'advertised but UNIMPLEMENTED'}`);
  }
  assert.equal(wrong, [], `mode ${mode}`);
  await drv.stop();
  drv = undefined;
}

test('mode all: every advertised capability has a handler, every handler is advertised', async () => {
  await checkMode('all');
});

test('mode controller: the same, and no Node service', async () => {
  await checkMode('controller');
});

test('mode node: the same, and no Controller or GroupController service', async () => {
  await checkMode('node');
});

test.run();
