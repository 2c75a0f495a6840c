/** What a resource's layer object says about its stack (pure). */
import type { ResourceLayer, ResourceWithVolumes } from './types.js';

function hasLayer(l: ResourceLayer | undefined, kind: string): boolean {
  if (!l) return false;
  return l.type === kind || (l.children ?? []).some((c) => hasLayer(c, kind));
}

/**
 * True unless LINSTOR says the resource has no DRBD layer. Without DRBD (layer list "storage",
 * "luks,storage") LINSTOR reports no disk state, no `in_use` and no connections: there is no
 * replication to be out of date, and an online node's resource is simply there.
 */
export function hasDrbdLayer(r: Pick<ResourceWithVolumes, 'layer_object'>): boolean {
  return r.layer_object === undefined || hasLayer(r.layer_object, 'DRBD');
}
