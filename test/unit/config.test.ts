import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkKubeconfig, checkLinstorFiles, ConfigError, parseServeArgs, DEFAULT_CSI_ENDPOINT } from '../../src/config/config.js';
import { runServe } from '../../src/cli/serve.js';
import { parseDevArgs } from '../../src/cli/dev.js';
import { parseDuration, parseFlags, parseListen, parseSize, rejectExtraPositionals, wantsHelp } from '../../src/config/flags.js';

const LS = { LS_CONTROLLERS: 'http://ctrl:3370' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('defaults: endpoint, mode, log settings, topology namespace', () => {
  const c = parseServeArgs(['--node', 'n1'], LS);
  assert.is(c.csiEndpoint.uri, DEFAULT_CSI_ENDPOINT);
  assert.is(c.mode, 'all');
  assert.is(c.logLevel, 'info');
  assert.is(c.logFormat, 'json');
  assert.is(c.propertyNamespace, 'Aux/topology');
  assert.is(c.nodeName, 'n1');
  assert.equal(c.linstor.endpoints, ['http://ctrl:3370']);
  assert.is(c.deviceWaitTimeoutMs, 30_000);
});

test('flags accept --flag=value, --flag value and the Go-style -flag', () => {
  const c = parseServeArgs(['-csi-endpoint=unix:///tmp/a.sock', '--mode', 'controller', '--linstor-endpoint=linstor://c1,https://c2'], {});
  assert.equal(c.csiEndpoint, { kind: 'unix', path: '/tmp/a.sock', uri: 'unix:///tmp/a.sock' });
  assert.is(c.mode, 'controller');
  assert.equal(c.linstor.endpoints, ['http://c1:3370', 'https://c2:3371']);
});

test('env: NODE_NAME, LS_CONTROLLERS, TLS and token names of the Go driver', () => {
  const c = parseServeArgs([], { NODE_NAME: 'node-x', LS_CONTROLLERS: 'c1', LS_ROOT_CA: '/tls/ca.crt', LS_USER_CERTIFICATE: '/tls/tls.crt', LS_USER_KEY: '/tls/tls.key', LS_BEARER_TOKEN_FILE: '/t' });
  assert.is(c.nodeName, 'node-x');
  assert.is(c.linstor.caFile, '/tls/ca.crt');
  assert.is(c.linstor.certFile, '/tls/tls.crt');
  assert.is(c.linstor.keyFile, '/tls/tls.key');
  assert.is(c.linstor.bearerTokenFile, '/t');
  assert.equal(c.linstor.endpoints, ['https://c1:3371'], 'TLS material makes https the default scheme');
});

test('tcp endpoint for debugging', () => {
  const c = parseServeArgs(['--csi-endpoint=tcp://127.0.0.1:10000', '--mode=controller'], LS);
  assert.equal(c.csiEndpoint, { kind: 'tcp', host: '127.0.0.1', port: 10000, uri: 'tcp://127.0.0.1:10000' });
});

test('bad endpoint scheme names the flag and shows the accepted forms', () => {
  const e = configError(() => parseServeArgs(['--csi-endpoint', 'foo://x', '--node=n'], LS));
  assert.is(e.flag, '--csi-endpoint');
  assert.match(e.message, /unix:\/\//);
  assert.match(e.message, /foo:\/\/x/);
});

test('bad mode names the flag and the choices', () => {
  const e = configError(() => parseServeArgs(['--mode=bogus', '--node=n'], LS));
  assert.is(e.flag, '--mode');
  assert.match(e.message, /all, controller, node/);
});

test('missing LINSTOR endpoint names --linstor-endpoint and LS_CONTROLLERS', () => {
  const e = configError(() => parseServeArgs(['--mode=controller'], {}));
  assert.is(e.flag, '--linstor-endpoint');
  assert.match(e.message, /LS_CONTROLLERS/);
});

test('node service without a node name is refused', () => {
  const e = configError(() => parseServeArgs(['--mode=node'], LS));
  assert.is(e.flag, '--node');
});

test('unknown flags, repeated flags, bad durations and levels are refused', () => {
  assert.is(configError(() => parseServeArgs(['--nodes=x'], LS)).flag, '--nodes');
  assert.is(configError(() => parseServeArgs(['--mode=node', '--mode=all', '--node=a'], LS)).flag, '--mode');
  assert.is(configError(() => parseServeArgs(['--node=a', '--device-wait-timeout=soon'], LS)).flag, '--device-wait-timeout');
  assert.is(configError(() => parseServeArgs(['--node=a', '--log-level=loud'], LS)).flag, '--log-level');
  assert.is(configError(() => parseServeArgs(['--node=a', '--csi-endpoint=unix://relative.sock'], LS)).flag, '--csi-endpoint');
  assert.is(configError(() => parseServeArgs(['--node=a'], { ...LS, LS_USER_CERTIFICATE: '/c' })).flag, 'LS_USER_KEY');
});

test('a controller list of only separators is refused, not replaced by a default controller', () => {
  const e = configError(() => parseServeArgs(['--mode=controller', '--linstor-endpoint=,'], {}));
  assert.is(e.flag, '--linstor-endpoint');
  assert.match(e.message, /lists no controller/);
  assert.is(configError(() => parseServeArgs(['--mode=controller'], { LS_CONTROLLERS: ' , ' })).flag, '$LS_CONTROLLERS');
});

test('a LINSTOR request timeout of 0 is refused', () => {
  const e = configError(() => parseServeArgs(['--mode=controller', '--linstor-request-timeout=0s'], LS));
  assert.is(e.flag, '--linstor-request-timeout');
  assert.is(parseServeArgs(['--mode=controller', '--linstor-request-timeout=5s'], LS).linstor.timeoutMs, 5000);
});

test('TLS and token files must be readable at start; the error names the variable or flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lcsi-cfg-'));
  const ca = join(dir, 'ca.crt');
  const token = join(dir, 'token');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
  writeFileSync(token, 'abc\n');
  const env = { ...LS, LS_ROOT_CA: ca, LS_BEARER_TOKEN_FILE: token };
  checkLinstorFiles(parseServeArgs(['--mode=controller'], env).linstor, env);
  const noCa = { ...LS, LS_ROOT_CA: join(dir, 'missing.crt') };
  const e1 = configError(() => checkLinstorFiles(parseServeArgs(['--mode=controller'], noCa).linstor, noCa));
  assert.is(e1.flag, 'LS_ROOT_CA');
  assert.match(e1.message, /missing\.crt.*ENOENT/);
  const noKey = { ...LS, LS_USER_CERTIFICATE: ca, LS_USER_KEY_FILE: join(dir, 'gone.key') };
  assert.is(configError(() => checkLinstorFiles(parseServeArgs(['--mode=controller'], noKey).linstor, noKey)).flag, 'LS_USER_KEY_FILE');
  const e2 = configError(() => checkLinstorFiles(parseServeArgs(['--mode=controller', `--bearer-token=${join(dir, 'nope')}`], LS).linstor, LS));
  assert.is(e2.flag, '--bearer-token');
});

