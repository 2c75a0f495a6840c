#!/usr/bin/env node
// Entry point. Uses the build in dist/ (npm run build); from a checkout without a build, or
// with LINSTOR_CSI_FROM_SOURCE=1, it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

if (Number(process.versions.node.split('.')[0]) < 24) {
  // A checkout on a machine whose own node is older: carry on under the project's Node 24.
  const { ensureNode24 } = await import('../scripts/node24.mjs');
  await ensureNode24();
}

if (process.argv[2] === 'serve') {
  // The driver idles most of the time. Start-up allocation (module compilation, the CSI
  // descriptors) would otherwise grow V8's young generation from 1 MiB to 8 MiB semi-spaces,
  // and those pages stay resident (~9 MB of idle RSS) for a server whose requests allocate
  // little. Set here, not on the command line, so every way of starting the driver (the
  // image's ENTRYPOINT, `npx linstor-csi`, the start-up benchmark) runs with the same heap.
  setFlagsFromString('--semi-space-growth-factor=1');
}

// dist/bundle/ (scripts/bundle.mjs, part of the build) holds dist/cli/main.js and everything it
// imports in a few files: loading one module instead of hundreds is most of a fast start.
const bundled = new URL('../dist/bundle/main.js', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.LINSTOR_CSI_FROM_SOURCE !== '1' && existsSync(bundled)) {
  // V8's compiled code kept on disk (os.tmpdir()/node-compile-cache, or $NODE_COMPILE_CACHE):
  // a restarted driver skips compiling the bundle again. Without a writable tmpdir it is a no-op.
  module.enableCompileCache?.();
  await import(bundled.href);
} else if (process.env.LINSTOR_CSI_FROM_SOURCE !== '1' && existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
