/** Property whitelist checks and override/delete handling, with the controller's wording. */
import type { ApiCallRc } from '../linstor/types.js';
import { FAIL_INVLD_PROP, MASK_CRT, MASK_DEL, CREATED, DELETED, WARN_DEL_UNSET_PROP } from '../linstor/apicallrc.js';
import { ApiFailure, rc } from './http.js';
import type { Props } from './state.js';

export type PropLevel = 'ctrl' | 'node' | 'rd' | 'rg' | 'rsc' | 'vd' | 'snap' | 'pool';

const DRBD_NS = ['Disk', 'Resource', 'Net', 'PeerDevice', 'Handlers'];

const BOOL = ['yes', 'no'];
const QUORUM_RE = /^(off|majority|all|([1-9]|[12][0-9]|3[0-2]))$/;

const VALUE_RULES: Record<string, (v: string) => boolean> = {
  'DrbdOptions/Net/protocol': (v) => ['A', 'B', 'C'].includes(v),
  'DrbdOptions/Net/after-sb-0pri': (v) =>
    ['disconnect', 'discard-younger-primary', 'discard-older-primary', 'discard-zero-changes', 'discard-least-changes', 'discard-local', 'discard-remote'].includes(v),
  'DrbdOptions/Net/after-sb-1pri': (v) => ['disconnect', 'consensus', 'discard-secondary', 'call-pri-lost-after-sb', 'violently-as0p'].includes(v),
  'DrbdOptions/Net/after-sb-2pri': (v) => ['disconnect', 'call-pri-lost-after-sb', 'violently-as0p'].includes(v),
  'DrbdOptions/Net/allow-two-primaries': (v) => BOOL.includes(v.toLowerCase()),
  'DrbdOptions/Resource/quorum': (v) => QUORUM_RE.test(v),
  'DrbdOptions/Resource/quorum-minimum-redundancy': (v) => QUORUM_RE.test(v),
  'DrbdOptions/Resource/on-no-quorum': (v) => ['io-error', 'suspend-io'].includes(v),
  'DrbdOptions/Resource/on-suspended-primary-outdated': (v) => ['disconnect', 'force-secondary'].includes(v),
  'DrbdOptions/Resource/auto-promote': (v) => BOOL.includes(v.toLowerCase()),
  'DrbdOptions/auto-quorum': (v) => ['io-error', 'suspend-io', 'disabled'].includes(v),
  'DrbdOptions/auto-add-quorum-tiebreaker': (v) => ['true', 'false', 'yes', 'no'].includes(v.toLowerCase()),
};

/** Keys outside DrbdOptions/* that LINSTOR accepts at the RD/RG/resource/node levels. */
const PLAIN_KEYS = new Set([
  'StorPoolName',
  'StorPoolNameDrbdMeta',
  'FileSystem/Type',
  'FileSystem/MkfsParams',
  'PeerSlotsNewResource',
  'DrbdOptions/auto-quorum',
  'DrbdOptions/auto-add-quorum-tiebreaker',
  'DrbdOptions/auto-diskful',
  'DrbdOptions/auto-diskful-allow-cleanup',
  'DrbdOptions/ExactSize',
  'MaxOversubscriptionRatio',
  'MaxFreeCapacityOversubscriptionRatio',
  'MaxTotalCapacityOversubscriptionRatio',
  'MinorNrAutoRange',
  'TcpPortAutoRange',
  'SnapshotShipping/SourceNode',
  'cloned-from',
]);
const PLAIN_PREFIXES = ['Aux/', 'Autoplacer/', 'Writecache/', 'Cache/', 'NVMe/', 'DrbdProxy/', 'Sys/Fs/', 'StorDriver/', 'BalanceResources/'];

function keyAllowed(level: PropLevel, key: string): boolean {
  if (key.startsWith('Aux/')) return key.length > 4;
  if (level === 'snap') return true;
  if (PLAIN_KEYS.has(key)) return true;
  if (PLAIN_PREFIXES.some((p) => key.startsWith(p))) return true;
  const m = /^DrbdOptions\/([^/]+)\/[^/]+$/.exec(key);
  if (m) {
    const ns = m[1] ?? '';
    if (level === 'vd') return ns === 'Disk';
    return DRBD_NS.includes(ns);
  }
  if (level === 'node' && (key === 'CurStltConnName' || key === 'NodeUname')) return true;
  return false;
}

export function validateProps(level: PropLevel, props: Props, code = FAIL_INVLD_PROP, op = 0n, obj = 0n): void {
  for (const [k, v] of Object.entries(props)) {
    if (typeof v !== 'string') {
      throw new ApiFailure([rc(code, op, obj, `Invalid property(${k}) value: ${String(v)}`)]);
    }
    if (!keyAllowed(level, k)) {
      throw new ApiFailure([rc(code, op, obj, `Invalid property key: ${k}`, { cause: `The key '${k}' is not whitelisted.` })]);
    }
    const rule = VALUE_RULES[k];
    if (rule && !rule(v)) throw new ApiFailure([rc(code, op, obj, `Invalid property(${k}) value: ${v}`)]);
  }
}

export interface PropsModify {
  override_props?: Props;
  delete_props?: string[];
  delete_namespaces?: string[];
}

/**
 * Applies override/delete/delete-namespace to `props` (validated first). Returns the reply
 * entries LINSTOR adds for prop changes (set / deleted keys, missing keys as warnings).
 */
export function applyPropsModify(level: PropLevel, props: Props, m: PropsModify, obj: bigint): ApiCallRc[] {
  const override = m.override_props ?? {};
  validateProps(level, override, FAIL_INVLD_PROP, 0n, obj);
  const out: ApiCallRc[] = [];
  const set = Object.keys(override);
  for (const [k, v] of Object.entries(override)) props[k] = v;
  if (set.length > 0) out.push(rc(CREATED, MASK_CRT, obj, `Successfully set property key(s): ${set.join(',')}`));
  const deleted: string[] = [];
  for (const k of m.delete_props ?? []) {
    if (props[k] !== undefined) {
      delete props[k];
      deleted.push(k);
    } else {
      out.push(rc(WARN_DEL_UNSET_PROP, MASK_DEL, obj, `Could not delete property '${k}' as it did not exist. This operation had no effect.`));
    }
  }
  for (const ns of m.delete_namespaces ?? []) {
    const prefix = ns.endsWith('/') ? ns : `${ns}/`;
    for (const k of Object.keys(props)) {
      if (k.startsWith(prefix)) {
        delete props[k];
        deleted.push(k);
      }
    }
  }
  if (deleted.length > 0) out.push(rc(DELETED, MASK_DEL, obj, `Successfully deleted property key(s): ${deleted.join(',')}`));
  return out;
}
