/**
 * `linstor-csi split-brain list|show VOLUME|resolve VOLUME --keep NODE`: find, explain and
 * recover DRBD split brains of any LINSTOR (real or emulated). See docs/split-brain.md.
 */
import { createInterface } from 'node:readline';
import { ConfigError, type FlagSpec, flagValue, formatHelp, parseBool, parseDuration, parseFlags, rejectExtraPositionals } from '../config/flags.js';
import type { HttpLinstorClient } from '../linstor/http-client.js';
import { type SplitBrain, detectSplitBrain, detectSplitBrains } from '../split-brain/detect.js';
import { ResolveError, type StepRunner, resolveSplitBrain, viewOf } from '../split-brain/resolve.js';
import { KubeExecRunner, LocalRunner, kubePodExec } from '../split-brain/runners.js';
import { systemClock } from '../util/clock.js';
import { type CommandIo, commandArgs } from './args.js';
import { LINSTOR_CLI_FLAGS, type LinstorCliArgs, describeFailure, linstorCliArgs, linstorCliClient } from './linstor-cli.js';

export interface SplitBrainIo extends CommandIo {
  /** Where the confirmation is read from (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

const FLAGS: readonly FlagSpec[] = [
  { name: 'json', boolean: true, help: 'list/show: print JSON' },
  { name: 'keep', placeholder: 'NODE', help: 'resolve: the node whose data survives' },
  { name: 'yes', boolean: true, help: 'resolve: do not ask for confirmation (scripts)' },
  { name: 'node', placeholder: 'NAME', help: 'resolve: run the steps of this node only, with drbdadm on this machine (run it on that node)' },
  { name: 'namespace', placeholder: 'NS', help: 'resolve in a cluster: namespace of the node plugin pods', default: 'env POD_NAMESPACE, else linstor-csi' },
  { name: 'pod-selector', placeholder: 'LABELS', help: 'resolve in a cluster: label selector of the node plugin pods', default: 'app.kubernetes.io/name=linstor-csi,app.kubernetes.io/component=node' },
  { name: 'container', placeholder: 'NAME', help: 'resolve in a cluster: the container with drbdadm', default: 'linstor-csi' },
  { name: 'wait', placeholder: 'DURATION', help: 'resolve: how long to wait for Connected/UpToDate', default: '5m' },
  ...LINSTOR_CLI_FLAGS,
];

export const SPLIT_BRAIN_USAGE = formatHelp(
  `Usage: linstor-csi split-brain <list | show VOLUME | resolve VOLUME --keep NODE> [options]

The handbook: docs/split-brain.md`,
  FLAGS,
  [
    {
      title: 'Commands:',
      rows: [
        ['list', 'every volume in split brain'],
        ['show VOLUME', 'per node: role, disk, connections; which side is in use; the node to keep and why'],
        [
          'resolve VOLUME --keep NODE',
          'prints the DRBD steps per node, asks, snapshots the discarded data, runs the steps (--node NAME: this node only; ' +
            'else through the node plugin pods via the Kubernetes API) and waits until every replica is Connected and UpToDate',
        ],
      ],
    },
  ],
);

const pad = (rows: string[][]): string => {
  const w = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
};

export function renderList(list: SplitBrain[]): string {
  if (list.length === 0) return 'no volume is in split brain\n';
  const rows = [['VOLUME', 'BETWEEN', 'IN USE ON', 'KEEP (RECOMMENDED)']];
  for (const sb of list) {
    const used = sb.nodes.filter((n) => n.inUse).map((n) => n.node);
    rows.push([sb.resource, sb.pairs.map((p) => p.join(' / ')).join(', '), used.join(', ') || '-', sb.recommendation.keep ?? '- (see show)']);
  }
  return pad(rows);
}

export function renderShow(sb: SplitBrain): string {
  const sideOf = (n: string): string => {
    const i = sb.sides.findIndex((s) => s.includes(n));
    return i < 0 ? '-' : String(i + 1);
  };
  const rows = [['NODE', 'SIDE', 'ROLE', 'IN USE', 'DISK', 'CONNECTIONS']];
  for (const n of sb.nodes) {
    const conns = Object.entries(n.connections).map(([p, c]) => `${p}:${c}`).join(' ');
    rows.push([n.node, n.diskless ? '-' : sideOf(n.node), n.role, n.inUse ? 'yes' : 'no', n.diskState || '?', conns]);
  }
  const r = sb.recommendation;
  const lines = [
    `${sb.resource}: SPLIT BRAIN between ${sb.pairs.map((p) => p.join(' and ')).join(', ')}`,
    '',
    pad(rows).trimEnd(),
    '',
    r.keep !== undefined ? `Recommended: keep ${r.keep}, discard ${r.discard.join(', ')}: ${r.reason}.` : `No recommendation: ${r.reason}.`,
    `Resolve: linstor-csi split-brain resolve ${sb.resource} --keep ${r.keep ?? 'NODE'}`,
    '',
  ];
  return lines.join('\n');
}

async function ask(io: SplitBrainIo, question: string): Promise<boolean> {
  io.stdout.write(`${question} [y/N] `);
  const rl = createInterface({ input: io.stdin ?? process.stdin });
  try {
    const line = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^(y|yes)$/i.test(line.trim());
  } finally {
    rl.close();
  }
}

interface Parsed {
  cmd: 'list' | 'show' | 'resolve';
  volume?: string;
  flags: ReturnType<typeof parseFlags>;
}

function parse(argv: string[]): Parsed {
  const flags = parseFlags(argv, FLAGS);
  const [cmd, volume] = flags.positionals;
  if (cmd !== 'list' && cmd !== 'show' && cmd !== 'resolve') throw new ConfigError('<command>', cmd === undefined ? 'which command? (list, show VOLUME, resolve VOLUME --keep NODE)' : `unknown command "${cmd}" (list, show, resolve)`);
  if (cmd === 'list') rejectExtraPositionals(flags, 1);
  else {
    if (volume === undefined) throw new ConfigError('VOLUME', `${cmd} needs the volume (the LINSTOR resource name, e.g. pvc-…)`);
    rejectExtraPositionals(flags, 2);
  }
  if (cmd === 'resolve' && flagValue(flags, 'keep') === undefined) throw new ConfigError('--keep', 'resolve needs --keep NODE: the node whose data survives (see "split-brain show")');
  return volume === undefined ? { cmd, flags } : { cmd, volume, flags };
}

const bool = (p: Parsed, name: string): boolean => {
  const f = flagValue(p.flags, name);
  return f !== undefined && parseBool(f.source, f.value);
};

async function runner(p: Parsed, env: NodeJS.ProcessEnv): Promise<StepRunner> {
  const node = flagValue(p.flags, 'node');
  if (node) return new LocalRunner(node.value, env);
  const namespace = flagValue(p.flags, 'namespace')?.value ?? env['POD_NAMESPACE'] ?? 'linstor-csi';
  const selector = flagValue(p.flags, 'pod-selector')?.value ?? 'app.kubernetes.io/name=linstor-csi,app.kubernetes.io/component=node';
  const container = flagValue(p.flags, 'container')?.value ?? 'linstor-csi';
  return new KubeExecRunner(await kubePodExec({ namespace, selector, container }), `namespace ${namespace}, pods ${selector}, container ${container}`);
}

/** The command, its flags and the connection settings; throws ConfigError naming the flag. */
function parseAll(argv: string[]): { p: Parsed; waitMs: number; cli: LinstorCliArgs } {
  const p = parse(argv);
  const w = flagValue(p.flags, 'wait');
  return { p, waitMs: w ? parseDuration(w.source, w.value) : 300_000, cli: linstorCliArgs(p.flags) };
}

export async function runSplitBrain(argv: string[], env: NodeJS.ProcessEnv, io: SplitBrainIo): Promise<number> {
  const parsed = commandArgs('split-brain', argv, io, SPLIT_BRAIN_USAGE, parseAll);
  if ('exit' in parsed) return parsed.exit;
  const { p, waitMs, cli } = parsed.args;
  let client: HttpLinstorClient;
  let endpoints: readonly string[];
  try {
    ({ client, endpoints } = linstorCliClient(cli, env, 'linstor-csi-split-brain'));
  } catch (e) {
    io.stderr.write(`linstor-csi split-brain: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    return await dispatch(p, client, env, io, waitMs);
  } catch (e) {
    io.stderr.write(`linstor-csi split-brain: ${e instanceof ResolveError ? e.message : describeFailure(e, endpoints)}\n`);
    return 1;
  } finally {
    client.close();
  }
}

async function dispatch(p: Parsed, client: HttpLinstorClient, env: NodeJS.ProcessEnv, io: SplitBrainIo, waitMs: number): Promise<number> {
  const json = bool(p, 'json');
  if (p.cmd === 'list') {
    const list = detectSplitBrains(await client.resources.view());
    io.stdout.write(json ? JSON.stringify(list, null, 2) + '\n' : renderList(list));
    return 0;
  }
  const volume = p.volume ?? '';
  if (p.cmd === 'show') {
    const view = await viewOf({ linstor: client }, volume);
    if (view.length === 0) throw new ResolveError(`volume ${volume} not found in LINSTOR`);
    const sb = detectSplitBrain(view);
    if (json) io.stdout.write(JSON.stringify(sb ?? null, null, 2) + '\n');
    else io.stdout.write(sb ? renderShow(sb) : `${volume}: no split brain (no StandAlone connection between its diskful replicas)\n`);
    return 0;
  }
  const yes = bool(p, 'yes');
  const outcome = await resolveSplitBrain(
    { linstor: client, runner: await runner(p, env), clock: systemClock, out: (s) => io.stdout.write(s), confirm: (q) => (yes ? Promise.resolve(true) : ask(io, q)) },
    { resource: volume, keep: flagValue(p.flags, 'keep')?.value ?? '', timeoutMs: waitMs },
  );
  if (outcome.kind === 'aborted') {
    io.stderr.write('linstor-csi split-brain: not confirmed; nothing was changed\n');
    return 1;
  }
  if (outcome.kind === 'partial') {
    for (const n of new Set(outcome.remaining.map((s) => s.node))) {
      io.stdout.write(`Next, on ${n}: linstor-csi split-brain resolve ${volume} --keep ${outcome.plan.keep} --node ${n} --yes\n`);
    }
  }
  return 0;
}
