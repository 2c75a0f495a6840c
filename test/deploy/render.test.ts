// helm lint, helm template and kustomize build with the pinned tools, and an offline schema
// check of every rendered object.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CHART,
  FULL_VALUES,
  KUBE_VERSION,
  OVERLAYS,
  allRenderings,
  helmDefault,
  helmFull,
  kustomizeBuild,
  runTool,
  type Rendering,
} from './render.js';
import { validateObject } from './validate.js';

test('helm lint passes with the default values', async () => {
  const { stdout } = await runTool('helm', ['lint', '--strict', CHART, '--kube-version', KUBE_VERSION]);
  assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('helm lint passes with the non-default values (TLS, classes, HA, health monitor, ...)', async () => {
  const { stdout } = await runTool('helm', ['lint', '--strict', CHART, '--kube-version', KUBE_VERSION, '--values', FULL_VALUES]);
  assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

async function rejected(args: string[]): Promise<string> {
  try {
    await runTool('helm', ['template', 'x', CHART, '--kube-version', KUBE_VERSION, ...args]);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`helm template ${args.join(' ')} succeeded; values.schema.json should have rejected it`);
}

test('values.schema.json rejects a misspelt key, an unpinned image and a bad endpoint', async () => {
  assert.match(await rejected(['--set', 'controller.replcas=2']), /replcas/);
  assert.match(await rejected(['--set', 'sidecars.attacher.tag=latest']), /tag/);
  assert.match(await rejected(['--set', 'linstor.endpoint=linstor-controller']), /endpoint/);
  assert.match(await rejected(['--set', 'logLevel=verbose']), /logLevel/);
});

test('helm renders the expected objects with default and non-default values', async () => {
  const kinds = (r: Rendering): string[] => [...new Set(r.objects.map((o) => o.kind))].sort();
  const d = await helmDefault();
  assert.equal(kinds(d), ['CSIDriver', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
  const f = await helmFull();
  assert.equal(kinds(f), [
    'CSIDriver', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Deployment', 'PodDisruptionBudget',
    'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ServiceMonitor', 'StorageClass', 'VolumeSnapshotClass',
  ]);
  assert.is(f.objects.filter((o) => o.kind === 'StorageClass').length, 2);
});

test('kustomize builds the base and every overlay', async () => {
  for (const dir of ['base', ...OVERLAYS.map((o) => `overlays/${o}`)]) {
    const r = await kustomizeBuild(dir);
    assert.ok(r.objects.some((o) => o.kind === 'Deployment'), `${r.name} has no Deployment`);
    assert.ok(r.objects.some((o) => o.kind === 'DaemonSet'), `${r.name} has no DaemonSet`);
    assert.ok(r.objects.some((o) => o.kind === 'CSIDriver'), `${r.name} has no CSIDriver`);
  }
});

test('every rendered object is valid against the Kubernetes schemas (offline)', async () => {
  const problems: string[] = [];
  let checked = 0;
  for (const r of await allRenderings()) {
    for (const o of r.objects) {
      checked++;
      for (const e of await validateObject(o)) problems.push(`${r.name}: ${o.kind}/${o.metadata.name}: ${e}`);
    }
  }
  assert.ok(checked > 90, `only ${checked} objects rendered`);
  assert.equal(problems, [], `schema violations:\n${problems.join('\n')}`);
});

test('the schema checks catch a wrong type, an unknown field and a bad snapshot class', async () => {
  const bad = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'x' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: {
        spec: {
          containers: [{ name: 'c', image: 'i:v1', ports: [{ containerPort: 'http' }], volumeMounts: [{ name: 'v', mountPath: '/v', mountPropogation: 'Bidirectional' }] }],
        },
      },
    },
  };
  const errs = await validateObject(bad);
  assert.ok(errs.some((e) => /containerPort must be integer/.test(e)), errs.join('\n'));
  assert.ok(errs.some((e) => /mountPropogation: unknown field/.test(e)), errs.join('\n'));
  const vsc = { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 's' }, driver: 'd', deletionPolicy: 'Keep' };
  assert.ok((await validateObject(vsc)).some((e) => /deletionPolicy/.test(e)));
});

test.run();
