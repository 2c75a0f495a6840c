/**
 * The control API (outside /v1, under /emulator/) for tests and benchmarks: latency, injected
 * failures, node online/offline, injected DRBD states, the request log, and the DRBD tool endpoint
 * the stand-ins call. `Control` is the typed in-process client; the HTTP routes wrap the same calls.
 */
import type { ApiCallRc } from '../linstor/types.js';
import { FAIL_UNKNOWN_ERROR, parseLinstorJson } from '../linstor/apicallrc.js';
import { apiCallRc } from './replies.js';
import type { Core } from './core.js';
import { type ExecResult, runTool } from './drbd.js';
import { reconcile, reconcileAll } from './replication.js';
import { type Reply, type Req, type Router, ok } from './http.js';
import { type SeedSpec, SeedError, seedVolumes } from './seed.js';
import { type ConnState, findNode, findPool, findRd, findRsc, isDiskless } from './state.js';
import { PROVIDER_KINDS, isProviderKind, type ProviderKind } from './providers.js';

export interface RouteMatch {
  /** HTTP method, e.g. "POST"; any method when omitted or "*". */
  method?: string;
  /** Regular expression tested against the request path (without the query string). */
  path?: string;
}

export interface LatencyRule extends RouteMatch {
  ms: number;
}

export interface FailRule extends RouteMatch {
  /** How many matching calls fail (default 1). */
  count?: number;
  /** HTTP status (default 500). */
  status?: number;
  /** Reply body: ApiCallRc entries (default one FAIL_UNKNOWN_ERROR entry). */
  entries?: ApiCallRc[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** Resource definition the request concerned, if any. */
  rd?: string;
  /** ms since epoch when the request arrived. */
  at: number;
}

export const DISK_STATES = ['Diskless', 'Attaching', 'Detaching', 'Failed', 'Negotiating', 'Inconsistent', 'Outdated', 'DUnknown', 'Consistent', 'UpToDate'] as const;
export const CONN_STATES: readonly ConnState[] = ['Connected', 'Connecting', 'StandAlone', 'Disconnecting', 'NetworkFailure', 'ProtocolError', 'TearDown', 'Unconnected', 'Timeout', 'BrokenPipe'];

export interface EmulatorControl {
  /** Adds latency (ms) to matching /v1 calls; no match = every call. `ms` 0 removes the rule. */
  setLatency(ms: number, match?: RouteMatch): Promise<void>;
  clearLatency(): Promise<void>;
  /** Fails the next N calls matching method+path with the given status and body. */
  failNext(rule: FailRule): Promise<void>;
  clearFailures(): Promise<void>;
  /** Offline: connection_status OFFLINE, no resource state, roles drop to Secondary, links removed. */
  setNodeOnline(node: string, online: boolean): Promise<void>;
  /** Injects a disk state for a resource's volume on a node; null clears it. */
  setDiskState(rd: string, node: string, state: string | null, volume?: number): Promise<void>;
  /** Injects a connection state (e.g. StandAlone) of `node` towards `peer` (every peer when omitted); null clears. */
  setConnectionState(rd: string, node: string, state: ConnState | null, peer?: string): Promise<void>;
  /** Marks the resource on `node` as having lost quorum (true) or restores it. */
  setQuorumLost(rd: string, node: string, lost: boolean): Promise<void>;
  /** Sets the provider kind (and, for FILE/FILE_THIN, reflink support) of a node's storage pool. */
  setPoolProvider(node: string, pool: string, kind: ProviderKind, reflink?: boolean): Promise<void>;
  /**
   * Cuts the network: nodes in different groups cannot reach each other (nodes not listed form
   * one more group together); null or [] heals it. Reconnecting replicas run DRBD's handshake.
   */
  setPartition(groups: string[][] | null): Promise<void>;
  requestLog(): Promise<RequestLogEntry[]>;
  clearRequestLog(): Promise<void>;
  /** Adds `count` volumes in one step, without devices (benchmarks of large clusters); resolves with the count. */
  seedVolumes(spec: SeedSpec): Promise<number>;
  /** Runs a DRBD tool stand-in command as on `node` (what the bin/ scripts call). */
  drbd(node: string, tool: 'drbdadm' | 'drbdsetup', args: string[]): Promise<ExecResult>;
}

class ControlError extends Error {}

function matches(m: RouteMatch, method: string, path: string): boolean {
  if (m.method && m.method !== '*' && m.method.toUpperCase() !== method) return false;
  if (m.path) {
    try {
      if (!new RegExp(m.path).test(path)) return false;
    } catch {
      return m.path === path;
    }
  }
  return true;
}

export class Control implements EmulatorControl {
  private latencies: LatencyRule[] = [];
  private fails: (FailRule & { left: number })[] = [];
  private log: RequestLogEntry[] = [];
  private static readonly LOG_MAX = 20000;

