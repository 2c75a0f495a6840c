/** Emulator throughput: GET /v1/nodes and RD create+delete per second over real HTTP. */
import { tempEmulator } from '../test/helpers/emulator.js';

async function rate(n: number, fn: (i: number) => Promise<void>, concurrency = 8): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return Math.round((n / ((performance.now() - start) / 1000)) * 10) / 10;
}

export async function benchEmulator(): Promise<Record<string, number>> {
  const emu = await tempEmulator();
  try {
    const getNodes = await rate(2000, async () => {
      const r = await emu.api('GET', '/v1/nodes');
      if (r.status !== 200) throw new Error(`GET /v1/nodes: ${r.status}`);
    });
    const rdCreateDelete = await rate(300, async (i) => {
      const name = `bench-${i}`;
      const c = await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name } });
      if (c.status !== 201) throw new Error(`create ${name}: ${c.status}`);
      const d = await emu.api('DELETE', `/v1/resource-definitions/${name}`);
      if (d.status !== 200) throw new Error(`delete ${name}: ${d.status}`);
    });
    const viewResources = await rate(500, async () => {
      await emu.api('GET', '/v1/view/resources');
    });
    return { emulator_get_nodes_per_s: getNodes, emulator_rd_create_delete_per_s: rdCreateDelete, emulator_view_resources_per_s: viewResources };
  } finally {
    await emu.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  benchEmulator().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