function memIo() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } } as never,
    out: () => out,
    err: () => err,
  };
}

test('serve --version prints the version; an unreadable CA file exits 2 before anything starts', async () => {
  const v = memIo();
  assert.is(await runServe(['--version'], {}, v.io), 0);
  assert.match(v.out(), /^linstor-csi \d+\.\d+\.\d+/);
  const bad = memIo();
  const code = await runServe(['--mode=controller', '--csi-endpoint=tcp://127.0.0.1:0'], { ...LS, LS_ROOT_CA: '/nonexistent/ca.crt' }, bad.io);
  assert.is(code, 2);
  assert.match(bad.err(), /LS_ROOT_CA: cannot read the LINSTOR CA certificate file "\/nonexistent\/ca.crt"/);
});

test('durations and sizes', () => {
  assert.is(parseDuration('x', '1m30s'), 90_000);
  assert.is(parseDuration('x', '250ms'), 250);
  assert.is(parseDuration('x', '5'), 5000);
  assert.is(parseSize('x', '20GiB'), 20 * 1024 ** 3);
  assert.is(parseSize('x', '512M'), 512 * 1024 ** 2);
  assert.is(parseSize('x', '1GB'), 1e9);
  assert.throws(() => parseSize('--pool-size', '-3'), /--pool-size/);
  // The emulator's spellings (Kubernetes-style binary suffixes) too.
  assert.is(parseSize('x', '20Gi'), 20 * 1024 ** 3);
  assert.is(parseSize('x', '10G'), 10 * 1024 ** 3);
  assert.is(parseSize('x', '1000'), 1000);
  assert.is(configError(() => parseSize('--pool-size', '12XB')).flag, '--pool-size');
  assert.is(configError(() => parseSize('--pool-size', '-1G')).flag, '--pool-size');
});

