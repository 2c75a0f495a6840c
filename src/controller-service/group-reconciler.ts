/**
 * The resource-group reconciler: one reconciliation per group and desired state at a time,
 * remembered while the process lives.
 */
import type { CallContext } from '../csi/handler.js';
import { FAIL_EXISTS_RSC_DFN, FAIL_NOT_FOUND_RSC_GRP } from '../linstor/apicallrc.js';
import { joinLinstorWork } from '../linstor/call-stats.js';
import { LinstorApiError } from '../linstor/errors.js';
import type { ResourceGroup } from '../linstor/types.js';
import type { ControllerDeps } from './deps.js';
import { canonicalJson } from './naming.js';
import { linstorCall, mapLinstorError } from '../linstor/csi-errors.js';
import { type DesiredGroup, planGroup } from './resource-group.js';

export interface EnsuredGroup {
  /** This call created the group (a failed create should remove it again). */
  created: boolean;
}

/**
 * Creates or reconciles resource groups. Concurrent calls for the same desired state share one
 * reconciliation; a reconciled group is remembered until `forget` (e.g. after it was deleted).
 */
export class GroupReconciler {
  /** Reconciled (or being reconciled) desired states, by lower-case group name. */
  private readonly done = new Map<string, Map<string, Promise<EnsuredGroup>>>();

  constructor(private readonly deps: Pick<ControllerDeps, 'linstor' | 'log' | 'callStats'>) {}

  ensure(desired: DesiredGroup, ctx: Pick<CallContext, 'signal'>): Promise<EnsuredGroup> {
    const name = desired.name.toLowerCase();
    const key = canonicalJson({ f: desired.selectFilter, p: desired.props });
    const states = this.done.get(name) ?? new Map<string, Promise<EnsuredGroup>>();
    this.done.set(name, states);
    const known = states.get(key);
    if (known) return joinLinstorWork(this.deps.callStats, known).then(() => ({ created: false }));
    const p = this.reconcile(desired, ctx).catch((e: unknown) => {
      states.delete(key);
      throw e;
    });
    states.set(key, p);
    return p;
  }

  /** Drops what is remembered about a group (it was deleted, or LINSTOR says it is missing). */
  forget(name: string): void {
    this.done.delete(name.toLowerCase());
  }

  /**
   * When `e` says the group is missing (another call deleted it with its last volume),
   * recreates it and returns true: the caller retries its request once.
   */
  async recreateIfMissing(e: unknown, desired: DesiredGroup, ctx: Pick<CallContext, 'signal'>): Promise<boolean> {
    if (!(e instanceof LinstorApiError && e.is(FAIL_NOT_FOUND_RSC_GRP))) return false;
    this.forget(desired.name);
    await this.ensure(desired, ctx);
    return true;
  }

  private async reconcile(desired: DesiredGroup, ctx: Pick<CallContext, 'signal'>): Promise<EnsuredGroup> {
    const o = { signal: ctx.signal };
    const doing = `reconciling resource group ${desired.name}`;
    const linstor = this.deps.linstor;
    for (let attempt = 0; ; attempt++) {
      const existing = await linstorCall(doing, async (): Promise<ResourceGroup | undefined> => {
        try {
          return await linstor.resourceGroups.get(desired.name, o);
        } catch (e) {
          if (e instanceof LinstorApiError && e.isNotFound()) return undefined;
          throw e;
        }
      });
      const plan = planGroup(desired, existing);
      if (plan.action === 'none') return { created: false };
      if (plan.action === 'modify') {
        await linstorCall(doing, () => linstor.resourceGroups.modify(desired.name, plan.modify, o));
        return { created: false };
      }
      try {
        await linstor.resourceGroups.create(plan.create, o);
      } catch (e) {
        // Someone else created it meanwhile: reconcile against theirs.
        if (e instanceof LinstorApiError && e.isAlreadyExists() && attempt === 0) continue;
        throw mapLinstorError(e, doing) ?? e;
      }
      if (plan.props) {
        try {
          await linstor.resourceGroups.modify(desired.name, plan.props, o);
        } catch (e) {
          // Do not leave a group without its properties behind.
          await linstor.resourceGroups.delete(desired.name, o).catch(() => undefined);
          throw mapLinstorError(e, doing) ?? e;
        }
      }
      this.deps.log.info({ resourceGroup: desired.name }, 'created resource group');
      return { created: true };
    }
  }

  /** Per group: the delete attempt running, and the one queued behind it. */
  private readonly groupDeletes = new Map<string, { running?: Promise<boolean>; queued?: Promise<boolean> }>();

  /**
   * Deletes a generated group if no resource definition uses it any more (best effort).
   *
   * Each caller needs one attempt that starts after its own volume is gone. A burst of
   * DeleteVolume calls of one group would otherwise send one (refused) group delete each, every
   * one a write LINSTOR serialises with the volume deletes; so callers that arrive while an
   * attempt runs share a single attempt queued behind it.
   */
    deleteIfUnused(name: string, ctx: Pick<CallContext, 'signal' | 'log'>): Promise<boolean> {
    const key = name.toLowerCase();
    const slot = this.groupDeletes.get(key) ?? {};
    this.groupDeletes.set(key, slot);
    if (slot.queued) return slot.queued;
    const queued: Promise<boolean> = (slot.running ?? Promise.resolve(false))
      .then(() => {
        slot.queued = undefined;
        slot.running = queued;
        return this.attemptGroupDelete(name, ctx);
      })
      .finally(() => {
        if (slot.running === queued) slot.running = undefined;
        if (!slot.running && !slot.queued) this.groupDeletes.delete(key);
      });
    slot.queued = queued;
    return queued;
  }

  private async attemptGroupDelete(name: string, ctx: Pick<CallContext, 'signal' | 'log'>): Promise<boolean> {
    const key = name.toLowerCase();
    const remembered = this.done.get(key);
    this.forget(name);
    try {
      await this.deps.linstor.resourceGroups.delete(name, { signal: ctx.signal });
      return true;
    } catch (e) {
      if (e instanceof LinstorApiError && e.is(FAIL_EXISTS_RSC_DFN)) {
        // Still in use, so unchanged: keep what we knew, or every later create would reconcile it again.
        if (remembered && !this.done.has(key)) this.done.set(key, remembered);
      } else {
        ctx.log.warn({ err: e, resourceGroup: name }, 'could not delete unused resource group');
      }
      return false;
    }
  }
}
