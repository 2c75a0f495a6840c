/**
 * Which volumes are hidden (deleted by CSI, their RD kept by LINSTOR for snapshots), so that
 * DeleteSnapshot looks at the snapshot's volume only when it may be one: the common case (a
 * snapshot of a live volume) is then a single LINSTOR request.
 *
 * Known from one resource-definition list, read when first needed and again once it is
 * `maxAgeMs` old (5 min), and kept current by this driver's own writes: DeleteVolume reports a
 * volume here before it hides it, and the removal of a hidden volume is reported after.
 * Unsure (the list cannot be read) counts as "may be hidden". Staleness: a volume hidden by
 * another program (the Go driver's DeleteVolume during a migration) after the last read is
 * treated as live until the next read; its RD is then left without snapshots and is removed by
 * a retry of that DeleteSnapshot or by a DeleteVolume of it.
 */
import type { CallContext } from '../csi/handler.js';
import type { ResourceDefinition } from '../linstor/types.js';
import type { ControllerDeps } from './deps.js';
import { linstorCall } from '../linstor/csi-errors.js';
import { PROP_PROVISIONED_BY } from './props.js';
import { isHidden } from './volumes.js';

/**
 * A hidden volume: ours marked deleted, or one the Go driver's DeleteVolume left (provisioned,
 * no volume definitions left), which it removes with the last snapshot too.
 */
export function isHiddenOrEmptied(rd: ResourceDefinition): boolean {
  return isHidden(rd) || (rd.props?.[PROP_PROVISIONED_BY] !== undefined && (rd.volume_definitions ?? []).length === 0);
}

export const HIDDEN_VOLUMES_MAX_AGE_MS = 5 * 60_000;

export class HiddenVolumes {
  private known: { names: Set<string>; at: number } | undefined;
  private pending: Promise<Set<string>> | undefined;
  /** Volumes this driver hid (or is hiding) and has not removed: whatever a read says. */
  private readonly local = new Set<string>();

  constructor(
    private readonly deps: Pick<ControllerDeps, 'linstor' | 'clock'>,
    private readonly maxAgeMs = HIDDEN_VOLUMES_MAX_AGE_MS,
  ) {}

  /** Whether `rd` may be a hidden volume; true when the list cannot be read. */
  async mayBeHidden(rd: string, ctx: Pick<CallContext, 'signal'>): Promise<boolean> {
    const k = rd.toLowerCase();
    if (this.local.has(k)) return true;
    try {
      return (await this.names(ctx)).has(k);
    } catch {
      return true;
    }
  }

  /** DeleteVolume is about to hide `rd`. */
  hiding(rd: string): void {
    this.local.add(rd.toLowerCase());
  }

  /** The hidden volume `rd` was removed. */
  removed(rd: string): void {
    const k = rd.toLowerCase();
    this.local.delete(k);
    this.known?.names.delete(k);
  }

  private async names(ctx: Pick<CallContext, 'signal'>): Promise<Set<string>> {
    const k = this.known;
    if (k && this.deps.clock.now() - k.at < this.maxAgeMs) return k.names;
    if (this.pending) return this.pending;
    const at = this.deps.clock.now();
    this.pending = linstorCall('listing volumes', () => this.deps.linstor.resourceDefinitions.list({ withVolumeDefinitions: true }, { signal: ctx.signal }))
      .then((rds) => {
        const names = new Set(rds.filter(isHiddenOrEmptied).map((rd) => rd.name.toLowerCase()));
        this.known = { names, at };
        return names;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
