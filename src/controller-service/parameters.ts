/**
 * StorageClass (and VolumeAttributesClass) parameters: parsed once, validated strictly.
 *
 * Key rules (compatible with the Go driver):
 * - `name` or `linstor.csi.linbit.com/name`: one of KEYS, matched case-insensitively.
 *   An unknown key in this namespace is INVALID_ARGUMENT.
 * - `property.linstor.csi.linbit.com/<LINSTOR key>` and legacy `DrbdOptions/<…>`: resource-group
 *   properties, passed through verbatim (LINSTOR validates the value).
 * - Any other namespace (`csi.storage.k8s.io/…`, …) is ignored.
 *
 * Every error names the key, the value and what is accepted.
 */
import { DRIVER_NAME } from '../csi/driver-name.js';
import { invalidArgument, type CsiError } from '../csi/errors.js';
import { parseStructured, StructuredValueError, type Plain } from './structured-value.js';

export const PROPERTY_NAMESPACE = `property.${DRIVER_NAME}`;

export type PlacementPolicy = 'AutoPlaceTopology' | 'AutoPlace' | 'FollowTopology' | 'Manual';
export const PLACEMENT_POLICIES: readonly PlacementPolicy[] = ['AutoPlaceTopology', 'AutoPlace', 'FollowTopology', 'Manual'];

export type Layer = 'drbd' | 'storage' | 'luks' | 'nvme' | 'cache' | 'writecache';
export const LAYERS: readonly Layer[] = ['drbd', 'storage', 'luks', 'nvme', 'cache', 'writecache'];

/**
 * Who may attach a volume:
 * - `anywhere`: any node (diskless DRBD/NVMe clients); the PV gets no node affinity.
 * - `local`: only nodes holding a diskful replica.
 * - `fromSame`: nodes sharing all label values of one rule with a diskful node.
 */
export type RemoteAccessPolicy =
  | { kind: 'anywhere' }
  | { kind: 'local' }
  | { kind: 'fromSame'; rules: string[][] };

export interface VolumeParameters {
  /** Diskful replicas; undefined when unset (the RG default of 1 applies). */
  placementCount: number | undefined;
  storagePools: string[];
  resourceGroup: string | undefined;
  layerList: Layer[];
  /** Property keys, already prefixed with the topology namespace. */
  replicasOnSame: string[];
  replicasOnDifferent: string[];
  xReplicasOnDifferent: Record<string, number>;
  doNotPlaceWithRegex: string | undefined;
  disklessOnRemaining: boolean;
  remoteAccess: RemoteAccessPolicy;
  placementPolicy: PlacementPolicy;
  nodeList: string[];
  clientList: string[];
  disklessStoragePool: string;
  fsOpts: string | undefined;
  mountOpts: string | undefined;
  postMountXfsOpts: string | undefined;
  usePvcName: boolean;
  overProvision: number | undefined;
  encryption: boolean;
  /** Resource-group override properties (`property.linstor.csi.linbit.com/…`, `DrbdOptions/…`). */
  properties: Record<string, string>;
  /** Things worth a log line (deprecated or ignored keys). */
  warnings: string[];
}

export const DEFAULT_PLACEMENT_COUNT = 1;
export const DEFAULT_DISKLESS_POOL = 'DfltDisklessStorPool';

/** Canonical spellings, by lower-case key. */
const KEYS: Record<string, string> = Object.fromEntries(
  [
    'placementCount',
    'autoPlace',
    'storagePool',
    'resourceGroup',
    'layerList',
    'replicasOnSame',
    'replicasOnDifferent',
    'xReplicasOnDifferent',
    'doNotPlaceWithRegex',
    'disklessOnRemaining',
    'allowRemoteVolumeAccess',
    'placementPolicy',
    'nodeList',
    'clientList',
    'disklessStoragePool',
    'fsOpts',
    'mountOpts',
    'postMountXfsOpts',
    'usePvcName',
    'overProvision',
    'encryption',
    // Accepted for compatibility, no effect here:
    'sizeKiB',
    'nfsConfigTemplate',
    'nfsServiceName',
    'nfsSquash',
    'nfsRecoveryVolumeSize',
  ].map((k) => [k.toLowerCase(), k]),
);

const IGNORED_COMPAT = new Set(['sizeKiB', 'nfsConfigTemplate', 'nfsServiceName', 'nfsSquash', 'nfsRecoveryVolumeSize']);

