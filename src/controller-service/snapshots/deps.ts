/** What the snapshot handlers share. */
import type { ControllerDeps, GroupReconciler } from '../index.js';

export interface SnapshotTuning {
  /** Clone status poll interval, ms (the Go driver polls every 5 s). */
  clonePollMs: number;
  /** How long one CreateVolume waits for a clone before answering ABORTED (the next call resumes), ms. */
  cloneWaitMs: number;
}

export const DEFAULT_TUNING: SnapshotTuning = { clonePollMs: 1000, cloneWaitMs: 10 * 60_000 };

export interface SnapshotDeps extends ControllerDeps {
  groups: GroupReconciler;
  tuning: SnapshotTuning;
}
