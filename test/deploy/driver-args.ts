// The driver's and sidecars' command lines as rendered, read the way the programs read them:
// `linstor-csi serve` arguments through the driver's own config parser.
import * as assert from 'uvu/assert';
import { parseServeArgs, type Config } from '../../src/config/config.js';
import { containerEnv, expandVars, type Container } from './render.js';

export function flag(c: Container, name: string): string | undefined {
  const prefix = `--${name}=`;
  const a = (c.args ?? []).find((x) => x.startsWith(prefix));
  return a?.slice(prefix.length);
}

/** Parses the linstor-csi container's arguments with the driver's own config parser. */
export function driverConfig(c: Container, where: string): Config {
  const args = c.args ?? [];
  assert.is(c.command, undefined, `${where}: the image entrypoint (linstor-csi) must not be overridden`);
  assert.is(args[0], 'serve', `${where}: the first argument must be the "serve" sub-command, got ${args[0]}`);
  // The kubelet gives every container the API server's Service address (in-cluster config).
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', ...containerEnv(c) };
  const argv = args.slice(1).map((a) => expandVars(a, env));
  for (const a of argv) assert.not.match(a, /\$\(/, `${where}: unresolved variable reference in ${a}`);
  try {
    return parseServeArgs(argv, env);
  } catch (e) {
    const err = e as Error & { flag?: string };
    throw new Error(`${where}: linstor-csi serve rejects its arguments (${err.flag ?? '?'}): ${err.message}\nargs: ${argv.join(' ')}`);
  }
}

