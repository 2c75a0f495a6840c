// The project runs on Node.js 24. On a machine whose own `node` is older, scripts/setup.sh
// installs Node 24 into .tools/node; the entry points (bin/linstor-csi.js, the test runner, the
// benchmarks) call ensureNode24() first, so the README's commands run on Node 24 whichever
// `node` started them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const NODE_MAJOR = 24;
export const PROJECT_NODE = new URL('../.tools/node/bin/node', import.meta.url).pathname;

/**
 * Returns at once on Node >= 24. On an older Node it runs this same command again on
 * .tools/node/bin/node, passes signals on, and exits with the child's status: the promise it
 * returns then never settles, so the caller's remaining code does not run on the old Node.
 */
export function ensureNode24() {
  if (Number(process.versions.node.split('.')[0]) >= NODE_MAJOR) return Promise.resolve();
  if (!existsSync(PROJECT_NODE)) {
    process.stderr.write(`linstor-csi needs Node.js ${NODE_MAJOR} or newer, this is ${process.version}: run ./scripts/setup.sh (it installs Node ${NODE_MAJOR} into .tools/node)\n`);
    process.exit(1);
  }
  const child = spawn(PROJECT_NODE, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const forward = (sig) => child.kill(sig);
  for (const sig of signals) process.on(sig, forward);
  child.on('exit', (code, signal) => {
    for (const sig of signals) process.off(sig, forward);
    if (signal) process.kill(process.pid, signal);
    process.exit(code ?? 1);
  });
  return new Promise(() => {});
}
