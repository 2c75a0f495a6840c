/** What a resource's flags say about it (pure): shared by the controller and the capabilities. */
import type { ResourceWithVolumes } from './types.js';

export function isDeleting(r: Pick<ResourceWithVolumes, 'flags'>): boolean {
  return (r.flags ?? []).some((f) => f === 'DELETE' || f === 'DRBD_DELETE');
}

export function isDisklessResource(r: Pick<ResourceWithVolumes, 'flags'>): boolean {
  return (r.flags ?? []).some((f) => f === 'DISKLESS' || f === 'DRBD_DISKLESS' || f === 'NVME_INITIATOR');
}

export function isTieBreakerResource(r: Pick<ResourceWithVolumes, 'flags'>): boolean {
  return (r.flags ?? []).includes('TIE_BREAKER');
}
