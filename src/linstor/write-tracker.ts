/**
 * Counts this process's writes to LINSTOR (every request that is not a GET), so a cache of
 * LINSTOR reads can tell whether the driver changed anything since it read: a read taken at
 * generation g is current for the driver's own writes only while no write is in flight and the
 * generation is still g.
 */
export class WriteTracker {
  private gen = 0;
  private active = 0;

  /** A write is about to be sent. */
  begin(): void {
    this.gen++;
    this.active++;
  }

  /** A write has been answered (or has failed). */
  end(): void {
    this.active--;
    this.gen++;
  }

  /** The current generation, or undefined while a write is in flight (nothing read now may be kept). */
  stamp(): number | undefined {
    return this.active === 0 ? this.gen : undefined;
  }

  /** Whether no write began since `stamp()` returned `s`. */
  unchangedSince(s: number | undefined): boolean {
    return s !== undefined && this.active === 0 && this.gen === s;
  }
}