/** Keys ControllerModifyVolume may change (canonical spellings). */
export const MUTABLE_KEYS: readonly string[] = ['placementCount', 'autoPlace'];

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{1,47}$/;
const POOL_RE = /^[A-Za-z_][A-Za-z0-9_-]{1,47}$/;
const NODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const PROP_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_./:-]*$/;

export type Classified =
  | { kind: 'param'; key: string; canonical: string }
  | { kind: 'property'; key: string; property: string }
  | { kind: 'ignored'; key: string }
  | { kind: 'unknown'; key: string };

/** Sorts a raw key into our parameter, a LINSTOR property, another namespace, or unknown. */
export function classifyKey(key: string): Classified {
  if (key.startsWith('DrbdOptions/')) return { kind: 'property', key, property: key };
  const slash = key.indexOf('/');
  const ns = slash < 0 ? '' : key.slice(0, slash);
  const rest = slash < 0 ? key : key.slice(slash + 1);
  if (ns.toLowerCase() === PROPERTY_NAMESPACE) return { kind: 'property', key, property: rest };
  if (ns !== '' && ns.toLowerCase() !== DRIVER_NAME) return { kind: 'ignored', key };
  const canonical = KEYS[rest.toLowerCase()];
  return canonical ? { kind: 'param', key, canonical } : { kind: 'unknown', key };
}

function accepted(): string {
  const names = Object.values(KEYS).filter((k) => !IGNORED_COMPAT.has(k));
  return `${names.join(', ')} (optionally prefixed "${DRIVER_NAME}/"), "${PROPERTY_NAMESPACE}/<LINSTOR property>" or "DrbdOptions/<option>"`;
}

function bad(key: string, value: string, expected: string): CsiError {
  return invalidArgument(`StorageClass parameter "${key}" has invalid value "${value}": expected ${expected}`);
}

export function parseBoolValue(key: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 't', '1', 'yes', 'y'].includes(v)) return true;
  if (['false', 'f', '0', 'no', 'n'].includes(v)) return false;
  throw bad(key, value, 'true or false');
}

function words(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter((w) => w !== '');
}

export function parsePlacementCount(key: string, value: string): number {
  const v = value.trim();
  if (v === '') return DEFAULT_PLACEMENT_COUNT;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 32) throw bad(key, value, 'a whole number of replicas from 1 to 32');
  return Number(v);
}

function names(key: string, value: string, re: RegExp, what: string): string[] {
  const list = words(value);
  for (const n of list) if (!re.test(n)) throw bad(key, value, `a space-separated list of ${what}; "${n}" is not one`);
  if (new Set(list.map((n) => n.toLowerCase())).size !== list.length) throw bad(key, value, `a list of ${what} without duplicates`);
  return list;
}

function layers(key: string, value: string): Layer[] {
  const list = words(value).map((w) => w.toLowerCase());
  if (list.length === 0) throw bad(key, value, `a space-separated list of ${LAYERS.join(', ')}`);
  for (const l of list) if (!LAYERS.includes(l as Layer)) throw bad(key, value, `layers from ${LAYERS.join(', ')}; "${l}" is not one`);
  if (new Set(list).size !== list.length) throw bad(key, value, 'each layer at most once');
  if (list[list.length - 1] !== 'storage') throw bad(key, value, 'a layer list ending in "storage", e.g. "drbd storage" or "drbd luks storage"');
  if (list.includes('drbd') && list[0] !== 'drbd') throw bad(key, value, '"drbd" as the top layer when it is used');
  return list as Layer[];
}

/** Prefixes a topology key with the property namespace unless it is already an `Aux/` key. */
export function topologyPropertyKey(key: string, propertyNamespace: string): string {
  if (key.startsWith('Aux/')) return key;
  return `${propertyNamespace.replace(/\/+$/, '')}/${key}`;
}

function policy(key: string, value: string): PlacementPolicy {
  const p = PLACEMENT_POLICIES.find((x) => x.toLowerCase() === value.trim().toLowerCase());
  // The Go driver's "Balanced" needs Kubernetes node labels; LINSTOR's autoplacer already
  // balances by free space, so it is read as AutoPlaceTopology.
  if (!p && value.trim().toLowerCase() === 'balanced') return 'AutoPlaceTopology';
  if (!p) throw bad(key, value, `one of ${PLACEMENT_POLICIES.join(', ')}`);
  return p;
}

