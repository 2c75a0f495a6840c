// Bundles the compiled CLI (dist/cli/main.js and everything it imports, dependencies included)
// into a few ES modules under dist/bundle/, which bin/linstor-csi.js runs when present.
// Why: resolving, reading and compiling ~200 separate modules was most of the driver's start-up
// time (process start to first answered Probe). Code splitting keeps each command's code, and
// the controller and node services, in chunks loaded only when that part runs.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';

/**
 * Node's built-in modules through require(), not `import`: importing one builds an ES module
 * facade that reads every export, and on Node 24 reading node:http's lazy exports loads undici
 * (fetch, WebSocket), which the driver never uses: ~20% of its start-up.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    const names = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    b.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) =>
      args.kind === 'import-statement' && names.has(args.path) ? { path: args.path, namespace: 'builtin-require' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path.startsWith('node:') ? args.path : `node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

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
  target: 'node24',
  // Dependencies written as CommonJS call require(); an ES module has none, so give it one.
  banner: { js: "import { createRequire as __lcsiRequire } from 'node:module'; const require = __lcsiRequire(import.meta.url);" },
  // Only used by tests and the dev tooling, never by the CLI.
  external: ['tsx', 'tsx/*', '@kubernetes/client-node'],
  plugins: [builtinsByRequire],
  // Smaller sources parse faster and stay smaller in memory (V8 keeps each module's source text
  // for lazy compilation); names are kept for stack traces and error names.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
});
