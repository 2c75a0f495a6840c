import { readFileSync } from 'node:fs';
import { LinstorConfigError } from '../linstor/errors.js';
import { DRIVER_NAME } from '../csi/driver-name.js';
import { linstorConnectionFromEnv, parseEndpoints, type LinstorConnectionOptions } from '../linstor/options.js';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../log/logger.js';
import {
  ConfigError,
  flagOrEnv,
  formatHelp,
  parseBool,
  parseDuration,
  parseFlags,
  parsePositiveInt,
  rejectExtraPositionals,
  type FlagSpec,
  type ParsedFlags,
} from './flags.js';

export { ConfigError, wantsHelp } from './flags.js';

export type Mode = 'all' | 'controller' | 'node';
export const MODES: readonly Mode[] = ['all', 'controller', 'node'];

export type Endpoint = { kind: 'unix'; path: string; uri: string } | { kind: 'tcp'; host: string; port: number; uri: string };

/** Everything `linstor-csi serve` needs, validated. */
export interface Config {
  mode: Mode;
  csiEndpoint: Endpoint;
  /** LINSTOR node name of this host; required when the node service runs. */
  nodeName?: string;
  linstor: LinstorConnectionOptions;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** LINSTOR node property namespace that holds topology labels (prefix stripped). */
  propertyNamespace: string;
  /** Where the DRBD device of a volume appears; `{resource}` and `{volume}` are replaced. */
  devicePathTemplate: string;
  deviceWaitTimeoutMs: number;
  maxVolumesPerNode: number;
  /** The kubelet's root directory: the node service stages and publishes only beneath it. */
  kubeletDir: string;
  /** How long in-flight calls may run after SIGTERM before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** How long a Probe result (LINSTOR reachable or not) is reused. */
  probeCacheMs: number;
  probeTimeoutMs: number;
  /**
   * How long ListVolumes may reuse one read of LINSTOR (never past a write of this driver);
   * 0 or unset = every call reads LINSTOR. See controller-service/volume-listing.ts.
   */
  listingCacheMaxAgeMs?: number;
  /** The HA agent (node loss and failover); set when --ha is on. */
  ha?: HaOptions;
}

export interface HaOptions {
  failoverTimeoutMs: number;
  pollIntervalMs: number;
  taints: boolean;
  optOutAnnotation: string;
  /** Kubeconfig file; in-cluster credentials when unset. */
  kubeconfig?: string;
}

export const DEFAULT_CSI_ENDPOINT = `unix:///var/lib/kubelet/plugins/${DRIVER_NAME}/csi.sock`;
export const DEFAULT_KUBELET_DIR = '/var/lib/kubelet';
export const DEFAULT_DEVICE_PATH_TEMPLATE = '/dev/drbd/by-res/{resource}/{volume}';