  constructor(private readonly core: Core) {}

  // ---- hooks used by the server ----
  latencyFor(method: string, path: string): number {
    return this.latencies.filter((l) => matches(l, method, path)).reduce((a, l) => a + l.ms, 0);
  }

  takeFailure(method: string, path: string): Reply | undefined {
    const f = this.fails.find((x) => x.left > 0 && matches(x, method, path));
    if (!f) return undefined;
    f.left--;
    this.fails = this.fails.filter((x) => x.left > 0);
    const entries = f.entries && f.entries.length > 0 ? f.entries : [apiCallRc(FAIL_UNKNOWN_ERROR, 0n, 0n, { message: 'Injected failure (emulator control API).' })];
    return { status: f.status ?? 500, body: entries };
  }

  record(e: RequestLogEntry): void {
    this.log.push(e);
    if (this.log.length > Control.LOG_MAX) this.log.splice(0, this.log.length - Control.LOG_MAX);
  }

  // ---- EmulatorControl ----
  async setLatency(ms: number, match: RouteMatch = {}): Promise<void> {
    this.latencies = this.latencies.filter((l) => !(l.method === match.method && l.path === match.path));
    if (ms > 0) this.latencies.push({ ms, ...match });
  }
  async clearLatency(): Promise<void> {
    this.latencies = [];
  }
  async failNext(rule: FailRule): Promise<void> {
    this.fails.push({ ...rule, left: rule.count ?? 1 });
  }
  async clearFailures(): Promise<void> {
    this.fails = [];
  }

  async setNodeOnline(node: string, online: boolean): Promise<void> {
    await this.core.mutate(async () => {
      const n = findNode(this.core.state, node);
      if (!n) throw new ControlError(`node '${node}' not found`);
      if (n.online === online) return;
      n.online = online;
      for (const rd of this.core.state.rds) {
        const rsc = findRsc(rd, n.name);
        if (!rsc) continue;
        if (!online) rsc.drbd.role = 'Secondary';
        else if (!isDiskless(rsc) && this.core.cfg.resyncMs > 0) rsc.drbd.resyncUntil = this.core.now() + this.core.cfg.resyncMs;
        if (!online) await this.core.sats.unlinkRsc(n.name, rd.name);
        else await reconcile(this.core, rd, true);
      }
    });
  }

  private target(rd: string, node: string): { rsc: NonNullable<ReturnType<typeof findRsc>> } {
    const d = findRd(this.core.state, rd);
    const rsc = d ? findRsc(d, node) : undefined;
    if (!d || !rsc) throw new ControlError(`resource '${rd}' on node '${node}' not found`);
    return { rsc };
  }

  async setDiskState(rd: string, node: string, state: string | null, volume?: number): Promise<void> {
    if (state !== null && !(DISK_STATES as readonly string[]).includes(state)) throw new ControlError(`unknown disk state '${state}'`);
    await this.core.mutate(() => {
      const { rsc } = this.target(rd, node);
      const d = findRd(this.core.state, rd);
      const vols = volume !== undefined ? [volume] : (d?.vds.map((v) => v.nr) ?? [0]);
      for (const v of vols) {
        if (state === null) delete rsc.drbd.diskOverride[String(v)];
        else rsc.drbd.diskOverride[String(v)] = state;
      }
      if (state === null) delete rsc.drbd.resyncUntil;
    });
  }

