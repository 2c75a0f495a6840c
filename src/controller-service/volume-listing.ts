/**
 * The listing ListVolumes pages through: this driver's volumes sorted by id, with their
 * resources, read with one resource-definition list and one resource view (in parallel).
 *
 * Entries are built when a page asks for them and kept with the listing, so paging through a
 * listing, or asking again while it is current, costs no LINSTOR request and no rebuilding.
 *
 * Staleness: a listing is reused for at most `maxAgeMs` (`--listing-cache-max-age`, default 2 s;
 * 0 turns reuse off), and never once this driver has written anything to LINSTOR since it was
 * read (every non-GET request, counted by the LINSTOR client, see linstor/write-tracker.ts): the
 * driver's own creates, deletes, publications and resizes show at once. Changes made by others
 * (an administrator, LINSTOR noticing a failed disk or an offline node) show within `maxAgeMs`.
 * Concurrent calls share one read.
 */
import type { ListVolumesResponse } from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import { joinLinstorWork } from '../linstor/call-stats.js';
import type { ResourceDefinition, ResourceWithVolumes } from '../linstor/types.js';
import type { ControllerDeps } from './deps.js';
import { linstorCall } from '../linstor/csi-errors.js';
import { PROP_PROVISIONED_BY } from './props.js';
import { kibToBytes } from './sizes.js';
import { volumeCondition } from './volume-condition.js';
import { VOLUME_NUMBER, isHidden, publishedNodes } from './volumes.js';

export type VolumeEntry = NonNullable<ListVolumesResponse['entries']>[number];
type StatusOf = (resources: readonly ResourceWithVolumes[]) => NonNullable<VolumeEntry['status']>;

const defaultStatus: StatusOf = (resources) => ({
  published_node_ids: publishedNodes(resources),
  volume_condition: volumeCondition(resources, VOLUME_NUMBER),
});

function sizeOf(rd: ResourceDefinition): number {
  const vds = rd.volume_definitions;
  if (!vds) return 0;
  for (const v of vds) if ((v.volume_number ?? 0) === VOLUME_NUMBER) return v.size_kib ?? 0;
  return 0;
}

/** One consistent read: ids sorted (code-unit order, as page tokens compare), entries built on demand. */
export class VolumeListing {
  readonly ids: string[];
  private readonly sizes: number[];
  private readonly entries: (VolumeEntry | undefined)[];

  constructor(
    rds: readonly ResourceDefinition[],
    private readonly byRd: ReadonlyMap<string, ResourceWithVolumes[]>,
  ) {
    const ours: { id: string; kib: number }[] = [];
    for (const rd of rds) {
      if (rd.props?.[PROP_PROVISIONED_BY] === undefined || isHidden(rd)) continue;
      const kib = sizeOf(rd);
      if (kib > 0) ours.push({ id: rd.name, kib });
    }
    ours.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.ids = ours.map((v) => v.id);
    this.sizes = ours.map((v) => v.kib);
    this.entries = new Array<VolumeEntry | undefined>(ours.length);
  }

  static from(rds: readonly ResourceDefinition[], resources: readonly ResourceWithVolumes[]): VolumeListing {
    const byRd = new Map<string, ResourceWithVolumes[]>();
    for (const r of resources) {
      const k = r.name.toLowerCase();
      const list = byRd.get(k);
      if (list) list.push(r);
      else byRd.set(k, [r]);
    }
    return new VolumeListing(rds, byRd);
  }

  /** Entries [start, end); `statusOf` builds an entry's status from its resources (once per entry and listing). */
  slice(start: number, end: number, statusOf: StatusOf = defaultStatus): VolumeEntry[] {
    const out: VolumeEntry[] = [];
    for (let i = start; i < end; i++) out.push((this.entries[i] ??= this.build(i, statusOf)));
    return out;
  }

  private build(i: number, statusOf: StatusOf): VolumeEntry {
    const id = this.ids[i] as string;
    return {
      volume: { volume_id: id, capacity_bytes: kibToBytes(this.sizes[i] as number) },
      status: statusOf(this.byRd.get(id.toLowerCase()) ?? []),
    };
  }
}

export class VolumeListings {
  private current: { listing: VolumeListing; at: number; stamp: number | undefined } | undefined;
  private pending: { read: Promise<VolumeListing>; stamp: number | undefined } | undefined;

  constructor(
    private readonly deps: Pick<ControllerDeps, 'linstor' | 'clock' | 'callStats'>,
    private readonly maxAgeMs: number,
  ) {}

  async get(ctx: Pick<CallContext, 'signal'>): Promise<VolumeListing> {
    const writes = this.deps.linstor.writes;
    if (this.maxAgeMs <= 0 || writes === undefined) return this.read(ctx.signal);
    const c = this.current;
    if (c && writes.unchangedSince(c.stamp) && this.deps.clock.now() - c.at < this.maxAgeMs) return c.listing;
    // Join a read in flight only if it began after the driver's last write; the wait is LINSTOR time of this call too.
    if (this.pending && writes.unchangedSince(this.pending.stamp)) return joinLinstorWork(this.deps.callStats, this.pending.read);
    const stamp = writes.stamp();
    if (stamp === undefined) return this.read(ctx.signal); // a write in flight: read for this call alone
    const at = this.deps.clock.now();
    // Shared by the callers that join, so no one caller's cancellation ends it (the request timeout bounds it).
    const read = this.read(undefined).then((listing) => {
      if (writes.unchangedSince(stamp)) this.current = { listing, at, stamp };
      return listing;
    });
    const pending = { read, stamp };
    this.pending = pending;
    void read.finally(() => {
      if (this.pending === pending) this.pending = undefined;
    }).catch(() => undefined);
    return read;
  }

  private async read(signal: AbortSignal | undefined): Promise<VolumeListing> {
    const o = signal ? { signal } : {};
    const [rds, resources] = await Promise.all([
      linstorCall('listing volumes', () => this.deps.linstor.resourceDefinitions.list({ withVolumeDefinitions: true }, o)),
      linstorCall('listing resources', () => this.deps.linstor.resources.view({}, o)),
    ]);
    return VolumeListing.from(rds, resources);
  }
}