/** `text` parsed as a flow/block structure (YAML-like); INVALID_ARGUMENT naming `key` and `expected` when it is none. */
function structured(key: string, value: string, text: string, expected: string): Plain {
  try {
    return parseStructured(text);
  } catch (e) {
    if (e instanceof StructuredValueError) throw bad(key, value, expected);
    throw e;
  }
}

export function parseRemoteAccess(key: string, value: string): RemoteAccessPolicy {
  const v = value.trim();
  if (/^(true|false|yes|no|t|f|1|0)$/i.test(v)) return parseBoolValue(key, v) ? { kind: 'anywhere' } : { kind: 'local' };
  const expected = 'true, false, or a list of {fromSame: [label keys]}, e.g. "- fromSame:\\n  - topology.kubernetes.io/zone"';
  const parsed = structured(key, value, v, expected);
  if (!Array.isArray(parsed) || parsed.length === 0) throw bad(key, value, expected);
  const rules: string[][] = [];
  for (const item of parsed) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw bad(key, value, expected);
    const entries = Object.entries(item);
    if (entries.length !== 1 || entries[0]?.[0] !== 'fromSame') throw bad(key, value, expected);
    const labels = entries[0][1];
    const list = Array.isArray(labels) ? labels : typeof labels === 'string' ? [labels] : undefined;
    if (!list || list.length === 0 || !list.every((l) => typeof l === 'string' && l !== '')) throw bad(key, value, expected);
    rules.push(list as string[]);
  }
  return { kind: 'fromSame', rules };
}

function xReplicas(key: string, value: string, ns: string): Record<string, number> {
  const expected = 'a map of label key to replica count, e.g. "{topology.kubernetes.io/zone: 2}"';
  const parsed = structured(key, value, value, expected);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw bad(key, value, expected);
  }
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(parsed)) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw bad(key, value, `${expected}; the count for "${k}" must be a whole number ≥ 1`);
    out[topologyPropertyKey(k, ns)] = n;
  }
  return out;
}

function freeText(key: string, value: string): string {
  // Passed to mount/mkfs/xfs_io as arguments on the node: no control characters.
  if (/[\0-\x1f]/.test(value)) throw bad(key, value, 'text without control characters or newlines');
  return value.trim();
}

export interface ParseOptions {
  /** LINSTOR node property namespace holding topology labels (Config.propertyNamespace). */
  propertyNamespace: string;
}

interface Raw {
  key: string;
  value: string;
}

/** The recognised parameters by canonical name (placementCount and autoPlace share one slot). */
type Lookup = (canonical: string) => Raw | undefined;

interface Collected {
  seen: Map<string, Raw>;
  properties: Record<string, string>;
  warnings: string[];
}

/**
 * Parses a StorageClass parameter map. Throws INVALID_ARGUMENT naming the key, the value and
 * what is accepted, for unknown keys, malformed values and contradictions.
 */
export function parseParameters(params: Readonly<Record<string, string>>, opts: ParseOptions): VolumeParameters {
  const { seen, properties, warnings } = collectParameters(params);
  const get: Lookup = (k) => seen.get(k);
  const storage = parseStorage(get);
  const rules = parsePlacementRules(get, opts.propertyNamespace);
  const remote = parseRemoteAccessPolicy(get, storage.layerList);
  const manual = parseManualPlacement(get, { ...rules, storagePools: storage.storagePools, remoteCapable: remote.remoteCapable, layerList: storage.layerList });
  const disklessStoragePool = parseDisklessPool(get, manual.placementPolicy, warnings);
  return { ...storage, ...rules, remoteAccess: remote.remoteAccess, ...manual, disklessStoragePool, ...parseVolumeOptions(get), properties, warnings };
}

