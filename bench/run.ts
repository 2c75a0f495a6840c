// `npm run bench`: runs every benchmark and prints one JSON document on stdout.
// Usage: npm run bench [-- name ...]   names: startup linstor-client emulator controller node snapshots table failover
import { ensureNode24 } from '../scripts/node24.mjs';

await ensureNode24();

type Bench = () => Promise<Record<string, number>>;

const benches: Record<string, () => Promise<Bench>> = {
  startup: async () => (await import('./startup.js')).benchStartup,
  'linstor-client': async () => (await import('./linstor-client.js')).benchLinstorClient,
  emulator: async () => (await import('./emulator.js')).benchEmulator,
  controller: async () => (await import('./controller.js')).benchController,
  node: async () => (await import('./node.js')).benchNode,
  snapshots: async () => (await import('./snapshots.js')).benchSnapshots,
  table: async () => (await import('./table.js')).benchTable,
  // Needs the Kubernetes tools of the k8s suite (scripts/setup.sh --test-tools).
  failover: async () => (await import('./failover.js')).benchFailover,
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches);
const results: Record<string, Record<string, number> | { error: string }> = {};
// Progress goes to stderr so stdout stays valid JSON.
const log = (m: string): boolean => process.stderr.write(m + '\n');
for (const name of wanted) {
  const load = benches[name];
  if (!load) {
    log(`unknown benchmark "${name}"; choose from ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  log(`bench: ${name} ...`);
  const t0 = Date.now();
  try {
    results[name] = await (await load())();
  } catch (e) {
    results[name] = { error: e instanceof Error ? e.message : String(e) };
  }
  log(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
process.stdout.write(JSON.stringify({ machine: { node: process.version, cpus: (await import('node:os')).cpus().length }, results }, null, 2) + '\n');
process.exit(Object.values(results).some((r) => 'error' in r) ? 1 : 0);
