// Invariants of every rendering (helm default and non-default values, kustomize base and
// overlays): driver name, sockets, the driver's CLI flags (parsed by the real parser), image
// pins, RBAC coverage per sidecar, and helm == kustomize for the core objects.
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { parseServeArgs, type Config } from '../../src/config/config.js';
import {
  CHART,
  DRIVER_NAME,
  ROOT,
  allRenderings,
  container,
  containerEnv,
  controllerOf,
  expandVars,
  find,
  helmDefault,
  helmFull,
  helmTemplate,
  kustomizeBuild,
  nodeOf,
  one,
  podSpec,
  type Container,
  type K8sObject,
  type PodSpec,
  type Rendering,
} from './render.js';
import { sidecarPins } from '../helpers/chart-pins.js';

// The pins are written once, in the chart's values; every rendering must carry them.
const SIDECAR_PINS = sidecarPins();
for (const image of ['csi-provisioner', 'csi-attacher', 'csi-snapshotter', 'csi-resizer', 'csi-node-driver-registrar', 'livenessprobe']) {
  if (!SIDECAR_PINS.has(image)) throw new Error(`values.yaml pins no ${image} under sidecars`);
}

function flag(c: Container, name: string): string | undefined {
  const prefix = `--${name}=`;
  const a = (c.args ?? []).find((x) => x.startsWith(prefix));
  return a?.slice(prefix.length);
}