/** Sorts the keys: LINSTOR properties, recognised parameters (refusing unknown keys and contradictions), ignored ones. */
function collectParameters(params: Readonly<Record<string, string>>): Collected {
  const seen = new Map<string, Raw>();
  const properties: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const c = classifyKey(key);
    if (c.kind === 'ignored') continue;
    if (c.kind === 'unknown') {
      throw invalidArgument(`unknown StorageClass parameter "${key}" (value "${value}"); accepted keys: ${accepted()}`);
    }
    if (c.kind === 'property') {
      if (!PROP_KEY_RE.test(c.property) || c.property.endsWith('/')) {
        throw bad(key, value, 'a LINSTOR property key such as "DrbdOptions/Net/protocol" after the prefix');
      }
      if (properties[c.property] !== undefined && properties[c.property] !== value) {
        throw invalidArgument(`LINSTOR property "${c.property}" is given twice with different values ("${properties[c.property]}" and "${value}"); keep one`);
      }
      properties[c.property] = value;
      continue;
    }
    // placementCount and autoPlace are one setting.
    const slot = c.canonical === 'autoPlace' ? 'placementCount' : c.canonical;
    const prev = seen.get(slot);
    if (prev && prev.value !== value) {
      throw invalidArgument(`StorageClass parameters "${prev.key}" ("${prev.value}") and "${key}" ("${value}") set the same thing to different values; keep one`);
    }
    seen.set(slot, { key, value });
    if (IGNORED_COMPAT.has(c.canonical)) warnings.push(`StorageClass parameter "${key}" has no effect in this driver and is ignored`);
  }
  return { seen, properties, warnings };
}

/** Replica count, pools, resource group and the layer stack (LUKS added for encryption). */
function parseStorage(get: Lookup): Pick<VolumeParameters, 'placementCount' | 'storagePools' | 'resourceGroup' | 'layerList' | 'encryption'> {
  const pc = get('placementCount');
  const placementCount = pc ? parsePlacementCount(pc.key, pc.value) : undefined;
  const sp = get('storagePool');
  const storagePools = sp ? names(sp.key, sp.value, POOL_RE, 'storage pool names') : [];
  const rg = get('resourceGroup');
  let resourceGroup: string | undefined;
  if (rg) {
    if (!NAME_RE.test(rg.value.trim())) throw bad(rg.key, rg.value, 'a LINSTOR resource group name (2–48 characters: letters, digits, "_" and "-", starting with a letter or "_")');
    resourceGroup = rg.value.trim();
  }
  const ll = get('layerList');
  let layerList: Layer[] = ll ? layers(ll.key, ll.value) : ['drbd', 'storage'];
  const enc = get('encryption');
  const encryption = enc ? parseBoolValue(enc.key, enc.value) : false;
  if (encryption && !layerList.includes('luks')) {
    // LUKS sits right above the storage layer, so every replica's disk is encrypted.
    layerList = [...layerList.slice(0, -1), 'luks', 'storage'];
  }
  if (enc && !encryption && layerList.includes('luks')) {
    throw invalidArgument(`StorageClass parameter "${enc.key}" is "${enc.value}" but "layerList" contains "luks"; drop one of them`);
  }
  return { placementCount, storagePools, resourceGroup, layerList, encryption };
}

type PlacementRules = Pick<VolumeParameters, 'replicasOnSame' | 'replicasOnDifferent' | 'xReplicasOnDifferent' | 'doNotPlaceWithRegex' | 'disklessOnRemaining'>;

/** The auto-placer's topology rules. */
function parsePlacementRules(get: Lookup, ns: string): PlacementRules {
  const listOf = (k: string): string[] => {
    const r = get(k);
    return r ? words(r.value).map((w) => topologyPropertyKey(w, ns)) : [];
  };
  const replicasOnSame = listOf('replicasOnSame');
  const replicasOnDifferent = listOf('replicasOnDifferent');
  const xr = get('xReplicasOnDifferent');
  const xReplicasOnDifferent = xr ? xReplicas(xr.key, xr.value, ns) : {};
  const rx = get('doNotPlaceWithRegex');
  let doNotPlaceWithRegex: string | undefined;
  if (rx) {
    try {
      new RegExp(rx.value);
    } catch {
      throw bad(rx.key, rx.value, 'a regular expression matching resource names');
    }
    doNotPlaceWithRegex = rx.value;
  }
  const dor = get('disklessOnRemaining');
  const disklessOnRemaining = dor ? parseBoolValue(dor.key, dor.value) : false;
  return { replicasOnSame, replicasOnDifferent, xReplicasOnDifferent, doNotPlaceWithRegex, disklessOnRemaining };
}

