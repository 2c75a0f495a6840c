/** drbdadm primary/secondary and drbdsetup status --json, with DRBD 9's exit codes mapped. */
import { parseDrbdStatusJson, primaryPeers, type DrbdResourceStatus } from './drbd-status.js';
import { isToolError, type ToolRunner } from './run-tool.js';

export type { DrbdResourceStatus } from './drbd-status.js';

/** drbdsetup/drbdadm exit codes (drbd-utils): 10 unknown resource, 11 state change refused, 20 no kernel module/netlink. */
export const DRBD_EXIT = { UNKNOWN_RESOURCE: 10, STATE_CHANGE_FAILED: 11, NO_MODULE: 20 } as const;

export class DrbdError extends Error {
  constructor(
    msg: string,
    readonly kind: 'not-found' | 'refused' | 'unavailable' | 'failed',
    readonly detail: string,
  ) {
    super(msg);
    this.name = 'DrbdError';
  }
}

/** Promotion refused; `primaryOn` names the peers holding Primary when DRBD told us. */
export class DrbdPromotionRefused extends DrbdError {
  constructor(readonly resource: string, readonly primaryOn: string[], detail: string) {
    super(
      primaryOn.length > 0
        ? `DRBD resource ${resource} is Primary on ${primaryOn.join(', ')}`
        : `DRBD refused to promote ${resource}: ${detail}`,
      'refused',
      detail,
    );
    this.name = 'DrbdPromotionRefused';
  }
}

export interface Drbd {
  /** undefined when this node does not have the resource (configured). */
  status(resource: string, signal?: AbortSignal): Promise<DrbdResourceStatus | undefined>;
  primary(resource: string, signal?: AbortSignal): Promise<void>;
  secondary(resource: string, signal?: AbortSignal): Promise<void>;
  /** Every resource configured on this node (`drbdsetup status --json`). */
  statusAll(signal?: AbortSignal): Promise<DrbdResourceStatus[]>;
  /**
   * `drbdsetup secondary --force`: demotes even while the device is open, failing its pending
   * and future IO; frees a Primary whose IO is suspended after quorum loss.
   */
  forceSecondary(resource: string, signal?: AbortSignal): Promise<void>;
}

function stateChangeDetail(stderr: string): string {
  const m = /State change failed: \(-?\d+\) ([^\n]+)/.exec(stderr);
  return (m?.[1] ?? stderr.split('\n').find((l) => l.trim() !== '') ?? 'no reason given').trim();
}

function mapError(e: unknown, what: string, resource: string): never {
  if (isToolError(e)) {
    if (e.notFound) throw new DrbdError(`${e.command} is not installed on this node`, 'unavailable', e.message);
    if (e.exitCode === DRBD_EXIT.UNKNOWN_RESOURCE || /No such resource|not defined in your config/i.test(e.stderr)) {
      throw new DrbdError(`DRBD resource ${resource} is not configured on this node`, 'not-found', e.stderr);
    }
    if (e.exitCode === DRBD_EXIT.NO_MODULE) throw new DrbdError(`DRBD is not available on this node (kernel module not loaded?)`, 'unavailable', e.stderr);
    if (e.exitCode === DRBD_EXIT.STATE_CHANGE_FAILED) throw new DrbdError(`DRBD refused to ${what} ${resource}: ${stateChangeDetail(e.stderr)}`, 'refused', e.stderr);
    throw new DrbdError(`${what} ${resource} failed: ${e.message}`, 'failed', e.stderr);
  }
  throw e;
}

export function createDrbd(deps: { tools: ToolRunner; timeoutMs?: number }): Drbd {
  const timeoutMs = deps.timeoutMs ?? 60_000;
  const status = async (resource: string, signal?: AbortSignal): Promise<DrbdResourceStatus | undefined> => {
    try {
      const r = await deps.tools.run('drbdsetup', ['status', resource, '--json'], { signal, timeoutMs: 30_000 });
      return parseDrbdStatusJson(r.stdout).find((x) => x.name === resource);
    } catch (e) {
      try {
        mapError(e, 'read the status of', resource);
      } catch (m) {
        if (m instanceof DrbdError && m.kind === 'not-found') return undefined;
        throw m;
      }
    }
  };
  return {
    status,
    async primary(resource, signal) {
      try {
        await deps.tools.run('drbdadm', ['primary', resource], { signal, timeoutMs });
      } catch (e) {
        try {
          mapError(e, 'promote', resource);
        } catch (m) {
          if (m instanceof DrbdError && m.kind === 'refused') {
            // Ask DRBD who holds it rather than parsing prose.
            const st = await status(resource, signal).catch(() => undefined);
            throw new DrbdPromotionRefused(resource, st ? primaryPeers(st) : [], stateChangeDetail(m.detail));
          }
          throw m;
        }
      }
    },
    async secondary(resource, signal) {
      try {
        await deps.tools.run('drbdadm', ['secondary', resource], { signal, timeoutMs });
      } catch (e) {
        mapError(e, 'demote', resource);
      }
    },
    async statusAll(signal) {
      try {
        const r = await deps.tools.run('drbdsetup', ['status', '--json'], { signal, timeoutMs: 30_000 });
        return parseDrbdStatusJson(r.stdout);
      } catch (e) {
        return mapError(e, 'read the status of', 'all');
      }
    },
    async forceSecondary(resource, signal) {
      try {
        await deps.tools.run('drbdsetup', ['secondary', resource, '--force'], { signal, timeoutMs });
      } catch (e) {
        mapError(e, 'force-demote', resource);
      }
    },
  };
}