  async setPoolProvider(node: string, pool: string, kind: ProviderKind, reflink?: boolean): Promise<void> {
    if (!isProviderKind(kind)) throw new ControlError(`unknown provider kind '${String(kind)}' (one of ${PROVIDER_KINDS.join(', ')})`);
    await this.core.mutate(() => {
      const p = findPool(this.core.state, node, pool);
      if (!p || p.kind === 'DISKLESS') throw new ControlError(`storage pool '${pool}' on node '${node}' not found`);
      p.kind = kind;
      if (reflink === undefined) delete p.reflink;
      else p.reflink = reflink;
    });
  }

  async setConnectionState(rd: string, node: string, state: ConnState | null, peer?: string): Promise<void> {
    if (state !== null && !CONN_STATES.includes(state)) throw new ControlError(`unknown connection state '${state}'`);
    await this.core.mutate(() => {
      const { rsc } = this.target(rd, node);
      const key = peer ? peer.toUpperCase() : '*';
      if (state === null || state === 'Connected') delete rsc.drbd.connOverride[key];
      else rsc.drbd.connOverride[key] = state;
      if (!peer && state === null) rsc.drbd.connOverride = {};
      const d = findRd(this.core.state, rd);
      return d ? reconcile(this.core, d) : undefined;
    });
  }

  async setPartition(groups: string[][] | null): Promise<void> {
    const list = groups ?? [];
    const seen = new Set<string>();
    for (const g of list) {
      if (!Array.isArray(g)) throw new ControlError('partition: groups must be arrays of node names');
      for (const n of g) {
        if (typeof n !== 'string' || !findNode(this.core.state, n)) throw new ControlError(`partition: node '${String(n)}' not found`);
        if (seen.has(n.toUpperCase())) throw new ControlError(`partition: node '${n}' is in two groups`);
        seen.add(n.toUpperCase());
      }
    }
    await this.core.mutate(async () => {
      if (list.length === 0) delete this.core.state.partition;
      else this.core.state.partition = list.map((g) => g.map((n) => findNode(this.core.state, n)?.name ?? n));
      await reconcileAll(this.core);
    });
  }

  async setQuorumLost(rd: string, node: string, lost: boolean): Promise<void> {
    await this.core.mutate(() => {
      this.target(rd, node).rsc.drbd.quorumLost = lost;
    });
  }

  async seedVolumes(spec: SeedSpec): Promise<number> {
    return this.core.mutate(() => {
      try {
        return seedVolumes(this.core, spec);
      } catch (e) {
        throw e instanceof SeedError ? new ControlError(e.message) : e;
      }
    });
  }

  async requestLog(): Promise<RequestLogEntry[]> {
    return this.log.map((e) => ({ ...e }));
  }
  async clearRequestLog(): Promise<void> {
    this.log = [];
  }