/** allowRemoteVolumeAccess, checked against a layer stack that can (drbd, nvme) or cannot serve remote nodes. */
function parseRemoteAccessPolicy(get: Lookup, layerList: readonly Layer[]): { remoteAccess: RemoteAccessPolicy; remoteCapable: boolean } {
  const remoteCapable = layerList.includes('drbd') || layerList.includes('nvme');
  const ra = get('allowRemoteVolumeAccess');
  const remoteAccess: RemoteAccessPolicy = ra ? parseRemoteAccess(ra.key, ra.value) : remoteCapable ? { kind: 'anywhere' } : { kind: 'local' };
  if (ra && remoteAccess.kind !== 'local' && !remoteCapable) {
    throw invalidArgument(
      `StorageClass parameter "${ra.key}" is "${ra.value}" but layerList "${layerList.join(' ')}" has neither drbd nor nvme, so no node can reach a volume remotely; set it to false or add the drbd layer`,
    );
  }
  return { remoteAccess, remoteCapable };
}

interface ManualContext extends PlacementRules {
  storagePools: readonly string[];
  remoteCapable: boolean;
  layerList: readonly Layer[];
}

/** placementPolicy, and nodeList/clientList (Manual placement), which exclude the auto-placer's rules. */
function parseManualPlacement(get: Lookup, ctx: ManualContext): Pick<VolumeParameters, 'placementPolicy' | 'nodeList' | 'clientList'> {
  const nl = get('nodeList');
  const cl = get('clientList');
  const nodeList = nl ? names(nl.key, nl.value, NODE_RE, 'node names') : [];
  const clientList = cl ? names(cl.key, cl.value, NODE_RE, 'node names') : [];
  const pp = get('placementPolicy');
  let placementPolicy: PlacementPolicy = pp ? policy(pp.key, pp.value) : 'AutoPlaceTopology';
  const manualBy = nl ?? cl;
  if (manualBy) {
    if (pp && placementPolicy !== 'Manual') {
      throw invalidArgument(`StorageClass parameter "${manualBy.key}" places replicas by hand, which contradicts "${pp.key}: ${pp.value}"; use placementPolicy Manual or drop ${manualBy.key}`);
    }
    refuseAutoPlacementRules(get, ctx, manualBy);
    placementPolicy = 'Manual';
  }
  if (placementPolicy === 'Manual') {
    if (nodeList.length === 0) {
      throw invalidArgument(`placementPolicy Manual needs "nodeList" (space-separated nodes for the diskful replicas)${cl ? `; "${cl.key}" alone only adds diskless clients` : ''}`);
    }
    const sp = get('storagePool');
    if (ctx.storagePools.length > 1 && sp) throw bad(sp.key, sp.value, 'exactly one storage pool with nodeList (Manual placement)');
    const both = nodeList.filter((n) => clientList.some((c) => c.toLowerCase() === n.toLowerCase()));
    if (both.length > 0) throw invalidArgument(`node "${both[0]}" is in both nodeList and clientList; a node holds either a replica or a diskless client`);
    if (clientList.length > 0 && !ctx.remoteCapable) {
      throw invalidArgument(`"clientList" needs the drbd or nvme layer for diskless clients; layerList is "${ctx.layerList.join(' ')}"`);
    }
  }
  return { placementPolicy, nodeList, clientList };
}

/** nodeList/clientList place replicas by hand: any auto-placer rule beside them is a contradiction. */
function refuseAutoPlacementRules(get: Lookup, ctx: PlacementRules, manualBy: Raw): void {
  const conflicting: [string, boolean][] = [
    ['placementCount', get('placementCount') !== undefined],
    ['replicasOnSame', ctx.replicasOnSame.length > 0],
    ['replicasOnDifferent', ctx.replicasOnDifferent.length > 0],
    ['xReplicasOnDifferent', get('xReplicasOnDifferent') !== undefined],
    ['doNotPlaceWithRegex', get('doNotPlaceWithRegex') !== undefined],
    ['disklessOnRemaining', ctx.disklessOnRemaining],
  ];
  for (const [k, set] of conflicting) {
    if (!set) continue;
    const raw = get(k) as Raw;
    throw invalidArgument(
      `StorageClass parameter "${raw.key}" ("${raw.value}") contradicts "${manualBy.key}" ("${manualBy.value}"): nodeList/clientList place replicas by hand; drop one of them`,
    );
  }
}