/** Parses the linstor-csi container's arguments with the driver's own config parser. */
function driverConfig(c: Container, where: string): Config {
  const args = c.args ?? [];
  assert.is(c.command, undefined, `${where}: the image entrypoint (linstor-csi) must not be overridden`);
  assert.is(args[0], 'serve', `${where}: the first argument must be the "serve" sub-command, got ${args[0]}`);
  // The kubelet gives every container the API server's Service address (in-cluster config).
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', ...containerEnv(c) };
  const argv = args.slice(1).map((a) => expandVars(a, env));
  for (const a of argv) assert.not.match(a, /\$\(/, `${where}: unresolved variable reference in ${a}`);
  try {
    return parseServeArgs(argv, env);
  } catch (e) {
    const err = e as Error & { flag?: string };
    throw new Error(`${where}: linstor-csi serve rejects its arguments (${err.flag ?? '?'}): ${err.message}\nargs: ${argv.join(' ')}`);
  }
}

/**
 * The LINSTOR connection settings that concern deployment, read tolerantly: the config
 * module names them caFile/certFile/keyFile/timeoutMs (earlier rootCaFile/userCertFile/...).
 */
function linstorSettings(cfg: Config): { endpoints: string[]; ca?: string; cert?: string; key?: string; token?: string; timeoutMs?: number; maxConcurrency?: number } {
  const l = cfg.linstor as unknown as Record<string, unknown>;
  const str = (...names: string[]): string | undefined => names.map((n) => l[n]).find((v): v is string => typeof v === 'string');
  const num = (...names: string[]): number | undefined => names.map((n) => l[n]).find((v): v is number => typeof v === 'number');
  return {
    endpoints: l.endpoints as string[],
    ca: str('caFile', 'rootCaFile'),
    cert: str('certFile', 'userCertFile'),
    key: str('keyFile', 'userKeyFile'),
    token: str('bearerTokenFile'),
    timeoutMs: num('timeoutMs', 'requestTimeoutMs'),
    maxConcurrency: num('maxConcurrency'),
  };
}

/** Path inside the container where the volume holding `file` is mounted, or undefined. */
function mountedVolume(c: Container, file: string): string | undefined {
  const m = (c.volumeMounts ?? [])
    .filter((vm) => file === vm.mountPath || file.startsWith(vm.mountPath.replace(/\/?$/, '/')))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return m?.name;
}

test('the driver name is linstor.csi.linbit.com everywhere it appears', async () => {
  for (const r of await allRenderings()) {
    const d = one(r, 'CSIDriver');
    assert.is(d.metadata.name, DRIVER_NAME, `${r.name}: CSIDriver name`);
    const spec = d.spec as Record<string, unknown>;
    assert.equal(
      { a: spec.attachRequired, p: spec.podInfoOnMount, f: spec.fsGroupPolicy, s: spec.storageCapacity, l: spec.volumeLifecycleModes },
      { a: true, p: true, f: 'ReadWriteOnceWithFSType', s: true, l: ['Persistent'] },
      `${r.name}: CSIDriver spec`,
    );
    for (const sc of find(r, 'StorageClass')) assert.is(sc.provisioner, DRIVER_NAME, `${r.name}: StorageClass ${sc.metadata.name} provisioner`);
    for (const vsc of find(r, 'VolumeSnapshotClass')) assert.is(vsc.driver, DRIVER_NAME, `${r.name}: VolumeSnapshotClass driver`);
    // The node plugin's socket directory is the kubelet's plugin directory for this name.
    const plugin = podSpec(nodeOf(r)).volumes?.find((v) => v.name === 'plugin-dir');
    assert.ok(plugin?.hostPath?.path.endsWith(`/plugins/${DRIVER_NAME}`), `${r.name}: plugin-dir hostPath ${plugin?.hostPath?.path}`);
  }
});

test('every sidecar talks to the socket the driver serves, in a shared volume', async () => {
  for (const r of await allRenderings()) {
    for (const [obj, mode] of [[controllerOf(r), 'controller'], [nodeOf(r), 'node']] as const) {
      const where = `${r.name} ${obj.kind}/${obj.metadata.name}`;
      const ps = podSpec(obj);
      const driver = container(ps, 'linstor-csi', where);
      const cfg = driverConfig(driver, where);
      assert.is(cfg.mode, mode, `${where}: --mode`);
      assert.is(cfg.csiEndpoint.kind, 'unix', `${where}: the driver must serve a unix socket`);
      const socket = cfg.csiEndpoint.kind === 'unix' ? cfg.csiEndpoint.path : '';
      const socketVolume = mountedVolume(driver, socket);
      assert.ok(socketVolume, `${where}: the driver's socket ${socket} is not on a volume`);
      const driverMount = driver.volumeMounts?.find((m) => m.name === socketVolume)?.mountPath as string;
      const sidecars = ps.containers.filter((c) => c.name !== 'linstor-csi');
      assert.ok(sidecars.length >= 2, `${where}: sidecars missing`);
      for (const c of sidecars) {
        const addr = flag(c, 'csi-address');
        assert.ok(addr, `${where}: sidecar ${c.name} has no --csi-address`);
        const vol = mountedVolume(c, addr as string);
        assert.is(vol, socketVolume, `${where}: ${c.name} --csi-address=${addr} is not on the driver's socket volume`);
        const mount = c.volumeMounts?.find((m) => m.name === vol)?.mountPath as string;
        // Same file: the path relative to the shared volume must match.
        assert.is(posix.relative(mount, addr as string), posix.relative(driverMount, socket), `${where}: ${c.name} --csi-address=${addr} vs driver socket ${socket}`);
      }
      if (mode === 'node') {
        const reg = container(ps, 'csi-node-driver-registrar', where);
        const vol = ps.volumes?.find((v) => v.name === socketVolume);
        const hostSocket = posix.join(vol?.hostPath?.path ?? '<no hostPath>', posix.relative(driverMount, socket));
        assert.is(flag(reg, 'kubelet-registration-path'), hostSocket, `${where}: --kubelet-registration-path must be the driver socket's path on the host`);
        const regDir = reg.volumeMounts?.find((m) => m.mountPath === '/registration');
        const regVol = ps.volumes?.find((v) => v.name === regDir?.name);
        assert.ok(regVol?.hostPath?.path.endsWith('/plugins_registry'), `${where}: /registration must be the kubelet's plugins_registry`);
        const kubeletDir = dirname(dirname(vol?.hostPath?.path ?? ''));
        assert.is(regVol?.hostPath?.path, `${kubeletDir}/plugins_registry`, `${where}: registry and plugin dirs under one kubelet dir`);
        const kubeletMount = driver.volumeMounts?.find((m) => m.mountPath === kubeletDir);
        assert.is(kubeletMount?.mountPropagation, 'Bidirectional', `${where}: ${kubeletDir} must be mounted with Bidirectional propagation`);
        const kubeletVol = ps.volumes?.find((v) => v.name === kubeletMount?.name);
        assert.is(kubeletVol?.hostPath?.path, kubeletDir, `${where}: the kubelet dir must be the host's`);
        const dev = driver.volumeMounts?.find((m) => m.mountPath === '/dev');
        assert.is(ps.volumes?.find((v) => v.name === dev?.name)?.hostPath?.path, '/dev', `${where}: hostPath /dev`);
        assert.is(driver.securityContext?.privileged, true, `${where}: the node plugin must be privileged`);
        assert.ok(cfg.nodeName, `${where}: --node must resolve to the node name`);
      }
      // The plugin's liveness probe hits the livenessprobe sidecar's port.
      const probe = container(ps, 'liveness-probe', where);
      const port = Number(flag(probe, 'health-port'));
      const pp = driver.livenessProbe?.httpGet?.port;
      const resolved = typeof pp === 'string' ? driver.ports?.find((p) => p.name === pp)?.containerPort : pp;
      assert.is(resolved, port, `${where}: linstor-csi livenessProbe port vs livenessprobe --health-port`);
    }
  }
});

test('the driver is started with flags and env the CLI accepts, TLS files on mounted secrets', async () => {
  for (const r of await allRenderings()) {
    for (const obj of [controllerOf(r), nodeOf(r)]) {
      const where = `${r.name} ${obj.kind}/${obj.metadata.name}`;
      const ps = podSpec(obj);
      const driver = container(ps, 'linstor-csi', where);
      const ls = linstorSettings(driverConfig(driver, where));
      assert.ok(ls.endpoints.length >= 1, `${where}: no LINSTOR endpoint`);
      for (const file of [ls.ca, ls.cert, ls.key, ls.token]) {
        if (file === undefined) continue;
        const vol = ps.volumes?.find((v) => v.name === mountedVolume(driver, file));
        assert.ok(vol?.secret?.secretName, `${where}: ${file} is not on a mounted Secret`);
      }
      if (ls.cert) {
        assert.ok(ls.endpoints.every((e) => e.startsWith('https://')), `${where}: client certificates with a non-https endpoint`);
      }
    }
  }
  // The non-default values reach the driver as parsed settings.
  const full = await helmFull();
  const c = driverConfig(container(podSpec(controllerOf(full)), 'linstor-csi', 'full'), 'full controller');
  const ls = linstorSettings(c);
  assert.equal(ls.endpoints, ['https://linstor-a.storage.svc:3371', 'https://linstor-b.storage.svc:3371']);
  assert.equal([ls.ca, ls.cert, ls.key], ['/etc/linstor/client/ca.crt', '/etc/linstor/client/tls.crt', '/etc/linstor/client/tls.key']);
  assert.is(ls.token, '/etc/linstor/token/token');
  assert.is(ls.timeoutMs, 45_000);
  assert.is(ls.maxConcurrency, 8);
  assert.is(c.logLevel, 'debug');
  assert.is(c.logFormat, 'text');
  const n = driverConfig(container(podSpec(nodeOf(full)), 'linstor-csi', 'full'), 'full node');
  assert.is(n.nodeName, 'worker-1');
  assert.is(n.deviceWaitTimeoutMs, 60_000);
  assert.is(n.maxVolumesPerNode, 256);
  assert.is(n.propertyNamespace, 'Aux/topology');
});

test('a bad driver flag in the values is caught by the parser check', async () => {
  const r = await helmTemplate('helm (bad extraArgs)', 'linstor-csi', 'linstor-csi', ['--set', 'node.extraArgs={--max-volumes-per-node=lots}']);
  assert.throws(() => driverConfig(container(podSpec(nodeOf(r)), 'linstor-csi', 'bad'), 'bad node'), /max-volumes-per-node/);
});

function images(r: Rendering): { where: string; image: string }[] {
  const out: { where: string; image: string }[] = [];
  for (const o of r.objects) {
    if (o.kind !== 'Deployment' && o.kind !== 'DaemonSet') continue;
    const ps = podSpec(o);
    for (const c of [...(ps.initContainers ?? []), ...ps.containers]) out.push({ where: `${r.name} ${o.kind}/${o.metadata.name} ${c.name}`, image: c.image });
  }
  return out;
}

test('every image is pinned to a release tag (and the sidecars to the chosen releases)', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
  assert.is(chart.appVersion, pkg.version, 'Chart appVersion must equal package.json version');
  assert.ok(SIDECAR_PINS.size >= 7, `the chart pins the sidecars: ${[...SIDECAR_PINS.keys()].join(', ')}`);
  for (const r of await allRenderings()) {
    for (const { where, image } of images(r)) {
      const m = /^(?<repo>[^@]+?)(?::(?<tag>[^:/@]+))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/.exec(image);
      const tag = m?.groups?.tag;
      assert.ok(tag, `${where}: image ${image} has no tag`);
      assert.ok(/^v?\d+\.\d+\.\d+/.test(tag as string), `${where}: image ${image} is not pinned to a release tag`);
      const base = (m?.groups?.repo as string).split('/').pop() as string;
      const pin = SIDECAR_PINS.get(base)?.tag;
      if (pin) assert.is(tag, pin, `${where}: ${base} pinned to ${tag}, expected ${pin}`);
      else {
        assert.is(base, 'linstor-csi', `${where}: unexpected image ${image}`);
        assert.is(tag, pkg.version, `${where}: driver image tag`);
      }
    }
  }
  // Sidecars come from registry.k8s.io/sig-storage by default.
  for (const { where, image } of images(await helmDefault())) {
    if (!image.includes('/linstor-csi:')) assert.ok(image.startsWith('registry.k8s.io/sig-storage/'), `${where}: ${image}`);
  }
});