test('listen addresses', () => {
  assert.equal(parseListen('--listen', '127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.equal(parseListen('--listen', '[::1]:3370'), { host: '::1', port: 3370 });
  assert.equal(parseListen('--listen', ':3370'), { host: '127.0.0.1', port: 3370 });
  assert.is(configError(() => parseListen('--listen', 'nohost')).flag, '--listen');
  assert.is(configError(() => parseListen('--listen', '127.0.0.1:70000')).flag, '--listen');
});

test('positional arguments and --help', () => {
  const specs = [{ name: 'json', boolean: true, help: 'json' }];
  const parsed = parseFlags(['nodes', '--json'], specs);
  assert.equal(parsed.positionals, ['nodes']);
  rejectExtraPositionals(parsed, 1);
  const e = configError(() => rejectExtraPositionals(parseFlags(['nodes', 'extra'], specs), 1, '; one view only'));
  assert.is(e.flag, 'extra');
  assert.is(e.message, 'unexpected argument "extra"; one view only');
  assert.is(configError(() => rejectExtraPositionals(parsed)).flag, 'nodes');
  assert.ok(wantsHelp(['nodes', '-h']));
  assert.ok(wantsHelp(['--help']));
  assert.not.ok(wantsHelp(['nodes', '--json']));
});

// --- the HA agent's flags ---

const HA_ENV = { ...LS, KUBERNETES_SERVICE_HOST: '10.0.0.1' };

test('HA is off by default; --ha turns it on with the defaults', () => {
  assert.is(parseServeArgs(['--node', 'n1', '--mode=node'], HA_ENV).ha, undefined);
  const c = parseServeArgs(['--node', 'n1', '--mode=node', '--ha'], HA_ENV);
  assert.equal(c.ha, { failoverTimeoutMs: 5000, pollIntervalMs: 1000, taints: true, optOutAnnotation: 'drbd.linbit.com/ignore-fail-over' });
});

test('HA settings: timeout, poll interval, taints off, opt-out annotation, kubeconfig', () => {
  const c = parseServeArgs(
    ['--node', 'n1', '--ha', '--ha-failover-timeout=10s', '--ha-poll-interval=250ms', '--ha-taints=false', '--ha-opt-out-annotation=example.com/keep', '--kubeconfig=/etc/kube.conf'],
    { LS_CONTROLLERS: 'http://ctrl:3370' },
  );
  assert.equal(c.ha, { failoverTimeoutMs: 10_000, pollIntervalMs: 250, taints: false, optOutAnnotation: 'example.com/keep', kubeconfig: '/etc/kube.conf' });
});

test('bad HA settings name the flag and the fix', () => {
  assert.is(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-failover-timeout=200ms'], HA_ENV)).flag, '--ha-failover-timeout');
  assert.match(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-failover-timeout=soon'], HA_ENV)).message, /duration/);
  const poll = configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-failover-timeout=2s', '--ha-poll-interval=3s'], HA_ENV));
  assert.is(poll.flag, '--ha-poll-interval');
  assert.match(poll.message, /failover timeout/);
  assert.is(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-opt-out-annotation=not a key!'], HA_ENV)).flag, '--ha-opt-out-annotation');
  assert.is(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-taints=maybe'], HA_ENV)).flag, '--ha-taints');
  const ctl = configError(() => parseServeArgs(['--mode=controller', '--ha'], HA_ENV));
  assert.match(ctl.message, /--mode=node/);
  const noApi = configError(() => parseServeArgs(['--node', 'n1', '--ha'], { LS_CONTROLLERS: 'http://ctrl:3370' }));
  assert.is(noApi.flag, '--kubeconfig');
  assert.match(noApi.message, /in-cluster|--kubeconfig=FILE/);
  assert.is(configError(() => checkKubeconfig('/nonexistent/kubeconfig')).flag, '--kubeconfig');
});

test('LINSTOR_CSI_HA=true turns HA on from the environment', () => {
  assert.ok(parseServeArgs(['--node', 'n1'], { ...HA_ENV, LINSTOR_CSI_HA: 'true' }).ha);
});

test('dev runs the HA agent when given a kubeconfig; HA flags without one are refused', () => {
  const kc = join(mkdtempSync(join(tmpdir(), 'ha-cfg-')), 'kubeconfig');
  writeFileSync(kc, 'apiVersion: v1\nkind: Config\n');
  assert.is(parseDevArgs(['--state-dir', '/tmp/x'], {}).ha, undefined);
  assert.equal(parseDevArgs(['--state-dir', '/tmp/x', '--kubeconfig', kc, '--ha-failover-timeout=3s'], {}).ha, { kubeconfig: kc, failoverTimeoutMs: 3000, pollIntervalMs: 1000 });
  assert.is(configError(() => parseDevArgs(['--state-dir', '/tmp/x', '--ha-failover-timeout=3s'], {})).flag, '--ha-failover-timeout');
  assert.is(configError(() => parseDevArgs(['--state-dir', '/tmp/x', '--kubeconfig', '/nonexistent'], {})).flag, '--kubeconfig');
});

test.run();
