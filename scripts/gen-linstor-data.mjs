#!/usr/bin/env node
// Generates TypeScript from LINSTOR's own data files (linstor-common, as copied into
// ../shared/linstor-data): the ApiCallRc constants (consts.json) into
// src/linstor/generated/apiconsts.ts, and the property whitelist (properties.json + the DRBD
// options of drbdsetup.xml) into src/emulator/generated/whitelist.ts. Nothing is hand-copied.
//
// The data lives outside the repository, so the generated files are committed. Each carries the
// sha256 of its sources and of its own body:
//   node scripts/gen-linstor-data.mjs           regenerate (needs the data directory)
//   node scripts/gen-linstor-data.mjs --check   exit 1 when a generated file was edited by hand,
//                                               or, when the data directory is there, when the
//                                               files differ from what it generates
// Data directory: $LINSTOR_DATA_DIR, else ../shared/linstor-data beside the repository.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.env.LINSTOR_DATA_DIR || join(root, '..', 'shared', 'linstor-data'));
const SOURCES = ['consts.json', 'properties.json', 'drbdsetup.xml'];
const OUT = {
  consts: join(root, 'src', 'linstor', 'generated', 'apiconsts.ts'),
  whitelist: join(root, 'src', 'emulator', 'generated', 'whitelist.ts'),
};

const args = process.argv.slice(2);
const check = args.includes('--check');
if (args.some((a) => a !== '--check')) {
  console.error('gen-linstor-data: usage: gen-linstor-data.mjs [--check]');
  process.exit(2);
}

function fail(msg) {
  console.error(`gen-linstor-data: ${msg}`);
  process.exit(1);
}

const sha = (s) => createHash('sha256').update(s).digest('hex');

// ---------------------------------------------------------------------------------------------
// consts.json → bigint constants
// ---------------------------------------------------------------------------------------------

function parseLong(v) {
  if (typeof v === 'number') return BigInt(v); // plain numbers keep their sign (VAL_* = -1)
  const s = String(v).replace(/L$/, '');
  return BigInt.asUintN(64, BigInt(s));
}

/** Every long/BOR constant as an unsigned 64-bit value, in file order. */
function numericConsts(consts) {
  const values = new Map();
  for (const c of consts) {
    if (!c.name) continue;
    if (c.type === 'long') values.set(c.name, parseLong(c.value));
    else if (c.type === 'BOR') {
      let v = 0n;
      for (const part of c.value) v |= typeof part === 'string' && values.has(part) ? values.get(part) : parseLong(part);
      values.set(c.name, v);
    }
  }
  return values;
}

