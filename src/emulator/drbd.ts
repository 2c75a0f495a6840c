/**
 * Emulated DRBD 9 state: roles, disk and connection states, quorum, and the output of
 * `drbdsetup status [--json]` / `drbdadm status` as seen from one node.
 */
import {
  type ConnState,
  type EmuState,
  type RdRec,
  type RscRec,
  findNode,
  findRd,
  findRsc,
  isDiskless,
  isTieBreaker,
  rdProp,
  same,
} from './state.js';

export interface DeviceView {
  volume: number;
  minor: number;
  diskState: string;
  client: boolean;
  open: boolean;
  quorum: boolean;
  sizeKib: number;
}
export interface PeerDeviceView {
  volume: number;
  replicationState: string;
  peerDiskState: string;
  peerClient: boolean;
}
export interface ConnectionView {
  peerNodeId: number;
  name: string;
  connectionState: string;
  peerRole: string;
  peerDevices: PeerDeviceView[];
}
export interface ResourceView {
  name: string;
  nodeId: number;
  role: string;
  suspended: boolean;
  suspendedQuorum: boolean;
  /** on-no-quorum io-error in force: every I/O fails (DRBD's fail_io). */
  forceIoFailures: boolean;
  devices: DeviceView[];
  connections: ConnectionView[];
}

export function nodeOnline(s: EmuState, node: string): boolean {
  return findNode(s, node)?.online ?? false;
}

/** Disk state of a resource's volume on its own node. */
export function diskState(rsc: RscRec, vol: number, now: number): string {
  if (isDiskless(rsc)) return 'Diskless';
  const o = rsc.drbd.diskOverride[String(vol)];
  if (o) return o;
  if (rsc.drbd.resyncUntil !== undefined && now < rsc.drbd.resyncUntil) return 'Outdated';
  return 'UpToDate';
}

/** Partition group index of a node; nodes not listed share one more group. */
function partitionGroup(s: EmuState, node: string): number {
  const groups = s.partition ?? [];
  const i = groups.findIndex((g) => g.some((n) => same(n, node)));
  return i < 0 ? groups.length : i;
}

/** Whether the network (control-API partition) lets two nodes reach each other. */
export function reachable(s: EmuState, a: string, b: string): boolean {
  return partitionGroup(s, a) === partitionGroup(s, b);
}

/** Connection state of `a` towards peer `b` as `a` sees it. */
export function connState(s: EmuState, a: RscRec, b: RscRec): ConnState {
  const own = a.drbd.connOverride[b.node.toUpperCase()] ?? a.drbd.connOverride['*'];
  if (own) return own;
  if (!nodeOnline(s, a.node) || !nodeOnline(s, b.node) || !reachable(s, a.node, b.node)) return 'Connecting';
  const theirs = b.drbd.connOverride[a.node.toUpperCase()] ?? b.drbd.connOverride['*'];
  if (theirs) return 'Connecting';
  return 'Connected';
}

export function connected(s: EmuState, a: RscRec, b: RscRec): boolean {
  return connState(s, a, b) === 'Connected';
}

export function hasQuorum(s: EmuState, rd: RdRec, rsc: RscRec): boolean {
  if (rsc.drbd.quorumLost) return false;
  const q = (rdProp(s, rd, 'DrbdOptions/Resource/quorum') ?? 'off').toLowerCase();
  if (q === 'off') return true;
  const total = rd.resources.length;
  const reachable = 1 + rd.resources.filter((p) => p !== rsc && connected(s, rsc, p)).length;
  if (q === 'majority') return reachable * 2 > total;
  if (q === 'all') return reachable === total;
  const n = Number(q);
  return Number.isFinite(n) ? reachable >= n : true;
}

export function allowTwoPrimaries(s: EmuState, rd: RdRec): boolean {
  return (rdProp(s, rd, 'DrbdOptions/Net/allow-two-primaries') ?? 'no').toLowerCase() === 'yes';
}

/**
 * The on-no-quorum policy in force on a replica: a Primary without quorum suspends or fails its
 * I/O (`DrbdOptions/Resource/on-no-quorum`, resolved RD → RG → controller; DRBD's own default is
 * suspend-io). Undefined while it has quorum or is not Primary.
 */