  async drbd(node: string, tool: 'drbdadm' | 'drbdsetup', args: string[]): Promise<ExecResult> {
    const run = (): ExecResult => {
      const r = runTool(this.core.state, node, tool, args, this.core.now());
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    };
    const writes = args.some((a) => a === 'primary' || a === 'secondary' || a === 'connect' || a === 'disconnect');
    if (!writes) return run();
    return this.core.mutate(async () => {
      const r = runTool(this.core.state, node, tool, args, this.core.now());
      // Role and connection changes may fork the copies or run the reconnect handshake.
      const rd = r.changed ? toolTarget(this.core, args) : undefined;
      if (rd) await reconcile(this.core, rd);
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    });
  }
}

/** The RD a state-changing drbdadm/drbdsetup command names (`RES` or `RES:PEER`). */
function toolTarget(core: Core, args: string[]): ReturnType<typeof findRd> {
  const words = args.filter((a) => !a.startsWith('-'));
  const res = words[1]?.split(':')[0];
  return res ? findRd(core.state, res) : undefined;
}

function body<T>(req: Req): T {
  const v = req.raw.trim() === '' ? {} : parseLinstorJson(req.raw);
  if (v === null || typeof v !== 'object') throw new ControlError('body must be a JSON object');
  return v as T;
}

export function registerControl(r: Router, c: Control): void {
  const wrap =
    (fn: (req: Req) => Promise<unknown>) =>
    async (req: Req): Promise<Reply> => {
      try {
        const v = await fn(req);
        return ok(v ?? { ok: true });
      } catch (e) {
        if (e instanceof ControlError || e instanceof SyntaxError) return { status: 400, body: { error: e.message } };
        throw e;
      }
    };
  r.add('POST', '/emulator/latency', wrap(async (req) => {
    const b = body<LatencyRule>(req);
    await c.setLatency(Number(b.ms) || 0, { ...(b.method ? { method: b.method } : {}), ...(b.path ? { path: b.path } : {}) });
  }));
  r.add('DELETE', '/emulator/latency', wrap(() => c.clearLatency()));
  r.add('POST', '/emulator/fail-next', wrap(async (req) => c.failNext(body<FailRule>(req))));
  r.add('DELETE', '/emulator/fail-next', wrap(() => c.clearFailures()));
  r.add('POST', '/emulator/nodes/:node/online', wrap(async (req) => c.setNodeOnline(req.params['node'] ?? '', body<{ online?: boolean }>(req).online !== false)));
  r.add('POST', '/emulator/resources/:rd/:node/disk-state', wrap(async (req) => {
    const b = body<{ state?: string | null; volume?: number }>(req);
    await c.setDiskState(req.params['rd'] ?? '', req.params['node'] ?? '', b.state ?? null, b.volume);
  }));
  r.add('POST', '/emulator/resources/:rd/:node/connection', wrap(async (req) => {
    const b = body<{ state?: ConnState | null; peer?: string }>(req);
    await c.setConnectionState(req.params['rd'] ?? '', req.params['node'] ?? '', b.state ?? null, b.peer);
  }));
  r.add('POST', '/emulator/resources/:rd/:node/quorum', wrap(async (req) => {
    await c.setQuorumLost(req.params['rd'] ?? '', req.params['node'] ?? '', body<{ lost?: boolean }>(req).lost === true);
  }));
  r.add('POST', '/emulator/seed-volumes', wrap(async (req) => ({ created: await c.seedVolumes(body<SeedSpec>(req)) })));
  r.add('POST', '/emulator/pools/:node/:pool/provider', wrap(async (req) => {
    const b = body<{ kind?: string; reflink?: boolean }>(req);
    await c.setPoolProvider(req.params['node'] ?? '', req.params['pool'] ?? '', (b.kind ?? '') as ProviderKind, b.reflink);
  }));
  r.add('POST', '/emulator/partition', wrap(async (req) => c.setPartition(body<{ groups?: string[][] | null }>(req).groups ?? null)));
  r.add('DELETE', '/emulator/partition', wrap(() => c.setPartition(null)));
  r.add('GET', '/emulator/request-log', wrap(() => c.requestLog()));
  r.add('DELETE', '/emulator/request-log', wrap(() => c.clearRequestLog()));
  r.add('POST', '/emulator/drbd/:node/:tool', wrap(async (req) => {
    const tool = req.params['tool'];
    if (tool !== 'drbdadm' && tool !== 'drbdsetup') throw new ControlError(`unknown tool '${tool ?? ''}'`);
    const b = body<{ args?: unknown }>(req);
    const args = Array.isArray(b.args) ? b.args.map(String) : [];
    return c.drbd(req.params['node'] ?? '', tool, args);
  }));
  // The stand-ins' wire format (a bash script cannot build or parse JSON): the body is the argv,
  // each argument followed by a NUL; the reply is "CODE STDOUT_BYTES STDERR_BYTES\n", then both outputs.
  r.add('POST', '/emulator/drbd/:node/:tool/argv', async (req) => {
    const tool = req.params['tool'];
    if (tool !== 'drbdadm' && tool !== 'drbdsetup') return { status: 400, text: `unknown tool '${tool ?? ''}'` };
    const args = req.raw === '' ? [] : req.raw.replace(/\0$/, '').split('\0');
    const res = await c.drbd(req.params['node'] ?? '', tool, args);
    return { status: 200, text: `${res.code} ${Buffer.byteLength(res.stdout)} ${Buffer.byteLength(res.stderr)}\n${res.stdout}${res.stderr}` };
  });
}
