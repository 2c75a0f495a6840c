import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROPERTY_OBJECTS } from '../../src/emulator/generated/whitelist.js';
import { whitelistRule } from '../../src/emulator/whitelist.js';
import { ruleAccepts } from '../../src/emulator/whitelist-rule.js';

// The whitelist comes from LINSTOR's properties.json (generated, see scripts/gen-linstor-data.mjs);
// the counts and keys below are what the real 1.33.1 controller accepted when measured.

test('resource definitions: the 81 keys real LINSTOR accepts, and no controller-only key', () => {
  const keys = Object.keys(PROPERTY_OBJECTS['resource-definition'] ?? {});
  assert.is(keys.length, 81);
  for (const k of keys) assert.is(whitelistRule('rd', k).kind, 'ok', k);
  for (const k of ['BalanceResourcesEnabled', 'DrbdOptions/SkipDisk', 'FileSystem/User', 'sys/fs/blkio_throttle_read', 'AutoSnapshot/RunEvery']) {
    assert.is(whitelistRule('rd', k).kind, 'ok', k);
  }
  for (const k of ['MaxOversubscriptionRatio', 'TcpPortAutoRange', 'Sys/Fs/blkio_throttle_read', 'Foo/bar']) assert.is(whitelistRule('rd', k).kind, 'unknown', k);
  assert.is(whitelistRule('ctrl', 'MaxOversubscriptionRatio').kind, 'ok');
  assert.is(whitelistRule('rg', 'BalanceResourcesEnabled').kind, 'ok', 'a resource group is checked against the RD list');
});

test('DRBD options from drbdsetup.xml, per object; Aux is free-form', () => {
  assert.is(whitelistRule('rd', 'DrbdOptions/Net/protocol').kind, 'ok');
  assert.is(whitelistRule('rd', 'DrbdOptions/Net/no-such-option').kind, 'unknown');
  assert.is(whitelistRule('vd', 'DrbdOptions/Net/protocol').kind, 'unknown', 'volume definitions take Disk options only');
  assert.is(whitelistRule('vd', 'DrbdOptions/Disk/disk-timeout').kind, 'ok');
  assert.is(whitelistRule('vd', 'DrbdOptions/Disk/block-size').kind, 'ok', 'new-minor options are Disk options (the real VD carries block-size)');
  assert.is(whitelistRule('pool', 'Aux/anything').kind, 'ok');
  assert.is(whitelistRule('rd', 'Aux/').kind, 'unknown');
});

test('values: symbol, range, range-or-symbol, boolean, regex', () => {
  const rule = (level: 'rd' | 'ctrl', k: string) => {
    const r = whitelistRule(level, k);
    if (r.kind !== 'ok') throw new Error(`${k} not whitelisted`);
    return r.rule;
  };
  assert.ok(ruleAccepts(rule('rd', 'DrbdOptions/Net/protocol'), 'C'));
  assert.not.ok(ruleAccepts(rule('rd', 'DrbdOptions/Net/protocol'), 'D'));
  assert.ok(ruleAccepts(rule('rd', 'DrbdOptions/Resource/quorum'), 'majority'));
  assert.ok(ruleAccepts(rule('rd', 'DrbdOptions/Resource/quorum'), '2'));
  assert.not.ok(ruleAccepts(rule('rd', 'DrbdOptions/Resource/quorum'), '33'));
  assert.ok(ruleAccepts(rule('rd', 'BalanceResourcesEnabled'), 'false'));
  assert.not.ok(ruleAccepts(rule('rd', 'BalanceResourcesEnabled'), 'maybe'));
  assert.ok(ruleAccepts(rule('rd', 'DrbdOptions/Net/allow-two-primaries'), 'yes'));
  assert.ok(ruleAccepts(rule('ctrl', 'MaxOversubscriptionRatio'), '2.5'));
  assert.not.ok(ruleAccepts(rule('ctrl', 'MaxOversubscriptionRatio'), '2000'));
});

test.run();
