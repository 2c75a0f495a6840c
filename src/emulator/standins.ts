/**
 * Writes the per-node `drbdadm` and `drbdsetup` stand-ins. Each is a tiny shell wrapper that runs
 * one shared CommonJS helper with the node name and the emulator URL baked in; the helper asks the
 * emulator's control API to run the command against the emulated DRBD state.
 */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STANDIN_TOOLS = ['drbdadm', 'drbdsetup'] as const;

const HELPER = `'use strict';
// linstor-csi emulator: DRBD tool stand-in. Generated; do not edit.
const [url, node, tool, ...args] = process.argv.slice(2);
fetch(url + '/emulator/drbd/' + encodeURIComponent(node) + '/' + tool, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ args }),
})
  .then((r) => r.json())
  .then((res) => {
    process.stdout.write(res.stdout || '');
    process.stderr.write(res.stderr || '');
    process.exitCode = typeof res.code === 'number' ? res.code : 20;
  })
  .catch((e) => {
    process.stderr.write(tool + ': cannot reach the emulated DRBD at ' + url + ': ' + e.message + '\\n');
    process.exitCode = 20;
  });
`;

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

export async function installStandins(stateDir: string, binDir: string, node: string, url: string): Promise<void> {
  const libDir = join(stateDir, 'lib');
  await mkdir(libDir, { recursive: true });
  const helper = join(libDir, 'drbd-standin.cjs');
  await writeAtomic(helper, HELPER, 0o644);
  await mkdir(binDir, { recursive: true });
  for (const tool of STANDIN_TOOLS) {
    const script = `#!/bin/sh\n# linstor-csi emulator stand-in for ${tool} on node ${node}\nexec ${shQuote(process.execPath)} ${shQuote(helper)} ${shQuote(url)} ${shQuote(node)} ${tool} "$@"\n`;
    await writeAtomic(join(binDir, tool), script, 0o755);
  }
}