function constsModule(consts) {
  const values = numericConsts(consts);
  const lines = ['/** The ApiCallRc masks and codes of linstor-common consts.json (unsigned 64-bit; plain VAL_* numbers keep their sign). */', ''];
  for (const [name, v] of values) lines.push(`export const ${name} = ${v < 0n ? `${v}` : `0x${v.toString(16)}`}n;`);
  const codes = [...values.keys()].filter((n) => !n.startsWith('MASK_'));
  lines.push('', '/** Code constant names (no MASK_*), in file order: the first name of a value wins. */');
  lines.push(`export const API_CONST_CODE_NAMES: readonly (readonly [string, bigint])[] = [`);
  for (const n of codes) lines.push(`  ['${n}', ${n}],`);
  lines.push('];');
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// properties.json + drbdsetup.xml → whitelist rules
// ---------------------------------------------------------------------------------------------

function stringConsts(consts) {
  return new Map(consts.filter((c) => c.name && c.type === 'string').map((c) => [c.name, c.value]));
}

function propertyRule(p) {
  switch (p.type) {
    case 'regex':
      return { type: 'regex', value: p.value };
    case 'symbol':
      return { type: 'symbol', values: p.values };
    case 'range':
      return { type: 'range', min: String(p.min), max: String(p.max) };
    case 'range-float':
      return { type: 'range-float', min: String(p.min_float), max: String(p.max_float) };
    case 'string':
    case 'long':
    case 'boolean_true_false':
      return { type: p.type };
    default:
      fail(`properties.json: unknown property type '${p.type}'`);
  }
}

function propertyObjects(props, strings) {
  const keyOf = (p, name) => {
    if (typeof p.key === 'string') return p.key;
    return p.key
      .map((part) => {
        const s = strings.get(part);
        if (s === undefined) fail(`properties.json: '${name}' names ${part}, which consts.json does not define`);
        return s;
      })
      .join('/');
  };
  const out = {};
  for (const [obj, names] of Object.entries(props.objects)) {
    out[obj] = {};
    for (const name of names) {
      const p = props.properties[name];
      if (!p) fail(`properties.json: object '${obj}' lists unknown property '${name}'`);
      out[obj][keyOf(p, name)] = propertyRule(p);
    }
  }
  return out;
}

/**
 * drbdsetup command → LINSTOR's DrbdOptions namespace. The new-minor options (block-size, …) are
 * Disk options to LINSTOR: the real controller stamps `DrbdOptions/Disk/block-size` on volume
 * definitions.
 */
const DRBD_SECTIONS = { 'disk-options': 'Disk', 'new-minor': 'Disk', 'new-peer': 'Net', 'peer-device-options': 'PeerDevice', 'resource-options': 'Resource' };

function tagValues(body, tag) {
  return [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
}

function drbdRule(type, body) {
  const min = tagValues(body, 'min')[0];
  const max = tagValues(body, 'max')[0];
  switch (type) {
    case 'boolean':
      return { type: 'drbd-boolean' };
    case 'handler':
      return { type: 'symbol', values: tagValues(body, 'handler') };
    case 'numeric':
      return { type: 'range', min, max };
    case 'numeric-or-symbol':
      return { type: 'range-or-symbol', min, max, values: tagValues(body, 'symbol') };
    case 'string':
      return { type: 'string' };
    default:
      return undefined; // flags (set-defaults, …) are not properties
  }
}

function drbdOptions(xml) {
  const out = {};
  for (const cmd of xml.matchAll(/<command name="([^"]+)">([\s\S]*?)<\/command>/g)) {
    const section = DRBD_SECTIONS[cmd[1]];
    if (!section) continue;
    const opts = (out[section] ??= {});
    for (const o of cmd[2].matchAll(/<option name="([^"]+)" type="([^"]+)">([\s\S]*?)<\/option>/g)) {
      const rule = drbdRule(o[2], o[3]);
      if (rule) opts[o[1]] = rule;
    }
  }
  return out;
}

function whitelistModule(consts, props, xml) {
  const objects = propertyObjects(props, stringConsts(consts));
  const drbd = drbdOptions(xml);
  return [
    "import type { PropRule } from '../whitelist-rule.js';",
    '',
    '/** properties.json: per LINSTOR object, every accepted key (resolved through consts.json) and its rule. */',
    `export const PROPERTY_OBJECTS: Readonly<Record<string, Readonly<Record<string, PropRule>>>> = ${JSON.stringify(objects, null, 2)};`,
    '',
    '/** drbdsetup.xml: per DrbdOptions section, every option and its rule. */',
    `export const DRBD_OPTIONS: Readonly<Record<string, Readonly<Record<string, PropRule>>>> = ${JSON.stringify(drbd, null, 2)};`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Files with source and body hashes
// ---------------------------------------------------------------------------------------------

function withHeader(body, sourceHashes) {
  const src = Object.entries(sourceHashes)
    .map(([f, h]) => `// source ${f} sha256 ${h}`)
    .join('\n');
  return `// Generated by scripts/gen-linstor-data.mjs from LINSTOR's data files. Do not edit.\n${src}\n// body sha256 ${sha(body)}\n${body}`;
}

/** The body of a generated file, or an error text when its recorded body hash does not match. */
function verifyBody(file) {
  const text = readFileSync(file, 'utf8');
  const m = /\/\/ body sha256 ([0-9a-f]{64})\n/.exec(text);
  if (!m) return `${file}: no body hash line`;
  const body = text.slice(m.index + m[0].length);
  return sha(body) === m[1] ? undefined : `${file} was edited by hand (body hash mismatch); run npm run gen`;
}

function generateAll() {
  const raw = Object.fromEntries(SOURCES.map((f) => [f, readFileSync(join(dataDir, f), 'utf8')]));
  const hashes = Object.fromEntries(SOURCES.map((f) => [f, sha(raw[f])]));
  const consts = JSON.parse(raw['consts.json']);
  const props = JSON.parse(raw['properties.json']);
  return {
    [OUT.consts]: withHeader(constsModule(consts), { 'consts.json': hashes['consts.json'] }),
    [OUT.whitelist]: withHeader(whitelistModule(consts, props, raw['drbdsetup.xml']), hashes),
  };
}

const haveData = SOURCES.every((f) => existsSync(join(dataDir, f)));
if (check) {
  const problems = Object.values(OUT).map((f) => (existsSync(f) ? verifyBody(f) : `${f} is missing; run npm run gen`));
  if (haveData) {
    for (const [file, text] of Object.entries(generateAll())) {
      if (existsSync(file) && readFileSync(file, 'utf8') !== text) problems.push(`${file} differs from ${dataDir}; run npm run gen`);
    }
  } else {
    console.error(`gen-linstor-data: ${dataDir} not found: checked the generated files' own hashes only (set LINSTOR_DATA_DIR)`);
  }
  const found = problems.filter(Boolean);
  if (found.length > 0) fail(found.join('\n'));
  process.exit(0);
}
if (!haveData) fail(`LINSTOR data files not found in ${dataDir} (set LINSTOR_DATA_DIR)`);
for (const [file, text] of Object.entries(generateAll())) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`gen-linstor-data: wrote ${file}`);
}
