#!/usr/bin/env node
// Regenerates deploy/kustomize/base/*.yaml from the Helm chart rendered with its default
// values (release "linstor-csi", namespace "linstor-csi"), minus the Helm-only labels.
// test/deploy checks that the base and the chart render the same core objects; run this
// after changing the chart's defaults:  node deploy/kustomize/sync-base-from-helm.mjs
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const helm = join(root, '.tools/bin/helm');
const out = execFileSync(helm, [
  'template', 'linstor-csi', join(root, 'deploy/helm/linstor-csi'),
  '--namespace', 'linstor-csi', '--kube-version', '1.34.0',
], { encoding: 'utf8' });

// Which base file each chart template goes to.
const fileOf = {
  'serviceaccounts.yaml': 'rbac.yaml',
  'controller-rbac.yaml': 'rbac.yaml',
  'node-rbac.yaml': 'rbac.yaml',
  'controller-deployment.yaml': 'controller.yaml',
  'node-daemonset.yaml': 'node.yaml',
  'csidriver.yaml': 'csidriver.yaml',
};
const files = new Map();
for (const doc of out.split(/^---\n/m)) {
  const m = /^# Source: linstor-csi\/templates\/(.+)\n/.exec(doc);
  if (!m) continue;
  const target = fileOf[m[1]];
  if (!target) throw new Error(`no base file for template ${m[1]}; extend fileOf`);
  const body = doc
    .slice(m[0].length)
    .split('\n')
    .filter((l) => !/^\s*(helm\.sh\/chart|app\.kubernetes\.io\/managed-by):/.test(l))
    .join('\n')
    .trimEnd();
  files.set(target, [...(files.get(target) ?? []), body]);
}
const header = '# Generated from deploy/helm/linstor-csi (default values) by deploy/kustomize/sync-base-from-helm.mjs.\n# Edit the chart, then regenerate; test/deploy fails when the two drift apart.\n';
for (const [name, docs] of files) {
  writeFileSync(join(root, 'deploy/kustomize/base', name), header + docs.map((d) => `---\n${d}\n`).join(''));
  console.log(`wrote deploy/kustomize/base/${name} (${docs.length} objects)`);
}
