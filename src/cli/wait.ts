/**
 * `linstor-csi wait node-online|api-online`: blocks until LINSTOR is ready for this host, for an
 * init container. The node plugin's pod runs `wait node-online --node=$(KUBE_NODE_NAME)` first,
 * so the driver registers with the kubelet (and pods get scheduled here) only once LINSTOR
 * reports the node's satellite ONLINE.
 */
import { ConfigError, SERVE_FLAGS, checkLinstorFiles, linstorConnectionConfig } from '../config/config.js';
import { flagOrEnv, flagValue, formatHelp, parseDuration, parseFlags, rejectExtraPositionals, type FlagSpec } from '../config/flags.js';
import { LinstorApiError } from '../linstor/errors.js';
import { HttpLinstorClient } from '../linstor/http-client.js';
import { silentLogger } from '../log/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import { commandArgs } from './args.js';
import type { CliIo } from './main.js';

const TARGETS = ['node-online', 'api-online'] as const;
type Target = (typeof TARGETS)[number];

const SHARED = ['node', 'linstor-endpoint', 'linstor-skip-tls-verification', 'bearer-token', 'linstor-request-timeout'];
const WAIT_FLAGS: readonly FlagSpec[] = [
  ...SERVE_FLAGS.filter((f) => SHARED.includes(f.name)),
  { name: 'interval', placeholder: 'DURATION', help: 'time between two checks', default: '5s' },
  { name: 'timeout', placeholder: 'DURATION', help: 'give up (exit 1) after this long; 0 waits for ever', default: '0' },
];

export const WAIT_USAGE = formatHelp(
  `Usage: linstor-csi wait <what> [flags]

Waits until LINSTOR is ready, then exits 0 (for init containers).

Environment: LS_CONTROLLERS, LS_ROOT_CA, LS_USER_CERTIFICATE, LS_USER_KEY, LS_BEARER_TOKEN_FILE,
LS_USERNAME, LS_PASSWORD (as for serve).`,
  WAIT_FLAGS,
  [
    {
      title: 'What:',
      rows: [
        ['node-online', 'the LINSTOR node --node (this host) is ONLINE; needs --node'],
        ['api-online', 'the LINSTOR controller answers its REST API'],
      ],
    },
  ],
);

interface WaitPlan {
  target: Target;
  node?: string;
  intervalMs: number;
  timeoutMs: number;
}

function parseWait(argv: readonly string[], env: Record<string, string | undefined>): { plan: WaitPlan; client: HttpLinstorClient } {
  const parsed = parseFlags(argv, WAIT_FLAGS);
  const raw = parsed.positionals[0];
  if (raw === undefined) throw new ConfigError('<what>', `wait for what? (one of: ${TARGETS.join(', ')})`);
  if (!(TARGETS as readonly string[]).includes(raw)) throw new ConfigError('<what>', `unknown target "${raw}" (one of: ${TARGETS.join(', ')})`);
  rejectExtraPositionals(parsed, 1);
  const duration = (name: string): number => {
    const f = flagValue(parsed, name) ?? { value: WAIT_FLAGS.find((s) => s.name === name)?.default ?? '0', source: `--${name}` };
    return parseDuration(f.source, f.value);
  };
  const plan: WaitPlan = { target: raw as Target, intervalMs: duration('interval'), timeoutMs: duration('timeout') };
  if (plan.intervalMs <= 0) throw new ConfigError('--interval', '--interval must be longer than 0, e.g. 5s');
  if (plan.target === 'node-online') {
    const node = flagOrEnv(parsed, WAIT_FLAGS.find((s) => s.name === 'node') as FlagSpec, env);
    if (!node) throw new ConfigError('--node', 'node-online needs the LINSTOR node name: pass --node=NAME or set KUBE_NODE_NAME');
    plan.node = node.value;
  }
  const conn = linstorConnectionConfig(parsed, env);
  checkLinstorFiles(conn, env);
  return { plan, client: new HttpLinstorClient({ ...conn, retries: 0 }, { clock: systemClock, logger: silentLogger() }) };
}

/** One check: undefined when ready, else what is missing (for the progress line). */
async function check(client: HttpLinstorClient, plan: WaitPlan): Promise<string | undefined> {
  try {
    if (plan.target === 'api-online') {
      await client.controller.version();
      return undefined;
    }
    const node = await client.nodes.get(plan.node ?? '');
    const status = node.connection_status ?? 'UNKNOWN';
    return status === 'ONLINE' ? undefined : `LINSTOR reports node ${plan.node} ${status}`;
  } catch (e) {
    if (e instanceof LinstorApiError && e.isNotFound()) return `node ${plan.node} is not registered in LINSTOR yet`;
    return `LINSTOR does not answer: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Polls until ready; returns the exit code. Prints a line whenever what it waits for changes. */
export async function waitUntilReady(client: HttpLinstorClient, plan: WaitPlan, io: CliIo, clock: Clock = systemClock): Promise<number> {
  const started = clock.now();
  let last: string | undefined;
  for (;;) {
    const missing = await check(client, plan);
    if (missing === undefined) {
      io.stdout.write(plan.target === 'node-online' ? `linstor-csi wait: node ${plan.node} is ONLINE in LINSTOR\n` : 'linstor-csi wait: the LINSTOR API answers\n');
      return 0;
    }
    if (missing !== last) io.stderr.write(`linstor-csi wait: ${missing}; checking again every ${Math.round(plan.intervalMs / 1000)} s\n`);
    last = missing;
    if (plan.timeoutMs > 0 && clock.now() - started + plan.intervalMs > plan.timeoutMs) {
      io.stderr.write(`linstor-csi wait: gave up after ${Math.round(plan.timeoutMs / 1000)} s: ${missing}\n`);
      return 1;
    }
    await clock.sleep(plan.intervalMs);
  }
}

export async function runWait(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = commandArgs('wait', argv, io, WAIT_USAGE, (a) => parseWait(a, env));
  if ('exit' in parsed) return parsed.exit;
  try {
    return await waitUntilReady(parsed.args.client, parsed.args.plan, io);
  } finally {
    parsed.args.client.close();
  }
}
