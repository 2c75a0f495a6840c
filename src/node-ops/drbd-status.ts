/** Typed `drbdsetup status --json` (DRBD 9) and its parser (pure, unit-tested). */

export interface DrbdDevice {
  volume: number;
  minor: number;
  /** UpToDate, Inconsistent, Outdated, Diskless, Failed, Attaching, Negotiating, DUnknown, Consistent, Detaching. */
  diskState: string;
  /** A diskless client (reads and writes go to peers). */
  client: boolean;
  quorum: boolean;
  /** Usable size in KiB, when reported. */
  sizeKib?: number;
  /** Whether the device is held open (drbd-utils ≥ 9.2x prints it). */
  open?: boolean;
}

export interface DrbdPeerDevice {
  volume: number;
  replicationState: string;
  peerDiskState: string;
  peerClient: boolean;
}

export interface DrbdConnection {
  peerNodeId: number;
  /** The peer's node name. */
  name: string;
  /** Connected, Connecting, StandAlone, Disconnecting, Unconnected, Timeout, BrokenPipe, NetworkFailure, ProtocolError, TearDown. */
  connectionState: string;
  /** Primary, Secondary, Unknown. */
  peerRole: string;
  peerDevices: DrbdPeerDevice[];
}

export interface DrbdResourceStatus {
  name: string;
  nodeId: number;
  role: string;
  suspended: boolean;
  devices: DrbdDevice[];
  connections: DrbdConnection[];
}

export class DrbdStatusParseError extends Error {
  constructor(msg: string) {
    super(`cannot read drbdsetup status --json: ${msg}`);
    this.name = 'DrbdStatusParseError';
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DrbdStatusParseError(`${what} is not an object`);
  return v as Obj;
}
function s(o: Obj, k: string, what: string, dflt?: string): string {
  const v = o[k];
  if (typeof v === 'string') return v;
  if (v === undefined && dflt !== undefined) return dflt;
  throw new DrbdStatusParseError(`${what}.${k} is missing or not a string`);
}
function n(o: Obj, k: string, what: string, dflt?: number): number {
  const v = o[k];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === undefined && dflt !== undefined) return dflt;
  throw new DrbdStatusParseError(`${what}.${k} is missing or not a number`);
}
function b(o: Obj, k: string, dflt: boolean): boolean {
  const v = o[k];
  return typeof v === 'boolean' ? v : dflt;
}
function arr(o: Obj, k: string): unknown[] {
  const v = o[k];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new DrbdStatusParseError(`${k} is not an array`);
  return v;
}

function parseResource(v: unknown): DrbdResourceStatus {
  const r = obj(v, 'resource');
  const name = s(r, 'name', 'resource');
  const w = `resource ${name}`;
  return {
    name,
    nodeId: n(r, 'node-id', w, -1),
    role: s(r, 'role', w),
    suspended: b(r, 'suspended', false),
    devices: arr(r, 'devices').map((dv) => {
      const d = obj(dv, `${w} device`);
      const dev: DrbdDevice = {
        volume: n(d, 'volume', `${w} device`),
        minor: n(d, 'minor', `${w} device`, -1),
        diskState: s(d, 'disk-state', `${w} device`),
        client: b(d, 'client', false),
        // Older drbd-utils omit quorum; absent means "no quorum configured", i.e. not lost.
        quorum: b(d, 'quorum', true),
      };
      if (typeof d.size === 'number') dev.sizeKib = d.size;
      if (typeof d.open === 'boolean') dev.open = d.open;
      return dev;
    }),
    connections: arr(r, 'connections').map((cv) => {
      const c = obj(cv, `${w} connection`);
      const cw = `${w} connection`;
      // DRBD spells this one key with an underscore.
      const pds = c.peer_devices !== undefined ? arr(c, 'peer_devices') : arr(c, 'peer-devices');
      return {
        peerNodeId: n(c, 'peer-node-id', cw, -1),
        name: s(c, 'name', cw),
        connectionState: s(c, 'connection-state', cw),
        peerRole: s(c, 'peer-role', cw, 'Unknown'),
        peerDevices: pds.map((pv) => {
          const p = obj(pv, `${cw} peer device`);
          return {
            volume: n(p, 'volume', `${cw} peer device`),
            replicationState: s(p, 'replication-state', `${cw} peer device`, 'Off'),
            peerDiskState: s(p, 'peer-disk-state', `${cw} peer device`, 'DUnknown'),
            peerClient: b(p, 'peer-client', false),
          };
        }),
      };
    }),
  };
}

/** Parses the whole array `drbdsetup status [RES] --json` prints. */
export function parseDrbdStatusJson(text: string): DrbdResourceStatus[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DrbdStatusParseError(`not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(doc)) throw new DrbdStatusParseError('the top level is not an array');
  return doc.map(parseResource);
}

/** Names of peers that currently hold the Primary role. */
export function primaryPeers(st: DrbdResourceStatus): string[] {
  return st.connections.filter((c) => c.peerRole === 'Primary').map((c) => c.name);
}

export function deviceOf(st: DrbdResourceStatus, volume: number): DrbdDevice | undefined {
  return st.devices.find((d) => d.volume === volume);
}

/**
 * The data is reachable and current: the local disk is UpToDate, or (diskless client) a
 * connected peer's disk is.
 */
export function hasUpToDateData(st: DrbdResourceStatus, volume: number): boolean {
  const dev = deviceOf(st, volume);
  if (!dev) return false;
  if (dev.diskState === 'UpToDate') return true;
  if (dev.diskState !== 'Diskless') return false;
  return st.connections.some(
    (c) => c.connectionState === 'Connected' && c.peerDevices.some((p) => p.volume === volume && p.peerDiskState === 'UpToDate'),
  );
}
