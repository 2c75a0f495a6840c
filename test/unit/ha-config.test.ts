import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevArgs } from '../../src/cli/dev.js';
import { ConfigError, checkKubeconfig, parseServeArgs } from '../../src/config/config.js';

const ENV = { LS_CONTROLLERS: 'http://ctrl:3370', KUBERNETES_SERVICE_HOST: '10.0.0.1' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('HA is off by default; --ha turns it on with the defaults', () => {
  assert.is(parseServeArgs(['--node', 'n1', '--mode=node'], ENV).ha, undefined);
  const c = parseServeArgs(['--node', 'n1', '--mode=node', '--ha'], ENV);
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
  assert.is(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-failover-timeout=200ms'], ENV)).flag, '--ha-failover-timeout');
  assert.match(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-failover-timeout=soon'], ENV)).message, /duration/);
  const poll = configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-failover-timeout=2s', '--ha-poll-interval=3s'], ENV));
  assert.is(poll.flag, '--ha-poll-interval');
  assert.match(poll.message, /failover timeout/);
  assert.is(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-opt-out-annotation=not a key!'], ENV)).flag, '--ha-opt-out-annotation');
  assert.is(configError(() => parseServeArgs(['--node', 'n1', '--ha', '--ha-taints=maybe'], ENV)).flag, '--ha-taints');
  const ctl = configError(() => parseServeArgs(['--mode=controller', '--ha'], ENV));
  assert.match(ctl.message, /--mode=node/);
  const noApi = configError(() => parseServeArgs(['--node', 'n1', '--ha'], { LS_CONTROLLERS: 'http://ctrl:3370' }));
  assert.is(noApi.flag, '--kubeconfig');
  assert.match(noApi.message, /in-cluster|--kubeconfig=FILE/);
  assert.is(configError(() => checkKubeconfig('/nonexistent/kubeconfig')).flag, '--kubeconfig');
});

test('LINSTOR_CSI_HA=true turns HA on from the environment', () => {
  assert.ok(parseServeArgs(['--node', 'n1'], { ...ENV, LINSTOR_CSI_HA: 'true' }).ha);
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
