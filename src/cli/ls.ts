/**
 * `linstor-csi ls nodes|storage-pools|resources|volumes|snapshots [--json] [--linstor-endpoint URL]`
 *
 * An operator's view of any LINSTOR controller (real or emulated), built on the client:
 * aligned tables by default (sizes in human units, states coloured on a TTY), JSON with --json.
 */
import { ConfigError, flagValue, formatHelp, parseBool, parseFlags, rejectExtraPositionals, type FlagSpec } from '../config/flags.js';
import { commandArgs } from './args.js';
import type { HttpLinstorClient } from '../linstor/http-client.js';
import { hasDrbdLayer } from '../linstor/layers.js';
import { stringifyLinstorJson } from '../linstor/apicallrc.js';
import { LINSTOR_CLI_FLAGS, type LinstorCliArgs, describeFailure, linstorCliArgs, linstorCliClient } from './linstor-cli.js';
import type { LinstorClient } from '../linstor/client.js';
import type { Node, ResourceWithVolumes, Snapshot, StoragePool } from '../linstor/types.js';

export interface LsIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Colour states only when stdout is a terminal. */
  isTTY: boolean;
}

const VIEWS = ['nodes', 'storage-pools', 'resources', 'volumes', 'snapshots'] as const;
type View = (typeof VIEWS)[number];

const ALIASES: Record<string, View> = {
  node: 'nodes',
  n: 'nodes',
  'storage-pool': 'storage-pools',
  sp: 'storage-pools',
  pools: 'storage-pools',
  resource: 'resources',
  r: 'resources',
  volume: 'volumes',
  v: 'volumes',
  snapshot: 'snapshots',
  s: 'snapshots',
};

const LS_FLAGS: readonly FlagSpec[] = [{ name: 'json', boolean: true, help: 'print the raw LINSTOR objects as JSON' }, ...LINSTOR_CLI_FLAGS];

export const LS_USAGE = formatHelp(
  `Usage: linstor-csi ls <view> [options]

Views:
  nodes            nodes, their addresses and connection state
  storage-pools    storage pools with free and total capacity
  resources        resources per node, usage and replication state
  volumes          volumes per node: pool, device, allocated size, disk state
  snapshots        snapshots with their nodes, size and state

Environment: LS_CONTROLLERS, LS_ROOT_CA, LS_USER_CERTIFICATE, LS_USER_KEY, LS_BEARER_TOKEN_FILE,
LS_USERNAME, LS_PASSWORD (as the Go driver).`,
  LS_FLAGS,
);

interface LsArgs extends LinstorCliArgs {
  view: View;
  json: boolean;
}

/** Parses the view and flags; throws ConfigError naming the flag or argument. */
function parseArgs(argv: readonly string[]): LsArgs {
  const parsed = parseFlags(argv, LS_FLAGS);
  const raw = parsed.positionals[0];
  if (raw === undefined) throw new ConfigError('<view>', `which view? (one of: ${VIEWS.join(', ')})`);
  const view = (VIEWS as readonly string[]).includes(raw) ? (raw as View) : ALIASES[raw];
  if (view === undefined) throw new ConfigError('<view>', `unknown view "${raw}" (one of: ${VIEWS.join(', ')})`);
  rejectExtraPositionals(parsed, 1);
  const json = flagValue(parsed, 'json');
  return { view, json: json !== undefined && parseBool(json.source, json.value), ...linstorCliArgs(parsed) };
}

/** Runs `linstor-csi ls …`; returns the exit code (0 ok, 1 controller error, 2 usage). */
export async function runLs(argv: string[], env: Readonly<Record<string, string | undefined>>, io: LsIo): Promise<number> {
  const parsed = commandArgs('ls', argv, io, LS_USAGE, parseArgs, `\n${LS_USAGE}`);
  if ('exit' in parsed) return parsed.exit;
  const args: LsArgs = parsed.args;

  let client: HttpLinstorClient;
  let endpoints: readonly string[];
  try {
    ({ client, endpoints } = linstorCliClient(args, env, 'linstor-csi-ls'));
  } catch (e) {
    io.stderr.write(`linstor-csi ls: ${(e as Error).message}\n`);
    return 2;
  }

  try {
    const data = await fetchView(client, args.view);
    if (args.json) {
      io.stdout.write(stringifyLinstorJson(data, 2) + '\n');
    } else {
      io.stdout.write(renderView(args.view, data, io.isTTY));
    }
    return 0;
  } catch (e) {
    io.stderr.write(`linstor-csi ls: ${describeFailure(e, endpoints)}\n`);
    return 1;
  } finally {
    client.close();
  }
}

type ViewData = Node[] | StoragePool[] | ResourceWithVolumes[] | Snapshot[];

async function fetchView(c: LinstorClient, view: View): Promise<ViewData> {
  switch (view) {
    case 'nodes':
      return c.nodes.list();
    case 'storage-pools':
      return c.storagePools.view();
    case 'resources':
    case 'volumes':
      return c.resources.view();
    case 'snapshots':
      return c.snapshots.view();
  }
}

