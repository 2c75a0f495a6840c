// Time from process start to the first successful GetPluginInfo over the socket, and the
// resident memory of an idle server. Uses the compiled build (dist/) like production.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csiClients } from '../test/helpers/grpc-clients.js';

const ROOT = new URL('../', import.meta.url).pathname;
const CLI = join(ROOT, 'bin', 'linstor-csi.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function oneStart(dir: string, i: number): Promise<{ ms: number; rssMb: number }> {
  const sock = join(dir, `csi-${i}.sock`);
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, 'serve', `--csi-endpoint=unix://${sock}`, '--node=bench', '--linstor-endpoint=http://127.0.0.1:9', '--log-level=warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let ms = 0;
  for (;;) {
    if (existsSync(sock)) {
      const c = csiClients(`unix://${sock}`);
      try {
        await c.identity.GetPluginInfo({}, { deadlineMs: 1000 });
        ms = Number(process.hrtime.bigint() - t0) / 1e6;
        c.close();
        break;
      } catch {
        c.close();
      }
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  // Idle: let start-up garbage settle, then read VmRSS.
  await new Promise((r) => setTimeout(r, 1500));
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { ms, rssMb: rssKb / 1024 };
}

export async function benchStartup(): Promise<Record<string, number>> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first: the startup bench measures dist/');
  const dir = await mkdtemp(join(tmpdir(), 'lcsi-bench-'));
  const times: number[] = [];
  const rss: number[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      const r = await oneStart(dir, i);
      times.push(r.ms);
      rss.push(r.rssMb);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    startup_to_first_GetPluginInfo_ms_median: Math.round(median(times) * 10) / 10,
    startup_to_first_GetPluginInfo_ms_max: Math.round(Math.max(...times) * 10) / 10,
    idle_rss_mb_median: Math.round(median(rss) * 10) / 10,
    target_startup_ms: 300,
    target_idle_rss_mb: 60,
  };
}
