/** The HA agent: wiring of its ports. `startHaAgent` is what the node plugin and `dev` call. */
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { createHaAgent, type HaAgent } from './agent.js';
import type { HaSettings } from './model.js';
import type { HaDrbd, HaKube } from './ports.js';
import type { SplitBrainCheck } from './split-brain.js';

export * from './model.js';
export * from './decide.js';
export * from './agent.js';
export * from './ports.js';
export * from './split-brain.js';

export interface HaConfig extends HaSettings {
  pollIntervalMs: number;
  /** Kubeconfig file; in-cluster credentials when unset. */
  kubeconfig?: string;
}

export interface RunningHaAgent {
  agent: HaAgent;
  kube: HaKube;
  stop(): Promise<void>;
}

export interface StartHaOptions {
  config: HaConfig;
  nodeName: string;
  drbd: HaDrbd;
  clock: Clock;
  log: Logger;
  /** A port to use instead of the client-node adapter (tests). */
  kube?: HaKube;
  splitBrain?: SplitBrainCheck;
}

/**
 * Starts the informers and the loop. Does not wait for the first list: an unreachable API
 * server must not keep the CSI node service from starting; the agent simply does not act
 * until its caches are synced.
 */
export async function startHaAgent(o: StartHaOptions): Promise<RunningHaAgent> {
  const log = o.log.child({ component: 'ha' });
  let kube = o.kube;
  if (!kube) {
    const { createKubeAdapter, loadKubeConfig } = await import('./kube.js');
    kube = createKubeAdapter({ kubeConfig: loadKubeConfig(o.config.kubeconfig), nodeName: o.nodeName, clock: o.clock, log });
  }
  const agent = createHaAgent({
    nodeName: o.nodeName,
    settings: o.config,
    pollIntervalMs: o.config.pollIntervalMs,
    kube,
    drbd: o.drbd,
    clock: o.clock,
    log,
    ...(o.splitBrain ? { splitBrain: o.splitBrain } : {}),
  });
  const started = kube.start().catch((e: unknown) => log.error({ err: e }, 'ha: informers did not start'));
  agent.start();
  log.info({ failoverTimeoutMs: o.config.failoverTimeoutMs, taints: o.config.taints, optOut: o.config.optOutAnnotation }, 'ha agent started');
  const k = kube;
  return {
    agent,
    kube: k,
    async stop() {
      await agent.stop();
      await k.stop();
      await started;
    },
  };
}