export function quorumIoMode(s: EmuState, rd: RdRec, rsc: RscRec): 'suspend-io' | 'io-error' | undefined {
  if (rsc.drbd.role !== 'Primary' || !nodeOnline(s, rsc.node) || hasQuorum(s, rd, rsc)) return undefined;
  const v = (rdProp(s, rd, 'DrbdOptions/Resource/on-no-quorum') ?? 'suspend-io').toLowerCase();
  return v === 'io-error' ? 'io-error' : 'suspend-io';
}

export function resourceView(s: EmuState, rd: RdRec, rsc: RscRec, now: number): ResourceView {
  const quorum = hasQuorum(s, rd, rsc);
  const devices: DeviceView[] = rd.vds
    .slice()
    .sort((a, b) => a.nr - b.nr)
    .map((vd) => ({
      volume: vd.nr,
      minor: vd.minor,
      diskState: diskState(rsc, vd.nr, now),
      client: isDiskless(rsc),
      open: rsc.drbd.role === 'Primary',
      quorum,
      sizeKib: vd.sizeKib,
    }));
  const peers = rd.resources.filter((p) => p !== rsc).sort((a, b) => a.nodeId - b.nodeId);
  const connections: ConnectionView[] = peers.map((p) => {
    const cs = connState(s, rsc, p);
    const up = cs === 'Connected';
    return {
      peerNodeId: p.nodeId,
      name: p.node,
      connectionState: cs,
      peerRole: up ? p.drbd.role : 'Unknown',
      peerDevices: devices.map((d) => ({
        volume: d.volume,
        replicationState: up ? 'Established' : 'Off',
        peerDiskState: up ? diskState(p, d.volume, now) : 'DUnknown',
        peerClient: up ? isDiskless(p) : false,
      })),
    };
  });
  const onNoQuorum = quorumIoMode(s, rd, rsc);
  const suspendedQuorum = onNoQuorum === 'suspend-io';
  return {
    name: rd.name,
    nodeId: rsc.nodeId,
    role: rsc.drbd.role,
    suspended: suspendedQuorum,
    suspendedQuorum,
    forceIoFailures: onNoQuorum === 'io-error',
    devices,
    connections,
  };
}

/** Resources present on a node, as DRBD names them (sorted like drbdsetup does). */
export function nodeResources(s: EmuState, node: string): { rd: RdRec; rsc: RscRec }[] {
  const out: { rd: RdRec; rsc: RscRec }[] = [];
  for (const rd of s.rds) {
    const rsc = findRsc(rd, node);
    if (rsc && !rsc.flags.includes('DELETE')) out.push({ rd, rsc });
  }
  return out.sort((a, b) => (a.rd.name < b.rd.name ? -1 : a.rd.name > b.rd.name ? 1 : 0));
}

/** `drbdsetup status --json`, shaped and ordered as drbd-utils 9 prints it. */
export function statusJson(views: ResourceView[]): string {
  const res = views.map((v) => ({
    name: v.name,
    'node-id': v.nodeId,
    role: v.role,
    suspended: v.suspended,
    'suspended-user': false,
    'suspended-no-data': false,
    'suspended-fencing': false,
    'suspended-quorum': v.suspendedQuorum,
    'force-io-failures': v.forceIoFailures,
    'write-ordering': 'flush',
    devices: v.devices.map((d) => ({
      volume: d.volume,
      minor: d.minor,
      'disk-state': d.diskState,
      client: d.client,
      open: d.open,
      quorum: d.quorum,
      size: d.sizeKib,
      read: 0,
      written: 0,
      'al-writes': 0,
      'bm-writes': 0,
      'upper-pending': 0,
      'lower-pending': 0,
    })),
    connections: v.connections.map((c) => ({
      'peer-node-id': c.peerNodeId,
      name: c.name,
      'connection-state': c.connectionState,
      congested: false,
      'peer-role': c.peerRole,
      tls: false,
      'ap-in-flight': 0,
      'rs-in-flight': 0,
      peer_devices: c.peerDevices.map((p) => ({
        volume: p.volume,
        'replication-state': p.replicationState,
        'peer-disk-state': p.peerDiskState,
        'peer-client': p.peerClient,
        'resync-suspended': 'no',
        received: 0,
        sent: 0,
        'out-of-sync': 0,
        pending: 0,
        unacked: 0,
        'has-sync-details': false,
        'has-online-verify-details': false,
        'percent-in-sync': 100,
      })),
    })),
  }));
  return JSON.stringify(res, null, 2).replace(/"percent-in-sync": 100\b/g, '"percent-in-sync": 100.00') + '\n';
}

