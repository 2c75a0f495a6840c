import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linstorConnectionFromEnv, normalizeEndpoint, parseEndpoints, resolveTls } from '../../src/linstor/options.js';
import { LinstorConfigError } from '../../src/linstor/errors.js';
import { buildQuery } from '../../src/linstor/transport.js';

test('endpoint forms are normalised with default ports', () => {
  assert.is(normalizeEndpoint('ctrl'), 'http://ctrl:3370');
  assert.is(normalizeEndpoint('ctrl:4000'), 'http://ctrl:4000');
  assert.is(normalizeEndpoint('linstor://ctrl'), 'http://ctrl:3370');
  assert.is(normalizeEndpoint('linstor+ssl://ctrl'), 'https://ctrl:3371');
  assert.is(normalizeEndpoint('https://ctrl'), 'https://ctrl:3371');
  assert.is(normalizeEndpoint('http://10.0.0.1:3370/'), 'http://10.0.0.1:3370');
  assert.is(normalizeEndpoint('[::1]:3370'), 'http://[::1]:3370');
  assert.is(normalizeEndpoint('ctrl', true), 'https://ctrl:3371');
  assert.throws(() => normalizeEndpoint('ftp://x'), (e: unknown) => e instanceof LinstorConfigError);
  assert.equal(parseEndpoints('a, http://b:1 ,,c'), ['http://a:3370', 'http://b:1', 'http://c:3370']);
});

test('LS_CONTROLLERS of only separators is an error, not the default controller', () => {
  assert.throws(() => linstorConnectionFromEnv({ LS_CONTROLLERS: ',,' }), (e: unknown) => e instanceof LinstorConfigError && /LS_CONTROLLERS lists no controller/.test(e.message));
  assert.equal(linstorConnectionFromEnv({}).endpoints, ['http://127.0.0.1:3370'], 'unset still means the local default');
});

test('linstorConnectionFromEnv: golinstor names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsenv-'));
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'secret\n');
  const o = linstorConnectionFromEnv({
    LS_CONTROLLERS: 'ctrl-a,ctrl-b:3371',
    LS_ROOT_CA: '/etc/ca.pem',
    LS_USER_CERTIFICATE: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n',
    LS_USER_KEY_FILE: '/etc/key.pem',
    LS_BEARER_TOKEN_FILE: '/var/run/token',
    LS_USERNAME: 'admin',
    LS_PASSWORD_FILE: pw,
  });
  // TLS material configured: bare hosts default to https
  assert.equal(o.endpoints, ['https://ctrl-a:3371', 'https://ctrl-b:3371']);
  assert.is(o.caFile, '/etc/ca.pem');
  assert.ok(o.cert?.startsWith('-----BEGIN CERTIFICATE-----'));
  assert.is(o.keyFile, '/etc/key.pem');
  assert.is(o.bearerTokenFile, '/var/run/token');
  assert.is(o.username, 'admin');
  assert.is(o.password, 'secret');
});

test('linstorConnectionFromEnv: defaults', () => {
  const o = linstorConnectionFromEnv({});
  assert.equal(o.endpoints, ['http://127.0.0.1:3370']);
  assert.is(o.caFile, undefined);
  assert.is(o.username, undefined);
});

test('resolveTls: cert without key is refused; unreadable file names the file', () => {
  assert.throws(() => resolveTls({ endpoints: [], cert: '-----BEGIN CERTIFICATE-----' }), /certificate and a key/);
  assert.throws(() => resolveTls({ endpoints: [], caFile: '/nonexistent/ca.pem' }), /\/nonexistent\/ca.pem/);
  assert.is(resolveTls({ endpoints: [], skipTlsVerify: true }).rejectUnauthorized, false);
});

test('query lists repeat the key; undefined values are dropped', () => {
  assert.is(buildQuery({ nodes: ['a', 'b'], props: ['Aux/zone=z1'], cached: true, limit: undefined }), '?nodes=a&nodes=b&props=Aux%2Fzone%3Dz1&cached=true');
  assert.is(buildQuery({}), '');
});

test.run();