export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: 'csi-endpoint', placeholder: 'URI', help: 'where the CSI gRPC server listens: unix:///path/csi.sock, or tcp://host:port for debugging', default: DEFAULT_CSI_ENDPOINT, env: ['CSI_ENDPOINT'] },
  { name: 'mode', placeholder: 'all|controller|node', help: 'which CSI services this process runs', default: 'all' },
  { name: 'node', placeholder: 'NAME', help: 'this host\'s LINSTOR node name (needed by the node service)', env: ['NODE_NAME', 'KUBE_NODE_NAME'] },
  { name: 'linstor-endpoint', placeholder: 'URL[,URL...]', help: 'LINSTOR controller(s): http(s)://host[:port], tried in order', env: ['LS_CONTROLLERS'] },
  { name: 'linstor-skip-tls-verification', boolean: true, help: 'do not verify the LINSTOR controller\'s TLS certificate (testing only)', default: 'false' },
  { name: 'bearer-token', placeholder: 'FILE', help: 'file holding a bearer token for the LINSTOR API', env: ['LS_BEARER_TOKEN_FILE'] },
  { name: 'linstor-request-timeout', placeholder: 'DURATION', help: 'timeout of one LINSTOR REST request', default: '60s' },
  { name: 'linstor-max-concurrency', placeholder: 'N', help: 'LINSTOR REST requests in flight at once', default: '16' },
  { name: 'log-level', placeholder: 'LEVEL', help: `log level: ${LOG_LEVELS.join('|')}`, default: 'info', env: ['LOG_LEVEL'] },
  { name: 'log-format', placeholder: 'json|text', help: 'log line format', default: 'json', env: ['LOG_FORMAT'] },
  { name: 'property-namespace', placeholder: 'NS', help: 'LINSTOR node property namespace holding topology labels', default: 'Aux/topology' },
  { name: 'label-by-storage-pool', boolean: true, help: 'accepted for compatibility with the Go driver; storage-pool topology labels are not emitted', default: 'false' },
  { name: 'device-path-template', placeholder: 'TEMPLATE', help: 'path of a volume\'s DRBD device; {resource} and {volume} are replaced', default: DEFAULT_DEVICE_PATH_TEMPLATE },
  { name: 'kubelet-dir', placeholder: 'DIR', help: 'the kubelet\'s root directory; staging and target paths must lie beneath it', default: DEFAULT_KUBELET_DIR },
  { name: 'device-wait-timeout', placeholder: 'DURATION', help: 'how long NodeStage waits for the DRBD device to appear', default: '30s' },
  { name: 'max-volumes-per-node', placeholder: 'N', help: 'max_volumes_per_node reported by NodeGetInfo', default: '1048576' },
  { name: 'listing-cache-max-age', placeholder: 'DURATION', help: 'how long ListVolumes may reuse one LINSTOR read (never past a write of this driver); changes made outside the driver show within this; 0s = always read', default: '2s' },
  { name: 'shutdown-timeout', placeholder: 'DURATION', help: 'how long in-flight calls may finish after SIGTERM', default: '30s' },
  { name: 'ha', boolean: true, help: 'run the HA agent beside the node service: fail volumes over from a node that lost them (needs Kubernetes API access)', default: 'false', env: ['LINSTOR_CSI_HA'] },
  { name: 'ha-failover-timeout', placeholder: 'DURATION', help: 'how long a peer must be unreachable before the HA agent fails its volumes over', default: '5s' },
  { name: 'ha-poll-interval', placeholder: 'DURATION', help: 'how often the HA agent reads the DRBD state (at most the failover timeout)', default: '1s' },
  { name: 'ha-taints', boolean: true, help: 'taint a node that lost a volume drbd.linbit.com/lost-quorum:NoSchedule, and untaint it once healthy', default: 'true' },
  { name: 'ha-opt-out-annotation', placeholder: 'KEY', help: 'pods with this annotation are never moved by the HA agent', default: 'drbd.linbit.com/ignore-fail-over' },
  { name: 'kubeconfig', placeholder: 'FILE', help: 'kubeconfig for the HA agent outside a cluster (in-cluster credentials otherwise)', env: ['KUBECONFIG'] },
  { name: 'version', boolean: true, help: 'print the version and exit' },
];

function spec(name: string): FlagSpec {
  const s = SERVE_FLAGS.find((f) => f.name === name);
  if (!s) throw new Error(`no flag spec ${name}`);
  return s;
}

export function serveHelp(): string {
  return formatHelp('Usage: linstor-csi serve [flags]\n\nServes the CSI Identity, Controller, GroupController and Node services on a unix socket.', SERVE_FLAGS);
}

