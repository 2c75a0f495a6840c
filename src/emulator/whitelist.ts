/**
 * LINSTOR's property whitelist per object, from the generated tables (properties.json and the
 * DRBD options of drbdsetup.xml). `Aux/*` is free-form; snapshot definitions and
 * key-value stores take any key.
 */
import { DRBD_OPTIONS, PROPERTY_OBJECTS } from './generated/whitelist.js';
import type { PropRule } from './whitelist-rule.js';

export type PropLevel = 'ctrl' | 'node' | 'rd' | 'rg' | 'rsc' | 'vd' | 'snap' | 'pool' | 'kvs';

/** The properties.json object a level is validated against (a resource group uses the RD list). */
const OBJECT_OF: Record<PropLevel, string | undefined> = {
  ctrl: 'controller',
  node: 'node',
  rd: 'resource-definition',
  rg: 'resource-definition',
  rsc: 'resource',
  vd: 'volume-definition',
  pool: 'storagepool',
  snap: undefined,
  kvs: undefined,
};

const ALL_SECTIONS = ['Disk', 'Net', 'PeerDevice', 'Resource', 'Handlers'];
/** Where `DrbdOptions/<Section>/<option>` keys are allowed (LINSTOR's gendrbdoptions table). */
const DRBD_SECTIONS: Record<PropLevel, readonly string[]> = {
  ctrl: ALL_SECTIONS,
  node: ALL_SECTIONS,
  rd: ALL_SECTIONS,
  rg: ALL_SECTIONS,
  rsc: ALL_SECTIONS,
  vd: ['Disk'],
  pool: [],
  snap: [],
  kvs: [],
};

/** DRBD handler scripts (`DrbdOptions/Handlers/*`) are free text; drbdsetup.xml has no section for them. */
const ANY: PropRule = { type: 'string' };

export type KeyCheck = { kind: 'ok'; rule: PropRule } | { kind: 'unknown' };

/** The rule for `key` at `level`, or `unknown` when LINSTOR would answer "not whitelisted". */
export function whitelistRule(level: PropLevel, key: string): KeyCheck {
  if (key.startsWith('Aux/') && key.length > 4) return { kind: 'ok', rule: ANY };
  const obj = OBJECT_OF[level];
  if (obj === undefined) return { kind: 'ok', rule: ANY };
  const rule = PROPERTY_OBJECTS[obj]?.[key];
  if (rule) return { kind: 'ok', rule };
  const m = /^DrbdOptions\/([^/]+)\/([^/]+)$/.exec(key);
  const section = m?.[1] ?? '';
  if (!m || !DRBD_SECTIONS[level].includes(section)) return { kind: 'unknown' };
  if (section === 'Handlers') return { kind: 'ok', rule: ANY };
  const drbd = DRBD_OPTIONS[section]?.[m[2] ?? ''];
  return drbd ? { kind: 'ok', rule: drbd } : { kind: 'unknown' };
}