// What each controller sidecar needs from the API (from the kubernetes-csi RBAC of the
// pinned releases). Namespaced rules may come from a Role in the release namespace.
type Need = { group: string; resource: string; verbs: string[]; namespaced?: boolean };
const LEASES: Need = { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'watch', 'list', 'delete', 'update', 'create'], namespaced: true };
const EVENTS: Need = { group: '', resource: 'events', verbs: ['list', 'watch', 'create', 'update', 'patch'] };
const NEEDS: Record<string, Need[]> = {
  'csi-provisioner': [
    { group: '', resource: 'persistentvolumes', verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list', 'watch', 'update'] },
    { group: 'storage.k8s.io', resource: 'storageclasses', verbs: ['get', 'list', 'watch'] },
    EVENTS,
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verbs: ['get', 'list', 'watch'] },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotcontents', verbs: ['get', 'list'] },
    { group: 'storage.k8s.io', resource: 'csinodes', verbs: ['get', 'list', 'watch'] },
    { group: '', resource: 'nodes', verbs: ['get', 'list', 'watch'] },
    { group: 'storage.k8s.io', resource: 'volumeattachments', verbs: ['get', 'list', 'watch'] },
    LEASES,
    { group: 'storage.k8s.io', resource: 'csistoragecapacities', verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], namespaced: true },
    { group: '', resource: 'pods', verbs: ['get'], namespaced: true },
    { group: 'apps', resource: 'replicasets', verbs: ['get'], namespaced: true },
  ],
  'csi-attacher': [
    { group: '', resource: 'persistentvolumes', verbs: ['get', 'list', 'watch', 'patch'] },
    { group: 'storage.k8s.io', resource: 'csinodes', verbs: ['get', 'list', 'watch'] },
    { group: 'storage.k8s.io', resource: 'volumeattachments', verbs: ['get', 'list', 'watch', 'patch'] },
    { group: 'storage.k8s.io', resource: 'volumeattachments/status', verbs: ['patch'] },
    LEASES,
  ],
  'csi-snapshotter': [
    EVENTS,
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotclasses', verbs: ['get', 'list', 'watch'] },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotcontents', verbs: ['get', 'list', 'watch', 'update', 'patch'] },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotcontents/status', verbs: ['update', 'patch'] },
    LEASES,
  ],
  'csi-resizer': [
    { group: '', resource: 'persistentvolumes', verbs: ['get', 'list', 'watch', 'patch'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list', 'watch'] },
    { group: '', resource: 'persistentvolumeclaims/status', verbs: ['patch'] },
    { group: '', resource: 'pods', verbs: ['list', 'watch'] },
    EVENTS,
    LEASES,
  ],
  'csi-external-health-monitor-controller': [
    { group: '', resource: 'persistentvolumes', verbs: ['get', 'list', 'watch'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list', 'watch'] },
    { group: '', resource: 'nodes', verbs: ['get', 'list', 'watch'] },
    { group: '', resource: 'pods', verbs: ['get', 'list', 'watch'] },
    { group: '', resource: 'events', verbs: ['create', 'patch'] },
    LEASES,
  ],
};

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The rules granted to a ServiceAccount: cluster-wide, and in its own namespace. */
function grants(r: Rendering, sa: string, ns: string): { cluster: Rule[]; namespaced: Rule[] } {
  const isSubject = (b: K8sObject): boolean =>
    ((b.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? []).some(
      (s) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === ns,
    );
  const roleRules = (kind: string, name: string, namespace?: string): Rule[] => {
    const role = find(r, kind, (o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace))[0];
    assert.ok(role, `${r.name}: binding refers to missing ${kind} ${name}`);
    return (role?.rules as Rule[] | undefined) ?? [];
  };
  const cluster: Rule[] = [];
  const namespaced: Rule[] = [];
  for (const b of find(r, 'ClusterRoleBinding', isSubject)) {
    const ref = b.roleRef as { kind: string; name: string };
    cluster.push(...roleRules('ClusterRole', ref.name));
  }
  for (const b of find(r, 'RoleBinding', (o) => o.metadata.namespace === ns && isSubject(o))) {
    const ref = b.roleRef as { kind: string; name: string };
    namespaced.push(...roleRules(ref.kind, ref.name, ref.kind === 'Role' ? ns : undefined));
  }
  return { cluster, namespaced };
}

function allows(rules: Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (ru) => (ru.apiGroups ?? []).includes(group) && (ru.resources ?? []).includes(resource) && ru.verbs.includes(verb) && !ru.resourceNames?.length,
  );
}

test('RBAC: the controller ServiceAccount covers what each of its sidecars needs', async () => {
  for (const r of await allRenderings()) {
    const dep = controllerOf(r);
    const ps: PodSpec = podSpec(dep);
    const ns = dep.metadata.namespace as string;
    assert.ok(ns, `${r.name}: controller has no namespace`);
    const { cluster, namespaced } = grants(r, ps.serviceAccountName as string, ns);
    const sa = find(r, 'ServiceAccount', (o) => o.metadata.name === ps.serviceAccountName && o.metadata.namespace === ns);
    assert.is(sa.length, 1, `${r.name}: controller ServiceAccount ${ps.serviceAccountName} not rendered`);
    const missing: string[] = [];
    for (const c of ps.containers) {
      const base = c.image.replace(/[:@].*$/, '').split('/').pop() as string;
      const needs = NEEDS[base];
      if (c.name === 'linstor-csi' || base === 'livenessprobe') continue;
      assert.ok(needs, `${r.name}: no RBAC expectations for sidecar ${c.name} (${base}); add them to NEEDS`);
      for (const n of needs ?? []) {
        for (const v of n.verbs) {
          const ok = allows(cluster, n.group, n.resource, v) || (n.namespaced === true && allows(namespaced, n.group, n.resource, v));
          if (!ok) missing.push(`${c.name}: ${v} ${n.group || 'core'}/${n.resource}${n.namespaced ? ` (in ${ns})` : ''}`);
        }
      }
    }
    assert.equal(missing, [], `${r.name}: RBAC misses:\n${missing.join('\n')}`);
  }
});

/** Exactly what the HA agent calls (docs/failover.md); nothing more may be granted to the node. */
const HA_NEEDS: Rule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** Flattens rules to "group/resource verb" strings, for set comparison. */
function flatRules(rules: Rule[]): string[] {
  return [...new Set(rules.flatMap((ru) => (ru.apiGroups ?? []).flatMap((g) => (ru.resources ?? []).flatMap((r) => ru.verbs.map((v) => `${g || 'core'}/${r} ${v}`)))))].sort();
}

test('RBAC: least privilege (no wildcards, no Secret access by default; the node pod gets exactly what the HA agent needs, or nothing without it)', async () => {
  const noHa = await helmTemplate('helm (ha.enabled=false)', 'linstor-csi', 'linstor-csi', ['--set', 'ha.enabled=false']);
  for (const r of [...(await allRenderings()), noHa]) {
    for (const role of [...find(r, 'ClusterRole'), ...find(r, 'Role')]) {
      for (const ru of (role.rules as Rule[] | undefined) ?? []) {
        const all = [...(ru.apiGroups ?? []), ...(ru.resources ?? []), ...ru.verbs];
        assert.not.ok(all.includes('*'), `${r.name}: ${role.kind}/${role.metadata.name} uses a wildcard`);
        if (r.name !== 'helm (values-full.yaml)') {
          assert.not.ok((ru.resources ?? []).includes('secrets'), `${r.name}: ${role.kind}/${role.metadata.name} grants Secret access`);
        }
      }
    }
    const node = nodeOf(r);
    const ps = podSpec(node) as PodSpec & { automountServiceAccountToken?: boolean };
    const ha = driverConfig(container(ps, 'linstor-csi', r.name), `${r.name} node`).ha !== undefined;
    assert.is(ps.automountServiceAccountToken, ha, `${r.name}: the node pod mounts an API token exactly when the HA agent runs`);
    const g = grants(r, ps.serviceAccountName as string, node.metadata.namespace as string);
    assert.equal(flatRules([...g.cluster, ...g.namespaced]), ha ? flatRules(HA_NEEDS) : [], `${r.name}: the node ServiceAccount's roles`);
  }
  assert.is(driverConfig(container(podSpec(nodeOf(noHa)), 'linstor-csi', 'noHa'), 'noHa').ha, undefined);
  const full = await helmFull();
  const g = grants(full, podSpec(controllerOf(full)).serviceAccountName as string, 'storage');
  assert.ok(allows(g.cluster, '', 'secrets', 'get'), 'rbac.secretAccess=true grants get secrets');
});

test('HA values reach the node plugin\'s flags (enabled by default)', async () => {
  const def = driverConfig(container(podSpec(nodeOf(await helmDefault())), 'linstor-csi', 'default'), 'default node');
  assert.equal(def.ha, { failoverTimeoutMs: 5000, pollIntervalMs: 1000, taints: true, optOutAnnotation: 'drbd.linbit.com/ignore-fail-over' });
  const custom = await helmTemplate('helm (ha values)', 'linstor-csi', 'linstor-csi', ['--set', 'ha.failoverTimeout=12s', '--set', 'ha.pollInterval=500ms', '--set', 'ha.taints=false', '--set', 'ha.optOutAnnotation=example.com/stay']);
  const c = driverConfig(container(podSpec(nodeOf(custom)), 'linstor-csi', 'custom'), 'custom node');
  assert.equal(c.ha, { failoverTimeoutMs: 12_000, pollIntervalMs: 500, taints: false, optOutAnnotation: 'example.com/stay' });
});

// --- helm and kustomize render the same core objects ---

const HELM_ONLY_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

/** Drops Helm bookkeeping and sorts lists of named items so list order does not matter. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(normalise);
    if (items.every((x) => x !== null && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string')) {
      return [...items].sort((a, b) => String((a as { name: string }).name).localeCompare(String((b as { name: string }).name)));
    }
    return items;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as object)) {
      if (k === 'labels' && x && typeof x === 'object') {
        const labels = Object.fromEntries(Object.entries(x as object).filter(([l]) => !HELM_ONLY_LABELS.includes(l)));
        if (Object.keys(labels).length) out[k] = labels;
        continue;
      }
      out[k] = normalise(x);
    }
    return out;
  }
  return v;
}

const CORE_KINDS = new Set(['CSIDriver', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'DaemonSet', 'PodDisruptionBudget']);
const key = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function assertSameCore(helm: Rendering, kust: Rendering): void {
  const h = new Map(helm.objects.filter((o) => CORE_KINDS.has(o.kind)).map((o) => [key(o), o]));
  const k = new Map(kust.objects.filter((o) => CORE_KINDS.has(o.kind)).map((o) => [key(o), o]));
  assert.equal([...k.keys()].sort(), [...h.keys()].sort(), `${kust.name} vs ${helm.name}: different objects`);
  for (const [name, ho] of h) {
    assert.equal(normalise(k.get(name)), normalise(ho), `${kust.name} vs ${helm.name}: ${name} differs (regenerate the base with node deploy/kustomize/sync-base-from-helm.mjs, or fix the overlay)`);
  }
}

test('helm and kustomize render the same core objects (base and each overlay)', async () => {
  assertSameCore(await helmDefault(), await kustomizeBuild('base'));
  assertSameCore(
    await helmTemplate('helm (TLS values)', 'linstor-csi', 'linstor-csi', [
      '--set', 'linstor.endpoint=https://linstor-controller.piraeus-datastore.svc:3371',
      '--set', 'linstor.tls.secretName=linstor-client-tls',
    ]),
    await kustomizeBuild('overlays/tls'),
  );
  assertSameCore(
    await helmTemplate('helm (private registry values)', 'linstor-csi', 'linstor-csi', [
      '--set', 'image.registry=registry.example.com',
      '--set', 'sidecars.registry=registry.example.com',
      '--set', 'imagePullSecrets={regcred}',
    ]),
    await kustomizeBuild('overlays/private-registry'),
  );
  assertSameCore(
    await helmTemplate('helm (HA values)', 'linstor-csi', 'linstor-csi', [
      '--set', 'controller.replicas=3',
      '--set', 'controller.healthMonitor.enabled=true',
    ]),
    await kustomizeBuild('overlays/ha'),
  );
});

test('the non-default values reach the pods (scheduling, pull secrets, replicas, classes)', async () => {
  const f = await helmFull();
  const dep = controllerOf(f);
  const cps = podSpec(dep);
  const nps = podSpec(nodeOf(f));
  assert.is((dep.spec as { replicas: number }).replicas, 3);
  for (const ps of [cps, nps]) assert.equal(ps.imagePullSecrets, [{ name: 'regcred' }, { name: 'mirror-cred' }]);
  assert.is(cps.priorityClassName, 'storage-critical');
  assert.is(nps.priorityClassName, 'storage-node-critical');
  assert.equal(cps.nodeSelector, { 'node-role.kubernetes.io/control-plane': '' });
  assert.equal(nps.nodeSelector, { 'linstor.example.com/storage': 'true' });
  assert.equal(nps.tolerations, [{ operator: 'Exists' }]);
  assert.ok(cps.containers.some((c) => c.name === 'csi-external-health-monitor-controller'));
  const prov = container(cps, 'csi-provisioner', 'full');
  for (const a of ['--default-fstype=xfs', '--feature-gates=Topology=true', '--extra-create-metadata', '--enable-capacity', '--leader-election', '--timeout=3m']) {
    assert.ok(prov.args?.includes(a), `csi-provisioner lacks ${a}`);
  }
  const sc = one(f, 'StorageClass', (o) => o.metadata.name === 'linstor-replicated');
  assert.equal(sc.parameters, {
    'linstor.csi.linbit.com/placementCount': '2',
    'linstor.csi.linbit.com/storagePool': 'pool1',
    'csi.storage.k8s.io/fstype': 'ext4',
  });
  assert.is(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.is(sc.volumeBindingMode, 'WaitForFirstConsumer');
  assert.is(sc.allowVolumeExpansion, true);
  const sc2 = one(f, 'StorageClass', (o) => o.metadata.name === 'linstor-xfs-retain');
  assert.is(sc2.allowVolumeExpansion, false);
  assert.is(sc2.reclaimPolicy, 'Retain');
  const node = container(nps, 'csi-node-driver-registrar', 'full');
  assert.is(flag(node, 'kubelet-registration-path'), '/var/lib/k0s/kubelet/plugins/linstor.csi.linbit.com/csi.sock');
});

test.run();
