/** The HA agent's Kubernetes port over a fixed snapshot, recording the calls (for tests of the agent's DRBD side and its loop). */
import type { ClusterSnapshot, HaEvent, ObjectRef } from '../../src/ha/model.js';
import type { HaKube } from '../../src/ha/ports.js';

export class FakeKube implements HaKube {
  calls: string[] = [];
  events: HaEvent[] = [];
  isSynced = true;
  failing = false;
  constructor(public snap: ClusterSnapshot) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  synced(): boolean {
    return this.isSynced;
  }
  snapshot(): ClusterSnapshot {
    return this.snap;
  }
  onChange(): void {}
  private async call(what: string): Promise<void> {
    if (this.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    this.calls.push(what);
  }
  taintNode(node: string, key: string): Promise<void> {
    return this.call(`taint ${node} ${key}`);
  }
  untaintNode(node: string, key: string): Promise<void> {
    return this.call(`untaint ${node} ${key}`);
  }
  evictPod(p: ObjectRef): Promise<void> {
    return this.call(`evict ${p.name}`);
  }
  forceDeletePod(p: ObjectRef): Promise<void> {
    return this.call(`delete-pod ${p.name}`);
  }
  deleteVolumeAttachment(name: string): Promise<void> {
    return this.call(`delete-va ${name}`);
  }
  async emitEvent(ev: HaEvent): Promise<void> {
    if (this.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    this.events.push(ev);
  }
}