/** The pool of diskless clients (clientList); a warning where it does not apply. */
function parseDisklessPool(get: Lookup, placementPolicy: PlacementPolicy, warnings: string[]): string {
  const dsp = get('disklessStoragePool');
  if (!dsp) return DEFAULT_DISKLESS_POOL;
  const pool = names(dsp.key, dsp.value, POOL_RE, 'storage pool names')[0] ?? DEFAULT_DISKLESS_POOL;
  if (words(dsp.value).length !== 1) throw bad(dsp.key, dsp.value, 'one diskless storage pool name');
  if (placementPolicy !== 'Manual') warnings.push(`"${dsp.key}" only applies to clientList (Manual placement) and is ignored here`);
  return pool;
}

/** Filesystem options for the node plugin, naming and capacity reporting. */
function parseVolumeOptions(get: Lookup): Pick<VolumeParameters, 'fsOpts' | 'mountOpts' | 'postMountXfsOpts' | 'usePvcName' | 'overProvision'> {
  const text = (k: string): string | undefined => {
    const r = get(k);
    return r ? freeText(r.key, r.value) || undefined : undefined;
  };
  const mountOpts = text('mountOpts');
  if (mountOpts && /\s/.test(mountOpts)) throw bad((get('mountOpts') as Raw).key, mountOpts, 'comma-separated mount options without spaces, e.g. "noatime,discard"');
  const op = get('overProvision');
  let overProvision: number | undefined;
  if (op) {
    const n = Number(op.value.trim());
    if (op.value.trim() === '' || !Number.isFinite(n) || n <= 0) throw bad(op.key, op.value, 'a positive number, e.g. 2.0 to report twice the pool size');
    overProvision = n;
  }
  const upn = get('usePvcName');
  return { fsOpts: text('fsOpts'), mountOpts, postMountXfsOpts: text('postMountXfsOpts'), usePvcName: upn ? parseBoolValue(upn.key, upn.value) : false, overProvision };
}

/** The effective diskful replica count. */
export function replicaCount(p: VolumeParameters): number {
  if (p.placementPolicy === 'Manual') return p.nodeList.length;
  return p.placementCount ?? DEFAULT_PLACEMENT_COUNT;
}

/** Encodes a remote-access policy the way the Go driver writes it into the volume context. */
export function formatRemoteAccess(p: RemoteAccessPolicy): string {
  if (p.kind === 'anywhere') return 'true';
  if (p.kind === 'local') return 'false';
  return JSON.stringify(p.rules.map((r) => ({ fromSame: r })));
}

export interface MutableChange {
  placementCount?: number;
  /** Properties to set on the volume's resource definition. */
  properties: Record<string, string>;
}

/**
 * Parses VolumeAttributesClass parameters for ControllerModifyVolume (and CreateVolume's
 * mutable_parameters). Only the replica count and LINSTOR properties may change online;
 * anything else is INVALID_ARGUMENT naming the key.
 */
export function parseMutableParameters(params: Readonly<Record<string, string>>): MutableChange {
  const out: MutableChange = { properties: {} };
  let countKey: Raw | undefined;
  for (const [key, value] of Object.entries(params)) {
    const c = classifyKey(key);
    if (c.kind === 'property') {
      if (!PROP_KEY_RE.test(c.property) || c.property.endsWith('/')) {
        throw invalidArgument(`VolumeAttributesClass parameter "${key}" has invalid value "${value}": expected a LINSTOR property key after the prefix`);
      }
      out.properties[c.property] = value;
      continue;
    }
    if (c.kind === 'param' && MUTABLE_KEYS.includes(c.canonical)) {
      const n = parsePlacementCount(key, value);
      if (countKey && out.placementCount !== n) {
        throw invalidArgument(`VolumeAttributesClass parameters "${countKey.key}" and "${key}" set the replica count to different values; keep one`);
      }
      countKey = { key, value };
      out.placementCount = n;
      continue;
    }
    const what = c.kind === 'param' ? 'cannot be changed on an existing volume' : c.kind === 'unknown' ? 'is unknown' : 'is not a parameter of this driver';
    throw invalidArgument(
      `VolumeAttributesClass parameter "${key}" (value "${value}") ${what}; mutable parameters are placementCount (alias autoPlace), "${PROPERTY_NAMESPACE}/<LINSTOR property>" and "DrbdOptions/<option>"`,
    );
  }
  return out;
}
