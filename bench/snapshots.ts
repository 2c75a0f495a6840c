/**
 * Snapshot figures, through the real CLI over its unix socket against the emulator (real loop
 * devices, 64 MiB volumes with 8 MiB written):
 * - LINSTOR REST round trips per CreateSnapshot (new, and an idempotent retry), DeleteSnapshot,
 *   ListSnapshots (all), CreateVolume from a snapshot (restore), CreateVolume from a volume
 *   (clone), CreateVolumeGroupSnapshot of two volumes;
 * - latency (p50/max ms) of CreateSnapshot and of a restore, sequentially; the emulator's copy
 *   of the backing file is part of both (a thin LVM snapshot on a real cluster is cheaper).
 */
import { MiB, ddWrite, pattern, startSnapRig, uniq, type SnapRig } from '../test/integration/snapshot-harness.js';

const r2 = (n: number): number => Math.round(n * 100) / 100;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number);
}

async function roundTrips(rig: SnapRig, fn: () => Promise<unknown>): Promise<number> {
  await rig.emu.control.clearRequestLog();
  await fn();
  return (await rig.emu.control.requestLog()).filter((e) => e.path.startsWith('/v1/')).length;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function benchSnapshots(): Promise<Record<string, number>> {
  const rig = await startSnapRig();
  try {
    const c = rig.controller;
    const src = await rig.createVolume(uniq('bench-snap'), 64, { params: { placementCount: '2' } });
    await ddWrite(rig.dir, rig.device(src.volume_id), pattern('bench', 8 * MiB), 0);
    const snapReq = (name: string) => ({ name, source_volume_id: src.volume_id, parameters: {} });
    // Warm-up (resource group reconciled, connections open).
    const warm = (await c.CreateSnapshot(snapReq(uniq('snapshot-warm')))).snapshot;
    await rig.createVolume(uniq('bench-warm'), 64, { source: { snapshot: { snapshot_id: warm.snapshot_id } } });

    const out: Record<string, number> = {};
    const first = uniq('snapshot');
    let id = '';
    out['createSnapshot.roundTrips'] = await roundTrips(rig, async () => {
      id = (await c.CreateSnapshot(snapReq(first))).snapshot.snapshot_id;
    });
    out['createSnapshot.retry.roundTrips'] = await roundTrips(rig, () => c.CreateSnapshot(snapReq(first)));
    out['listSnapshots.all.roundTrips'] = await roundTrips(rig, () => c.ListSnapshots({}));
    out['restore.roundTrips'] = await roundTrips(rig, () => rig.createVolume(uniq('bench-r'), 64, { source: { snapshot: { snapshot_id: id } } }));
    out['clone.roundTrips'] = await roundTrips(rig, () => rig.createVolume(uniq('bench-c'), 64, { source: { volume: { volume_id: src.volume_id } } }));
    const other = await rig.createVolume(uniq('bench-g'), 64);
    out['groupSnapshot.2.roundTrips'] = await roundTrips(rig, () =>
      rig.group.CreateVolumeGroupSnapshot({ name: uniq('group'), source_volume_ids: [src.volume_id, other.volume_id], parameters: {} }),
    );
    out['deleteSnapshot.roundTrips'] = await roundTrips(rig, () => c.DeleteSnapshot({ snapshot_id: id }));

    const snapMs: number[] = [];
    const restoreMs: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) {
      snapMs.push(await timed(async () => ids.push((await c.CreateSnapshot(snapReq(uniq('snapshot')))).snapshot.snapshot_id)));
    }
    for (let i = 0; i < 10; i++) {
      restoreMs.push(await timed(() => rig.createVolume(uniq('bench-r'), 64, { source: { snapshot: { snapshot_id: ids[i] as string } } })));
    }
    out['createSnapshot.p50Ms'] = r2(pct(snapMs, 50));
    out['createSnapshot.maxMs'] = r2(Math.max(...snapMs));
    out['restore.p50Ms'] = r2(pct(restoreMs, 50));
    out['restore.maxMs'] = r2(Math.max(...restoreMs));
    return out;
  } finally {
    await rig.stop();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  console.log(JSON.stringify(await benchSnapshots(), null, 2));
}
