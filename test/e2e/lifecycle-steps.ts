/** Lifecycle steps the e2e tests share: each one call (or a pair) over the socket, checked. */
import * as assert from 'uvu/assert';
import type { CsiClient } from '../../src/cli/demo/csi-client.js';
import { blockCap, mountCap, stagingDir, volumeRequest, type AccessMode, type Rig } from './harness.js';

export interface Vol {
  id: string;
  context: Record<string, string>;
}

export async function createVolume(rig: Rig, name: string, opts: Parameters<typeof volumeRequest>[1] = {}): Promise<Vol> {
  const r = await rig.on('node-a').controller.CreateVolume(volumeRequest(name, opts));
  const v = r.volume;
  assert.ok(v, 'CreateVolume returns a volume');
  assert.ok(v.volume_id, 'with an id');
  return { id: v.volume_id, context: v.volume_context ?? {} };
}

export interface Attachment {
  node: string;
  staging: string;
  targets: string[];
}

/** ControllerPublish to `node`, then NodeStage there (filesystem or block). */
export async function attach(
  rig: Rig,
  vol: Vol,
  node: string,
  opts: { block?: boolean; mode?: AccessMode; readonly?: boolean } = {},
): Promise<Attachment> {
  const cap = opts.block ? blockCap(opts.mode) : mountCap(opts.mode);
  const pub = await rig.on('node-a').controller.ControllerPublishVolume({
    volume_id: vol.id,
    node_id: node,
    volume_capability: cap,
    readonly: opts.readonly ?? false,
    volume_context: vol.context,
  });
  const staging = await stagingDir(rig, `${vol.id}-${node}`);
  await rig.on(node).node.NodeStageVolume({
    volume_id: vol.id,
    staging_target_path: staging,
    volume_capability: cap,
    publish_context: pub.publish_context ?? {},
    volume_context: vol.context,
  });
  return { node, staging, targets: [] };
}

/** NodePublish at a fresh target under the rig dir; returns the target path. */
export async function publish(
  rig: Rig,
  vol: Vol,
  at: Attachment,
  name: string,
  opts: { block?: boolean; mode?: AccessMode; readonly?: boolean } = {},
): Promise<string> {
  const target = rig.path('pods', at.node, name);
  await node(rig, at.node).NodePublishVolume({
    volume_id: vol.id,
    staging_target_path: at.staging,
    target_path: target,
    volume_capability: opts.block ? blockCap(opts.mode) : mountCap(opts.mode),
    readonly: opts.readonly ?? false,
    volume_context: vol.context,
  });
  at.targets.push(target);
  return target;
}

/** Unpublishes every target, unstages, ControllerUnpublish. */
export async function detach(rig: Rig, vol: Vol, at: Attachment): Promise<void> {
  for (const t of at.targets) await node(rig, at.node).NodeUnpublishVolume({ volume_id: vol.id, target_path: t });
  at.targets = [];
  await node(rig, at.node).NodeUnstageVolume({ volume_id: vol.id, staging_target_path: at.staging });
  await rig.on('node-a').controller.ControllerUnpublishVolume({ volume_id: vol.id, node_id: at.node });
}

export async function deleteVolume(rig: Rig, vol: Vol): Promise<void> {
  await rig.on('node-a').controller.DeleteVolume({ volume_id: vol.id });
}

/** The volume's condition as the node (NodeGetVolumeStats at `target` on `at`) and the controller see it. */
export function conditions(rig: Rig, vol: Vol, at: Attachment, target: string) {
  return {
    node: async () => (await node(rig, at.node).NodeGetVolumeStats({ volume_id: vol.id, volume_path: target })).volume_condition,
    controller: async () => (await rig.on('node-a').controller.ControllerGetVolume({ volume_id: vol.id })).status?.volume_condition,
  };
}

function node(rig: Rig, n: string): CsiClient['node'] {
  return rig.on(n).node;
}