// ---------------------------------------------------------------------------------------------
// rendering
// ---------------------------------------------------------------------------------------------

type Colour = 'green' | 'yellow' | 'red' | 'none';
interface Cell {
  text: string;
  colour?: Colour;
}
type Row = (string | Cell)[];

const ANSI: Record<Colour, string> = { green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m', none: '' };

/** Renders an aligned table; colours only when `tty`. */
export function renderTable(header: string[], rows: Row[], tty: boolean): string {
  const cells = rows.map((r) => r.map((c): Cell => (typeof c === 'string' ? { text: c } : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.text.length ?? 0)));
  const line = (r: Cell[]): string =>
    r
      .map((c, i) => {
        const pad = i === r.length - 1 ? '' : ' '.repeat((widths[i] ?? 0) - c.text.length);
        const col = tty && c.colour && c.colour !== 'none' ? `${ANSI[c.colour]}${c.text}\x1b[0m` : c.text;
        return col + pad;
      })
      .join('  ')
      .trimEnd();
  const head = line(header.map((h) => ({ text: h })));
  if (cells.length === 0) return `${head}\n(none)\n`;
  return [head, ...cells.map(line)].join('\n') + '\n';
}

const LONG_MAX_KIB = 9.2e18;

/** KiB → "512 KiB", "1.50 GiB"; undefined → "-". */
export function humanKib(kib: number | undefined): string {
  if (kib === undefined || !Number.isFinite(kib) || kib >= LONG_MAX_KIB) return '-';
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = kib;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const s = u === 0 || Number.isInteger(v) ? String(v) : v.toFixed(2);
  return `${s} ${units[u]}`;
}

function time(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function renderView(view: View, data: ViewData, tty: boolean): string {
  switch (view) {
    case 'nodes':
      return renderNodes(data as Node[], tty);
    case 'storage-pools':
      return renderPools(data as StoragePool[], tty);
    case 'resources':
      return renderResources(data as ResourceWithVolumes[], tty);
    case 'volumes':
      return renderVolumes(data as ResourceWithVolumes[], tty);
    case 'snapshots':
      return renderSnapshots(data as Snapshot[], tty);
  }
}

const byName = <T>(key: (t: T) => string) => (a: T, b: T): number => key(a).localeCompare(key(b));

function renderNodes(nodes: Node[], tty: boolean): string {
  const rows = [...nodes].sort(byName((n) => n.name)).map((n): Row => {
    const st = n.connection_status ?? 'UNKNOWN';
    const addr = (n.net_interfaces ?? []).map((i) => `${i.address}${i.satellite_port !== undefined ? `:${i.satellite_port}` : ''}`).join(',');
    return [n.name, n.type, addr || '-', { text: st, colour: st === 'ONLINE' ? 'green' : st === 'CONNECTED' ? 'yellow' : 'red' }, (n.flags ?? []).join(',') || '-'];
  });
  return renderTable(['NODE', 'TYPE', 'ADDRESSES', 'STATE', 'FLAGS'], rows, tty);
}

function renderPools(pools: StoragePool[], tty: boolean): string {
  const rows = [...pools]
    .sort((a, b) => (a.node_name ?? '').localeCompare(b.node_name ?? '') || a.storage_pool_name.localeCompare(b.storage_pool_name))
    .map((p): Row => {
      const errors = (p.reports ?? []).filter((r) => BigInt.asUintN(64, r.ret_code) >> 62n === 3n);
      const warns = (p.reports ?? []).filter((r) => BigInt.asUintN(64, r.ret_code) >> 62n === 2n);
      const state: Cell = errors.length > 0 ? { text: 'Error', colour: 'red' } : warns.length > 0 ? { text: 'Warning', colour: 'yellow' } : { text: 'Ok', colour: 'green' };
      const driverPool = p.props?.['StorDriver/StorPoolName'] ?? '';
      return [
        p.storage_pool_name,
        p.node_name ?? '-',
        p.provider_kind,
        driverPool || '-',
        humanKib(p.free_capacity),
        humanKib(p.total_capacity),
        p.supports_snapshots ? 'yes' : 'no',
        state,
      ];
    });
  return renderTable(['POOL', 'NODE', 'DRIVER', 'POOL NAME', 'FREE', 'TOTAL', 'SNAPSHOTS', 'STATE'], rows, tty);
}

/** The linstor CLI's "State" column for a resource. */
function resourceState(r: ResourceWithVolumes): Cell {
  const flags = r.flags ?? [];
  if (flags.includes('DELETE') || flags.includes('DRBD_DELETE')) return { text: 'DELETING', colour: 'yellow' };
  if (flags.includes('INACTIVE')) return { text: 'INACTIVE', colour: 'yellow' };
  const states = (r.volumes ?? []).map((v) => v.state?.disk_state).filter((s): s is string => s !== undefined);
  if (r.state === undefined && states.length === 0) return { text: 'Unknown', colour: 'red' };
  // Storage only (no DRBD): LINSTOR reports no disk state; online means the volumes are there.
  if (!hasDrbdLayer(r) && r.state !== undefined) return { text: 'Created', colour: 'green' };
  const worst = states.find((s) => s !== 'UpToDate' && s !== 'Diskless') ?? states[0] ?? 'Unknown';
  if (worst === 'Diskless') {
    if (flags.includes('TIE_BREAKER')) return { text: 'TieBreaker', colour: 'green' };
    if (!flags.includes('DISKLESS')) return { text: 'Diskless', colour: 'red' };
    return { text: 'Diskless', colour: 'green' };
  }
  return { text: worst, colour: diskColour(worst) };
}

function diskColour(s: string | undefined): Colour {
  if (s === 'UpToDate' || s === 'Diskless' || s === 'Created' || s === 'Attached') return 'green';
  if (s === 'Inconsistent' || s === 'Outdated' || s === 'Consistent' || s === 'Negotiating' || s === 'Attaching' || s === 'Detaching' || s?.startsWith('Sync')) return 'yellow';
  return 'red';
}

function connections(r: ResourceWithVolumes): Cell {
  const conns = r.layer_object?.drbd?.connections;
  if (!conns || Object.keys(conns).length === 0) return { text: '-' };
  const bad = Object.entries(conns).filter(([, c]) => !c.connected);
  if (bad.length === 0) return { text: 'Ok', colour: 'green' };
  return { text: bad.map(([peer, c]) => `${peer}(${c.message ?? 'down'})`).join(','), colour: 'red' };
}

/** A copy of `items` in the order of their keys (compared one after the other). */
function sortedBy<T>(items: readonly T[], keys: (t: T) => string[]): T[] {
  return [...items].sort((a, b) => {
    const ka = keys(a);
    const kb = keys(b);
    for (let i = 0; i < ka.length; i++) {
      const c = (ka[i] ?? '').localeCompare(kb[i] ?? '');
      if (c !== 0) return c;
    }
    return 0;
  });
}

function renderResources(rs: ResourceWithVolumes[], tty: boolean): string {
  const rows = sortedBy(rs, (r) => [r.name, r.node_name]).map((r): Row => [
    r.name,
    r.node_name,
    r.state?.in_use === undefined ? '-' : r.state.in_use ? { text: 'InUse', colour: 'green' } : 'Unused',
    connections(r),
    resourceState(r),
    time(r.create_timestamp),
  ]);
  return renderTable(['RESOURCE', 'NODE', 'USAGE', 'CONNS', 'STATE', 'CREATED'], rows, tty);
}

function renderVolumes(rs: ResourceWithVolumes[], tty: boolean): string {
  const rows: Row[] = [];
  for (const r of sortedBy(rs, (x) => [x.node_name, x.name])) {
    const drbdVols = r.layer_object?.drbd?.drbd_volumes ?? [];
    for (const v of r.volumes ?? []) {
      const minor = drbdVols.find((d) => d.drbd_volume_definition?.volume_number === v.volume_number)?.drbd_volume_definition?.minor_number;
      const st = v.state?.disk_state;
      rows.push([
        r.node_name,
        r.name,
        v.storage_pool_name ?? '-',
        String(v.volume_number),
        minor === undefined ? '-' : String(minor),
        v.device_path ?? '-',
        humanKib(v.allocated_size_kib),
        r.state?.in_use === undefined ? '-' : r.state.in_use ? 'InUse' : 'Unused',
        st === undefined ? { text: 'Unknown', colour: 'red' } : { text: st, colour: diskColour(st) },
      ]);
    }
  }
  return renderTable(['NODE', 'RESOURCE', 'POOL', 'VOLNR', 'MINOR', 'DEVICE', 'ALLOCATED', 'USAGE', 'STATE'], rows, tty);
}

function snapshotState(s: Snapshot): Cell {
  const f = s.flags ?? [];
  if (f.includes('DELETE')) return { text: 'Deleting', colour: 'yellow' };
  if (f.includes('FAILED_DEPLOYMENT') || f.includes('FAILED_DISCONNECT')) return { text: 'Failed', colour: 'red' };
  if (f.includes('SUCCESSFUL')) return { text: 'Successful', colour: 'green' };
  return { text: 'Incomplete', colour: 'yellow' };
}

function renderSnapshots(ss: Snapshot[], tty: boolean): string {
  const rows = sortedBy(ss, (s) => [s.resource_name, s.name]).map((s): Row => [
    s.resource_name,
    s.name,
    (s.nodes ?? []).join(',') || '-',
    (s.volume_definitions ?? []).map((v) => `${v.volume_number}: ${humanKib(v.size_kib)}`).join(', ') || '-',
    time(s.snapshots?.[0]?.create_timestamp),
    snapshotState(s),
  ]);
  return renderTable(['RESOURCE', 'SNAPSHOT', 'NODES', 'VOLUMES', 'CREATED', 'STATE'], rows, tty);
}
