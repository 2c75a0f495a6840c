// Bundles the compiled CLI (dist/cli/main.js and everything it imports, dependencies included)
// into a few ES modules under dist/bundle/, which bin/linstor-csi.js runs when present.
// Why: resolving, reading and compiling ~200 separate modules was most of the driver's start-up
// time (process start to first answered Probe). Code splitting keeps each command's code, and
// the controller and node services, in chunks loaded only when that part runs.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

const root = new URL('../', import.meta.url).pathname;
const outdir = `${root}dist/bundle`;
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: `${root}dist/cli/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(); an ES module has none, so give it one.
  banner: { js: "import { createRequire as __lcsiRequire } from 'node:module'; const require = __lcsiRequire(import.meta.url);" },
  // Only used by tests and the dev tooling, never by the CLI.
  external: ['tsx', 'tsx/*', '@kubernetes/client-node'],
  legalComments: 'none',
  logLevel: 'warning',
});