export function parseCsiEndpoint(source: string, raw: string): Endpoint {
  const v = raw.trim();
  if (v.startsWith('unix://')) {
    const path = v.slice('unix://'.length);
    if (!path.startsWith('/')) {
      throw new ConfigError(source, `${source} must be an absolute socket path such as unix:///csi/csi.sock, got "${raw}"`);
    }
    if (path.includes('\0')) throw new ConfigError(source, `${source} contains a NUL byte`);
    return { kind: 'unix', path, uri: `unix://${path}` };
  }
  if (v.startsWith('unix:/')) {
    const path = v.slice('unix:'.length);
    return { kind: 'unix', path, uri: `unix://${path}` };
  }
  if (v.startsWith('tcp://')) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(v);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 0 || port > 65535) {
      throw new ConfigError(source, `${source} must look like tcp://127.0.0.1:10000, got "${raw}"`);
    }
    return { kind: 'tcp', host: (m[1] as string).replace(/^\[|\]$/g, ''), port, uri: v };
  }
  throw new ConfigError(
    source,
    `${source} must start with unix:// (e.g. ${DEFAULT_CSI_ENDPOINT}) or tcp:// (e.g. tcp://127.0.0.1:10000), got "${raw}"`,
  );
}

function required(parsed: ParsedFlags, name: string, env: Record<string, string | undefined>): { value: string; source: string } | undefined {
  return flagOrEnv(parsed, spec(name), env);
}

function withDefault(parsed: ParsedFlags, name: string, env: Record<string, string | undefined>): { value: string; source: string } {
  const s = spec(name);
  return flagOrEnv(parsed, s, env) ?? { value: s.default ?? '', source: `--${name}` };
}

/**
 * LINSTOR connection settings: the flags, then the Go driver's env names (LS_CONTROLLERS,
 * LS_ROOT_CA, LS_USER_CERTIFICATE, LS_USER_KEY, LS_BEARER_TOKEN_FILE, LS_USERNAME, LS_PASSWORD).
 */
export function linstorConnectionConfig(parsed: ParsedFlags, env: Record<string, string | undefined>): LinstorConnectionOptions {
  const ep = required(parsed, 'linstor-endpoint', env);
  if (!ep) {
    throw new ConfigError(
      '--linstor-endpoint',
      'no LINSTOR controller given: pass --linstor-endpoint=http://linstor-controller:3370 or set LS_CONTROLLERS',
    );
  }
  let cfg: LinstorConnectionOptions;
  try {
    // An empty list (e.g. "," or " ") must not silently fall back to the client's default controller.
    if (parseEndpoints(ep.value).length === 0) {
      throw new ConfigError(ep.source, `${ep.source} lists no controller; use e.g. http://linstor-controller:3370`);
    }
    cfg = linstorConnectionFromEnv({ ...env, LS_CONTROLLERS: ep.value });
  } catch (e) {
    if (e instanceof LinstorConfigError) {
      const flag = /LS_[A-Z_]+/.exec(e.message)?.[0] ?? ep.source;
      throw new ConfigError(flag, `${e.message}`);
    }
    throw e;
  }
  if ((cfg.certFile ?? cfg.cert) !== undefined && (cfg.keyFile ?? cfg.key) === undefined) {
    throw new ConfigError('LS_USER_KEY', 'a LINSTOR client certificate (LS_USER_CERTIFICATE) needs its key: set LS_USER_KEY too');
  }
  if ((cfg.keyFile ?? cfg.key) !== undefined && (cfg.certFile ?? cfg.cert) === undefined) {
    throw new ConfigError('LS_USER_CERTIFICATE', 'a LINSTOR client key (LS_USER_KEY) needs its certificate: set LS_USER_CERTIFICATE too');
  }
  if ((cfg.username === undefined) !== (cfg.password === undefined)) {
    throw new ConfigError('LS_USERNAME', 'basic auth to LINSTOR needs both LS_USERNAME and LS_PASSWORD');
  }
  const skip = withDefault(parsed, 'linstor-skip-tls-verification', env);
  const timeout = withDefault(parsed, 'linstor-request-timeout', env);
  const conc = withDefault(parsed, 'linstor-max-concurrency', env);
  const token = required(parsed, 'bearer-token', env);
  cfg.skipTlsVerify = parseBool(skip.source, skip.value);
  cfg.timeoutMs = parseDuration(timeout.source, timeout.value);
  if (cfg.timeoutMs <= 0) {
    throw new ConfigError(timeout.source, `${timeout.source} must be longer than 0 (every LINSTOR request would time out at once), e.g. 60s`);
  }
  cfg.maxConcurrency = parsePositiveInt(conc.source, conc.value);
  if (token) cfg.bearerTokenFile = token.value;
  return cfg;
}

