/**
 * CPU profile of the driver answering ListVolumes: BENCH_CPU_PROF=<dir> (default ./prof)
 * `node --import tsx bench/profile-list.ts [volumes]`; open the .cpuprofile in a profiler.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControllerClient } from '../test/integration/controller-harness.js';
import { ChildEmulator, ensureBuilt, spawnDriver } from './harness.js';

ensureBuilt();
const n = Number(process.argv[2] ?? 1000);
const profDir = process.env['BENCH_CPU_PROF'] ?? 'prof';
const dir = await mkdtemp(join(tmpdir(), 'lcsi-prof-'));
const emu = await ChildEmulator.start(join(dir, 'emu'));
const socket = join(dir, 'csi.sock');
const drv = await spawnDriver(['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${profDir}`], ['--mode=controller', `--csi-endpoint=unix://${socket}`, `--linstor-endpoint=${emu.url}`, '--log-level=info'], socket);
try {
  await emu.control('POST', '/emulator/seed-volumes', { prefix: 'pvc-p-', count: n, sizeKib: 65536, props: { 'Aux/csi-provisioning-completed-by': 'linstor-csi' } });
  const c = drv.clients.controller as unknown as ControllerClient;
  const cpu0 = drv.cpuMs();
  for (let i = 0; i < 40; i++) await c.ListVolumes({ max_entries: 0, starting_token: '' });
  process.stdout.write(`driver CPU per ListVolumes of ${n}: ${(drv.cpuMs() - cpu0) / 40} ms\n`);
} finally {
  await drv.stop();
  await emu.stop();
  await rm(dir, { recursive: true, force: true });
}