/** `drbdsetup status` / `drbdadm status` text (not a tty: client flags are printed). */
export function statusText(views: ResourceView[], verbose: boolean): string {
  const lines: string[] = [];
  for (const v of views) {
    let head = v.name;
    if (verbose) head += ` node-id:${v.nodeId}`;
    head += ` role:${v.role}`;
    if (verbose || v.suspended) head += ` suspended:${v.suspendedQuorum ? 'quorum' : 'no'}`;
    lines.push(head);
    const single = v.devices.length === 1;
    for (const d of v.devices) {
      let l = '  ';
      if (verbose || !(single && d.volume === 0)) l += `volume:${d.volume}${verbose ? ` minor:${d.minor}` : ''} `;
      l += `disk:${d.diskState}`;
      if (d.diskState === 'Diskless') l += ` client:${d.client ? 'yes' : 'no'}`;
      if (verbose || !d.quorum) l += ` quorum:${d.quorum ? 'yes' : 'no'}`;
      l += ` open:${d.open ? 'yes' : 'no'}`;
      lines.push(l);
    }
    for (const c of v.connections) {
      let l = `  ${c.name}`;
      if (verbose) l += ` node-id:${c.peerNodeId}`;
      if (verbose || c.connectionState !== 'Connected') l += ` connection:${c.connectionState}`;
      if (verbose || c.connectionState === 'Connected') l += ` role:${c.peerRole}`;
      lines.push(l);
      if (verbose || c.connectionState === 'Connected') {
        for (const p of c.peerDevices) {
          let pl = '    ';
          if (verbose || !(single && p.volume === 0)) pl += `volume:${p.volume} `;
          if (verbose) pl += `replication:${p.replicationState} `;
          pl += `peer-disk:${p.peerDiskState}`;
          if (p.peerDiskState === 'Diskless') pl += ` peer-client:${p.peerClient ? 'yes' : 'no'}`;
          lines.push(pl);
        }
      }
    }
    lines.push('');
  }
  return lines.map((l) => l.replace(/\s+$/, '')).join('\n') + (lines.length ? '\n' : '');
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface PromoteOutcome {
  ok: boolean;
  /** DRBD state-change failure, e.g. "(-1) Multiple primaries not allowed by config". */
  failure?: string;
  changed: boolean;
}

/** The role change DRBD would allow; mutates the resource's role on success. */
export function promote(s: EmuState, rd: RdRec, rsc: RscRec, force: boolean, now: number): PromoteOutcome {
  if (rsc.drbd.role === 'Primary') return { ok: true, changed: false };
  const others = rd.resources.filter((p) => p !== rsc && p.drbd.role === 'Primary' && connected(s, rsc, p));
  if (others.length > 0 && !allowTwoPrimaries(s, rd)) {
    return { ok: false, failure: '(-1) Multiple primaries not allowed by config', changed: false };
  }
  const hasData = (r: RscRec): boolean => rd.vds.every((vd) => diskState(r, vd.nr, now) === 'UpToDate');
  const localData = !isDiskless(rsc) && hasData(rsc);
  const peerData = rd.resources.some((p) => p !== rsc && !isDiskless(p) && connected(s, rsc, p) && hasData(p));
  if (!localData && !peerData && !(force && !isDiskless(rsc))) {
    return { ok: false, failure: '(-2) Need access to UpToDate data', changed: false };
  }
  if (!force && !hasQuorum(s, rd, rsc)) {
    return { ok: false, failure: '(-23) No quorum', changed: false };
  }
  rsc.drbd.role = 'Primary';
  return { ok: true, changed: true };
}

export const DRBD_KERNEL_VERSION = '9.2.12';
export const DRBD_UTILS_VERSION = '9.29.0';

function versionText(tool: 'drbdadm' | 'drbdsetup'): string {
  const prefix = tool === 'drbdadm' ? 'DRBDADM' : 'DRBDSETUP';
  return [
    `${prefix}_BUILDTAG=GIT-hash:\\ linstor-csi-emulator\\ build\\ by\\ emulator`,
    `${prefix}_API_VERSION=2`,
    'DRBD_KERNEL_VERSION_CODE=0x09020c',
    `DRBD_KERNEL_VERSION=${DRBD_KERNEL_VERSION}`,
    `${prefix}_VERSION_CODE=0x091d00`,
    `${prefix}_VERSION=${DRBD_UTILS_VERSION}`,
    '',
  ].join('\n');
}

interface Parsed {
  cmd?: string;
  args: string[];
  flags: Set<string>;
}

function parseArgs(argv: string[]): Parsed {
  const flags = new Set<string>();
  const args: string[] = [];
  for (const a of argv) {
    if (a === '--') continue;
    if (a.startsWith('-')) flags.add(a.replace(/=.*$/, ''));
    else args.push(a);
  }
  const [cmd, ...rest] = args;
  return cmd === undefined ? { args: rest, flags } : { cmd, args: rest, flags };
}

/** Outcome of a stand-in invocation; `changed` tells the caller to persist. */
export interface ToolOutcome extends ExecResult {
  changed: boolean;
}

/** Runs `drbdadm` or `drbdsetup` as it would behave on `node`. */
export function runTool(s: EmuState, node: string, tool: 'drbdadm' | 'drbdsetup', argv: string[], now: number): ToolOutcome {
  const p = parseArgs(argv);
  const out = (stdout: string, code = 0, stderr = '', changed = false): ToolOutcome => ({ stdout, stderr, code, changed });
  if (p.flags.has('--version') || p.flags.has('-V') || p.cmd === 'version' || p.cmd === '--version') return out(versionText(tool));
  if (!p.cmd) return out('', 20, `USAGE: ${tool} command {arguments} [options]\n`);
  const resName = p.args[0];
  const lookup = (name: string): { rd: RdRec; rsc: RscRec } | undefined => {
    const rd = findRd(s, name);
    const rsc = rd ? findRsc(rd, node) : undefined;
    return rd && rsc && !rsc.flags.includes('DELETE') && rd.name === name ? { rd, rsc } : undefined;
  };
  const notDefined = (name: string): ToolOutcome =>
    tool === 'drbdadm'
      ? out('', 10, `'${name}' not defined in your config (for this host).\n`)
      : out('', 10, `${name}: No such resource\n`);

  switch (p.cmd) {
    case 'status': {
      const all = resName === undefined || resName === 'all';
      const list = nodeResources(s, node).filter((x) => all || x.rd.name === resName);
      if (!all && list.length === 0) return notDefined(resName ?? '');
      const views = list.map((x) => resourceView(s, x.rd, x.rsc, now));
      const verbose = p.flags.has('--verbose') || p.flags.has('-v');
      if (tool === 'drbdsetup' && p.flags.has('--json')) return out(statusJson(views));
      if (views.length === 0) return out('# No currently configured DRBD found.\n');
      return out(statusText(views, verbose));
    }
    case 'role': {
      if (!resName) return out('', 20, `USAGE: ${tool} role {resource}\n`);
      const x = lookup(resName);
      if (!x) return tool === 'drbdadm' ? notDefined(resName) : out('', 10, `${resName}: Unknown resource\n`);
      return out(`${x.rsc.drbd.role}\n`);
    }
    case 'primary':
    case 'secondary': {
      if (!resName) return out('', 20, `USAGE: ${tool} ${p.cmd} {resource}\n`);
      const x = lookup(resName);
      if (!x) {
        if (tool === 'drbdadm') return notDefined(resName);
        return out('', 10, `${resName}: Failure: (158) Unknown resource\n`);
      }
      const force = p.flags.has('--force');
      if (p.cmd === 'secondary') {
        const changed = x.rsc.drbd.role !== 'Secondary';
        x.rsc.drbd.role = 'Secondary';
        return out('', 0, '', changed);
      }
      const r = promote(s, x.rd, x.rsc, force, now);
      if (r.ok) return out('', 0, '', r.changed);
      let err = `${resName}: State change failed: ${r.failure ?? ''}\n`;
      if (tool === 'drbdadm') err += `Command 'drbdsetup primary ${resName}${force ? ' --force' : ''}' terminated with exit code 11\n`;
      return out('', 11, err);
    }
    case 'connect':
    case 'disconnect': {
      const target = connectTarget(tool, p, lookup);
      if ('usage' in target) return out('', 20, `USAGE: ${tool} ${p.cmd} ${target.usage}\n`);
      if ('missing' in target) {
        if (tool === 'drbdadm') return notDefined(target.missing);
        return out('', 10, `${target.missing}: Failure: (158) Unknown resource\n`);
      }
      const changed = p.cmd === 'disconnect' ? disconnectPeers(target.rsc, target.peers) : connectPeers(target.rsc, target.peers, p.flags.has('--discard-my-data'), () => target.others);
      return out('', 0, '', changed);
    }
    default:
      return out('', 20, tool === 'drbdadm' ? `drbdadm: Unknown command '${p.cmd}'\n` : `${tool}: unknown command '${p.cmd}'\n`);
  }
}

type Lookup = (name: string) => { rd: RdRec; rsc: RscRec } | undefined;
type ConnectTarget = { rsc: RscRec; peers: RscRec[]; others: RscRec[] } | { usage: string } | { missing: string };

/**
 * The resource and peers of `connect`/`disconnect`: drbdadm takes RES or RES:PEER (every peer by
 * default), drbdsetup takes RES PEER_NODE_ID.
 */
function connectTarget(tool: 'drbdadm' | 'drbdsetup', p: Parsed, lookup: Lookup): ConnectTarget {
  const first = p.args[0];
  if (!first) return { usage: tool === 'drbdadm' ? '{resource}[:{peer}]' : '{resource} {peer_node_id}' };
  const [res = '', peerName] = tool === 'drbdadm' ? first.split(':') : [first, undefined];
  const x = lookup(res);
  if (!x) return { missing: res };
  const others = x.rd.resources.filter((r) => r !== x.rsc);
  if (tool === 'drbdsetup') {
    const id = Number(p.args[1]);
    if (p.args[1] === undefined || !Number.isInteger(id)) return { usage: '{resource} {peer_node_id}' };
    const peer = others.find((r) => r.nodeId === id);
    return peer ? { rsc: x.rsc, peers: [peer], others } : { missing: `${res}:${id}` };
  }
  if (peerName === undefined) return { rsc: x.rsc, peers: others, others };
  const peer = others.find((r) => same(r.node, peerName));
  return peer ? { rsc: x.rsc, peers: [peer], others } : { missing: first };
}

/** `disconnect`: the connections go StandAlone (DRBD keeps them down until `connect`). */
function disconnectPeers(rsc: RscRec, peers: RscRec[]): boolean {
  let changed = false;
  for (const p of peers) {
    const key = p.node.toUpperCase();
    if (rsc.drbd.connOverride[key] === 'StandAlone') continue;
    rsc.drbd.connOverride[key] = 'StandAlone';
    changed = true;
  }
  return changed;
}

/**
 * `connect [--discard-my-data]`: StandAlone connections start connecting again; the handshake
 * (and with it split-brain detection or the resync) runs in replication.ts once both ends connect.
 * A connection that is already up or connecting is left as it is.
 */
function connectPeers(rsc: RscRec, peers: RscRec[], discard: boolean, allPeersOf: (r: RscRec) => RscRec[]): boolean {
  let changed = false;
  const all = rsc.drbd.connOverride['*'];
  if (all !== undefined) {
    // An injected every-peer state: keep it for the peers not named.
    delete rsc.drbd.connOverride['*'];
    for (const r of allPeersOf(rsc)) if (!peers.includes(r)) rsc.drbd.connOverride[r.node.toUpperCase()] ??= all;
    changed = true;
  }
  for (const p of peers) {
    const key = p.node.toUpperCase();
    if (rsc.drbd.connOverride[key] === undefined) continue;
    delete rsc.drbd.connOverride[key];
    changed = true;
  }
  if (discard && !rsc.drbd.discardMyData) {
    rsc.drbd.discardMyData = true;
    changed = true;
  }
  return changed;
}

/** What the controller knows about a resource: satellite state, or nothing while offline. */
export function controllerConnections(s: EmuState, rd: RdRec, rsc: RscRec): Record<string, { connected: boolean; message: string }> {
  const out: Record<string, { connected: boolean; message: string }> = {};
  for (const p of rd.resources) {
    if (p === rsc) continue;
    const cs = connState(s, rsc, p);
    out[p.node] = { connected: cs === 'Connected', message: cs };
  }
  return out;
}

export { isTieBreaker, same };
