// Node loss → VolumeAttachment deleted, on the real stack of the k8s suite (kube-apiserver,
// kube-controller-manager, the chart's sidecars, `linstor-csi dev` with its HA agents at the
// default failover timeout). The agent's own cost is the time beyond the timeout; the baseline,
// measured in the same run, is deleting a VolumeAttachment through the API until csi-attacher
// has detached it and it is gone (what the agent's deletion also waits for). Goal: timeout + under 2 s.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { attachmentExists, haDevArgs, loseNode, nodeBack, workload, type Workload } from '../test/k8s/failover-steps.js';
import { NS, attach, bound, createPvc, detach, uniq, until } from '../test/k8s/objects.js';
import { startStack, type Stack } from '../test/k8s/stack.js';

const TIMEOUT_MS = 5000;
const ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function oneFailover(s: Stack): Promise<number> {
  const w: Workload = await workload(s, 'linstor-immediate');
  await loseNode(s, w);
  const t0 = performance.now();
  await until('VolumeAttachment of the lost node deleted', () => attachmentExists(s, w, w.owner), (e) => !e, TIMEOUT_MS + 30_000);
  const ms = performance.now() - t0;
  await nodeBack(s, w);
  await s.kc.makeApiClient(AppsV1Api).deleteNamespacedStatefulSet({ name: w.name, namespace: NS }).catch(() => undefined);
  await s.kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: w.pod, namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
  return ms;
}

async function oneDetach(s: Stack): Promise<number> {
  const name = uniq('base');
  await createPvc(s, { name, storageClass: 'linstor-immediate' });
  const { pv } = await bound(s, name);
  await attach(s, pv, 'node-c');
  const t0 = performance.now();
  await detach(s, pv, 'node-c');
  return performance.now() - t0;
}

export async function benchFailover(): Promise<Record<string, number>> {
  const s = await startStack({ devArgs: (c) => haDevArgs(c, TIMEOUT_MS) });
  try {
    const failovers: number[] = [];
    const detaches: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      detaches.push(await oneDetach(s));
      failovers.push(await oneFailover(s));
    }
    const lossToDetached = median(failovers);
    const baseline = median(detaches);
    return {
      failoverTimeoutMs: TIMEOUT_MS,
      rounds: ROUNDS,
      nodeLossToVolumeAttachmentDeletedMs: Math.round(lossToDetached),
      beyondTimeoutMs: Math.round(lossToDetached - TIMEOUT_MS),
      baselineVolumeAttachmentDeleteMs: Math.round(baseline),
      beyondTimeoutVsBaselineRatio: Number(((lossToDetached - TIMEOUT_MS) / baseline).toFixed(2)),
      worstBeyondTimeoutMs: Math.round(Math.max(...failovers) - TIMEOUT_MS),
    };
  } finally {
    await s.stop();
  }
}