/**
 * Checks that the files the LINSTOR connection needs (CA, client certificate and key, bearer
 * token) can be read, naming the env variable or flag at fault. Separate from parsing, which
 * must also work where those paths only exist inside the container (manifest checks).
 */
export function checkLinstorFiles(cfg: LinstorConnectionOptions, env: Record<string, string | undefined>): void {
  const envName = (name: string): string => (env[name] !== undefined && env[name]?.trim() !== '' ? name : `${name}_FILE`);
  const files: Array<{ file: string | undefined; flag: string; what: string }> = [
    { file: cfg.caFile, flag: envName('LS_ROOT_CA'), what: 'CA certificate' },
    { file: cfg.certFile, flag: envName('LS_USER_CERTIFICATE'), what: 'client certificate' },
    { file: cfg.keyFile, flag: envName('LS_USER_KEY'), what: 'client key' },
    { file: cfg.bearerTokenFile, flag: '--bearer-token', what: 'bearer token (--bearer-token or LS_BEARER_TOKEN_FILE)' },
  ];
  for (const { file, flag, what } of files) {
    if (file === undefined) continue;
    try {
      readFileSync(file);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new ConfigError(flag, `${flag}: cannot read the LINSTOR ${what} file "${file}" (${why}); fix the path or mount the file`);
    }
  }
}

/** The HA agent's kubeconfig must be readable at start, not on its first API call. */
export function checkKubeconfig(file: string): void {
  try {
    readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError('--kubeconfig', `--kubeconfig: cannot read "${file}" (${why}); fix the path or drop --kubeconfig to use in-cluster credentials`);
  }
}

/** Parses `linstor-csi serve` flags and env into one validated Config; throws ConfigError. */
export function parseServeArgs(argv: readonly string[], env: Record<string, string | undefined>): Config {
  const parsed = parseFlags(argv, SERVE_FLAGS);
  rejectExtraPositionals(parsed, 0, '; flags start with --');
  const mode = withDefault(parsed, 'mode', env);
  if (!MODES.includes(mode.value as Mode)) {
    throw new ConfigError('--mode', `--mode must be one of ${MODES.join(', ')}, got "${mode.value}"`);
  }
  const ep = withDefault(parsed, 'csi-endpoint', env);
  const level = withDefault(parsed, 'log-level', env);
  if (!LOG_LEVELS.includes(level.value as LogLevel)) {
    throw new ConfigError(level.source, `${level.source} must be one of ${LOG_LEVELS.join(', ')}, got "${level.value}"`);
  }
  const format = withDefault(parsed, 'log-format', env);
  if (format.value !== 'json' && format.value !== 'text') {
    throw new ConfigError(format.source, `${format.source} must be json or text, got "${format.value}"`);
  }
  const tmpl = withDefault(parsed, 'device-path-template', env);
  if (!tmpl.value.startsWith('/') || !tmpl.value.includes('{resource}')) {
    throw new ConfigError(
      '--device-path-template',
      `--device-path-template must be an absolute path containing {resource}, e.g. ${DEFAULT_DEVICE_PATH_TEMPLATE}`,
    );
  }
  const ns = withDefault(parsed, 'property-namespace', env);
  const node = required(parsed, 'node', env);
  const m = mode.value as Mode;
  if (m !== 'controller' && !node) {
    throw new ConfigError('--node', `--mode=${m} runs the node service, which needs this host's LINSTOR node name: pass --node=NAME or set NODE_NAME`);
  }
  if (node && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(node.value)) {
    throw new ConfigError(node.source, `${node.source} must be a LINSTOR node name (letters, digits, ".", "_", "-"), got "${node.value}"`);
  }
  const kd = withDefault(parsed, 'kubelet-dir', env);
  if (!kd.value.startsWith('/') || kd.value.includes('\0') || /\/\.\.?(\/|$)/.test(kd.value) || kd.value.replace(/\/+$/, '') === '') {
    throw new ConfigError(kd.source, `${kd.source} must be an absolute directory other than / without "." or ".." parts, e.g. ${DEFAULT_KUBELET_DIR}, got "${kd.value}"`);
  }
  const dwt = withDefault(parsed, 'device-wait-timeout', env);
  const mvpn = withDefault(parsed, 'max-volumes-per-node', env);
  const sdt = withDefault(parsed, 'shutdown-timeout', env);
  const lcma = withDefault(parsed, 'listing-cache-max-age', env);
  const lbsp = withDefault(parsed, 'label-by-storage-pool', env);
  parseBool(lbsp.source, lbsp.value);
  const cfg: Config = {
    mode: m,
    csiEndpoint: parseCsiEndpoint(ep.source, ep.value),
    linstor: linstorConnectionConfig(parsed, env),
    logLevel: level.value as LogLevel,
    logFormat: format.value,
    propertyNamespace: ns.value.replace(/\/+$/, ''),
    devicePathTemplate: tmpl.value,
    kubeletDir: kd.value.replace(/\/+$/, ''),
    deviceWaitTimeoutMs: parseDuration(dwt.source, dwt.value),
    maxVolumesPerNode: parsePositiveInt(mvpn.source, mvpn.value),
    shutdownTimeoutMs: parseDuration(sdt.source, sdt.value),
    probeCacheMs: 3000,
    probeTimeoutMs: 2000,
    listingCacheMaxAgeMs: parseDuration(lcma.source, lcma.value),
  };
  if (node) cfg.nodeName = node.value;
  const ha = haOptions(parsed, env, m);
  if (ha) cfg.ha = ha;
  return cfg;
}

