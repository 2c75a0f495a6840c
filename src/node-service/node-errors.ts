/** Errors of the node tools (DRBD, mount, mkfs, …) as CSI errors. */
import { CsiError, Code, failedPrecondition, unavailable } from '../csi/errors.js';
import { DrbdError, DrbdPromotionRefused } from '../node-ops/drbd.js';
import { MountBusyError } from '../node-ops/mounter.js';
import { isToolError } from '../node-ops/run-tool.js';

/**
 * The CsiError for an error of the node tools, with a message someone can act on; CsiErrors pass
 * through. Anything else is no tool error: undefined, and the caller throws it as it is.
 */
export function mapNodeError(e: unknown, what: string): CsiError | undefined {
  if (e instanceof CsiError) return e;
  if (e instanceof DrbdPromotionRefused) {
    return e.primaryOn.length > 0
      ? failedPrecondition(`${what}: the volume is in use on node ${e.primaryOn.join(', ')} (DRBD Primary there); it can be used here once that node unstages it`)
      : failedPrecondition(`${what}: DRBD refused promotion to Primary (${e.detail})`);
  }
  if (e instanceof DrbdError) {
    if (e.kind === 'unavailable') return unavailable(`${what}: ${e.message}`);
    if (e.kind === 'not-found') return failedPrecondition(`${what}: ${e.message}; check the LINSTOR satellite`);
    if (e.kind === 'refused') return failedPrecondition(`${what}: ${e.message}`);
    return new CsiError(Code.INTERNAL, `${what}: ${e.message}`);
  }
  if (e instanceof MountBusyError) return failedPrecondition(`${what}: ${e.message}; find the user with "fuser -vm ${e.target}"; kubelet will retry`);
  if (isToolError(e)) {
    if (e.timedOut) return new CsiError(Code.DEADLINE_EXCEEDED, `${what}: ${e.message}`);
    return new CsiError(Code.INTERNAL, `${what}: ${e.message}`);
  }
  return undefined;
}
