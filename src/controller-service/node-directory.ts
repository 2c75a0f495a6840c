/** A short-lived cache of LINSTOR's node list, shared by the controller's calls. */
import type { CallContext } from '../csi/handler.js';
import { joinLinstorWork } from '../linstor/call-stats.js';
import type { ControllerDeps } from './deps.js';
import { linstorCall } from '../linstor/csi-errors.js';
import { type NodeInfo, nodeInfo } from './topology.js';

/** The node list, reused for `ttlMs` (topology labels change rarely; online state is re-read where it matters). */
export class NodeDirectory {
  private cached: { at: number; nodes: NodeInfo[] } | undefined;
  private pending: Promise<NodeInfo[]> | undefined;

  constructor(
    private readonly deps: Pick<ControllerDeps, 'linstor' | 'config' | 'clock' | 'callStats'>,
    private readonly ttlMs = 10_000,
  ) {}

  async list(ctx: Pick<CallContext, 'signal'>, fresh = false): Promise<NodeInfo[]> {
    const now = this.deps.clock.now();
    if (!fresh && this.cached && now - this.cached.at < this.ttlMs) return this.cached.nodes;
    // Joining another call's fetch: that wait is LINSTOR time of this call too.
    if (this.pending) return joinLinstorWork(this.deps.callStats, this.pending);
    this.pending = linstorCall('listing LINSTOR nodes', () => this.deps.linstor.nodes.list({}, { signal: ctx.signal }))
      .then((nodes) => {
        const infos = nodes.map((n) => nodeInfo(n, this.deps.config.propertyNamespace));
        this.cached = { at: this.deps.clock.now(), nodes: infos };
        return infos;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