const ANNOTATION_KEY = /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The HA agent's settings, validated; undefined when --ha is off. */
export function haOptions(parsed: ParsedFlags, env: Record<string, string | undefined>, mode: Mode): HaOptions | undefined {
  const on = withDefault(parsed, 'ha', env);
  if (!parseBool(on.source, on.value)) return undefined;
  if (mode === 'controller') {
    throw new ConfigError(on.source, `${on.source} needs the node service (it acts on this node's DRBD state): use --mode=node or --mode=all, or drop ${on.source}`);
  }
  const to = withDefault(parsed, 'ha-failover-timeout', env);
  const failoverTimeoutMs = parseDuration(to.source, to.value);
  if (failoverTimeoutMs < 1000 || failoverTimeoutMs > 600_000) {
    throw new ConfigError(to.source, `${to.source} must be between 1s and 10m (a peer that blinks for less is not failed over), got "${to.value}"`);
  }
  const pi = withDefault(parsed, 'ha-poll-interval', env);
  const pollIntervalMs = parseDuration(pi.source, pi.value);
  if (pollIntervalMs < 100 || pollIntervalMs > failoverTimeoutMs) {
    throw new ConfigError(pi.source, `${pi.source} must be between 100ms and the failover timeout (${to.value}), got "${pi.value}"`);
  }
  const tt = withDefault(parsed, 'ha-taints', env);
  const ann = withDefault(parsed, 'ha-opt-out-annotation', env);
  if (!ANNOTATION_KEY.test(ann.value) || ann.value.length > 316) {
    throw new ConfigError(ann.source, `${ann.source} must be a Kubernetes annotation key such as drbd.linbit.com/ignore-fail-over, got "${ann.value}"`);
  }
  const kc = required(parsed, 'kubeconfig', env);
  if (!kc && !env.KUBERNETES_SERVICE_HOST) {
    throw new ConfigError('--kubeconfig', `${on.source} needs the Kubernetes API: run it in a pod (in-cluster credentials) or pass --kubeconfig=FILE`);
  }
  const out: HaOptions = { failoverTimeoutMs, pollIntervalMs, taints: parseBool(tt.source, tt.value), optOutAnnotation: ann.value };
  if (kc) out.kubeconfig = kc.value;
  return out;
}
