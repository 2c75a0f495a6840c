// What platform teams run: the snapshotter and its group-snapshot gate follow the cluster's
// APIs and agree with what the real driver advertises; metrics ports, Services and the
// optional ServiceMonitor line up with the flags; per-sidecar settings, pod extras, the
// read-only node plugin, and the init container that waits for LINSTOR (run for real
// against the emulator with the rendered arguments).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempEmulator } from '../helpers/emulator.js';
import { runCli, startDriver, type DriverProcess } from '../helpers/driver.js';
import { driverConfig, flag } from './driver-args.js';
import { GROUP_SNAPSHOT_API, SERVICE_MONITOR_API, TYPICAL_APIS, apiArgs, type Rendering } from './render.js';
import { allRenderings, helmDefault, helmFull, helmTemplate } from './render.js';
import { container, containerEnv, controllerOf, expandVars, find, nodeOf, one, podSpec, type Container, type K8sObject } from './render.js';

interface FullContainer extends Container {
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  securityContext?: { privileged?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { add?: string[] } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
const full = (c: Container): FullContainer => c as FullContainer;

/** The snapshot-related capabilities the real driver advertises (a controller process, LINSTOR not needed). */
async function advertised(): Promise<{ snapshots: boolean; groupService: boolean; groupSnapshots: boolean }> {
  let drv: DriverProcess | undefined;
  try {
    drv = await startDriver({ args: ['--mode=controller', '--linstor-endpoint=http://127.0.0.1:9'], env: { LINSTOR_CSI_FROM_SOURCE: '1' } });
    const plugin = (await drv.identity.GetPluginCapabilities({})) as { capabilities: Array<{ service?: { type: string } }> };
    const ctl = (await drv.controller.ControllerGetCapabilities({})) as { capabilities: Array<{ rpc?: { type: string } }> };
    const grp = (await drv.groupController.GroupControllerGetCapabilities({})) as { capabilities: Array<{ rpc?: { type: string } }> };
    return {
      snapshots: ctl.capabilities.some((c) => c.rpc?.type === 'CREATE_DELETE_SNAPSHOT'),
      groupService: plugin.capabilities.some((c) => c.service?.type === 'GROUP_CONTROLLER_SERVICE'),
      groupSnapshots: grp.capabilities.some((c) => c.rpc?.type === 'CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT'),
    };
  } finally {
    await drv?.stop();
  }
}

const snapshotter = (r: Rendering): FullContainer | undefined => podSpec(controllerOf(r)).containers.find((c) => c.name === 'csi-snapshotter');
const GATE = '--feature-gates=CSIVolumeGroupSnapshot=true';

test('csi-snapshotter and its group-snapshot gate follow the cluster APIs and agree with the driver', async () => {
  const drv = await advertised();
  assert.ok(drv.snapshots, 'the driver advertises CREATE_DELETE_SNAPSHOT');
  assert.ok(drv.groupService && drv.groupSnapshots, 'the driver advertises group snapshots');
  const render = (name: string, apis: string[]): Promise<Rendering> => helmTemplate(`helm (${name})`, 'linstor-csi', 'linstor-csi', apiArgs(apis));
  const none = await render('no snapshot APIs', []);
  const snap = await render('snapshot API', TYPICAL_APIS);
  const group = await render('snapshot and group snapshot APIs', [...TYPICAL_APIS, GROUP_SNAPSHOT_API]);
  const groupOnly = await render('group snapshot API without the snapshot API', [GROUP_SNAPSHOT_API]);

  assert.is(snapshotter(none), undefined, 'no snapshotter without snapshot.storage.k8s.io/v1: it would only fail to list');
  assert.is(snapshotter(groupOnly), undefined);
  const plain = snapshotter(snap);
  assert.ok(plain, 'a snapshotter when the snapshot API exists');
  assert.not.ok(plain?.args?.includes(GATE), 'no group gate without the group snapshot API');
  const grouped = snapshotter(group);
  assert.ok(grouped?.args?.includes(GATE), 'the group gate when the group snapshot API exists');
  // What the driver advertises is usable exactly when the APIs exist: the sidecar that
  // serves each capability runs in that rendering.
  const cases: Array<[Rendering, readonly string[]]> = [[none, []], [snap, TYPICAL_APIS], [group, [...TYPICAL_APIS, GROUP_SNAPSHOT_API]]];
  for (const [r, apis] of cases) {
    const s = snapshotter(r);
    assert.is(s !== undefined, drv.snapshots && apis.includes('snapshot.storage.k8s.io/v1'), `${r.name}: snapshotter`);
    assert.is(s?.args?.includes(GATE) ?? false, drv.groupSnapshots && apis.includes(GROUP_SNAPSHOT_API), `${r.name}: group gate`);
  }
  // Forced either way regardless of the APIs.
  const forced = await helmTemplate('helm (snapshots forced on)', 'linstor-csi', 'linstor-csi', ['--set', 'controller.snapshots.enabled=true', '--set', 'controller.snapshots.groupSnapshots=true']);
  assert.ok(snapshotter(forced)?.args?.includes(GATE));
  const off = await helmTemplate('helm (snapshots off)', 'linstor-csi', 'linstor-csi', [...apiArgs([...TYPICAL_APIS, GROUP_SNAPSHOT_API]), '--set', 'controller.snapshots.enabled=false']);
  assert.is(snapshotter(off), undefined);
});

test('the CSIDriver sets seLinuxMount and what the piraeus deployment sets', async () => {
  for (const r of await allRenderings()) {
    const spec = one(r, 'CSIDriver').spec as Record<string, unknown>;
    assert.equal(
      spec,
      { attachRequired: true, podInfoOnMount: true, fsGroupPolicy: 'ReadWriteOnceWithFSType', storageCapacity: true, requiresRepublish: false, volumeLifecycleModes: ['Persistent'], seLinuxMount: true },
      `${r.name}: CSIDriver spec`,
    );
  }
});

/** The containerPort of a named port, or the number itself. */
function portOf(c: FullContainer, p: number | string | undefined): number | undefined {
  return typeof p === 'string' ? c.ports?.find((x) => x.name === p)?.containerPort : p;
}

function checkMetricsWiring(r: Rendering, obj: K8sObject, mode: string): void {
  const where = `${r.name} ${mode}`;
  const ps = podSpec(obj);
  const driver = full(container(ps, 'linstor-csi', where));
  const cfg = driverConfig(driver, where);
  assert.ok(cfg.metricsAddress, `${where}: --metrics-address is set`);
  assert.is(portOf(driver, 'metrics'), cfg.metricsAddress?.port, `${where}: the metrics containerPort is the port the driver serves`);
  const svc = one(r, 'Service', (o) => o.metadata.name.endsWith(`-${mode}-metrics`));
  const selector = (svc.spec as { selector: Record<string, string> }).selector;
  const labels = ((obj.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels);
  for (const [k, v] of Object.entries(selector)) assert.is(labels[k], v, `${where}: the metrics Service selects the pods (${k})`);
  const ports = (svc.spec as { ports: Array<{ name: string; port: number; targetPort: string }> }).ports;
  for (const p of ports) {
    const owner = ps.containers.map(full).find((c) => c.ports?.some((x) => x.name === p.targetPort));
    assert.ok(owner, `${where}: Service port ${p.name} targets a port no container has`);
    if (owner?.name !== 'linstor-csi') {
      const endpoint = flag(owner as Container, 'http-endpoint');
      assert.is(endpoint, `:${portOf(owner as FullContainer, p.targetPort)}`, `${where}: ${owner?.name} --http-endpoint serves the Service's target port`);
    }
  }
  if (mode === 'controller') {
    for (const c of ps.containers.map(full).filter((x) => flag(x, 'leader-election-namespace') !== undefined)) {
      const port = flag(c, 'http-endpoint');
      assert.ok(port, `${where}: ${c.name} has an --http-endpoint`);
      assert.ok(ports.some((p) => p.port === Number(port?.slice(1))), `${where}: ${c.name}'s metrics are on the Service`);
      assert.is(c.livenessProbe?.httpGet?.path, '/healthz/leader-election', `${where}: ${c.name} liveness probe`);
      assert.is(portOf(c, c.livenessProbe?.httpGet?.port), Number(port?.slice(1)), `${where}: ${c.name} probe port`);
    }
  }
}

test('metrics: the driver and sidecar ports, the Services, and a ServiceMonitor only when its CRD exists', async () => {
  for (const r of await allRenderings()) {
    checkMetricsWiring(r, controllerOf(r), 'controller');
    checkMetricsWiring(r, nodeOf(r), 'node');
  }
  assert.is(find(await helmDefault(), 'ServiceMonitor').length, 0, 'no ServiceMonitor without monitoring.coreos.com/v1');
  const f = await helmFull();
  const sm = one(f, 'ServiceMonitor');
  assert.is(sm.metadata.labels?.['release'], 'prometheus', 'the ServiceMonitor carries the labels Prometheus selects by');
  const endpoints = (sm.spec as { endpoints: Array<{ port: string; interval: string }> }).endpoints;
  const servicePorts = find(f, 'Service').flatMap((s) => (s.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name));
  for (const e of endpoints) assert.ok(servicePorts.includes(e.port), `ServiceMonitor endpoint ${e.port} is a Service port`);
  assert.ok(endpoints.some((e) => e.port === 'metrics') && endpoints.some((e) => e.port === 'http-health'), 'the driver and the health monitor are scraped');
  assert.is(endpoints[0]?.interval, '15s');
  const off = await helmTemplate('helm (metrics off)', 'linstor-csi', 'linstor-csi', [...apiArgs([SERVICE_MONITOR_API]), '--set', 'metrics.enabled=false']);
  assert.is(find(off, 'Service').length + find(off, 'ServiceMonitor').length, 0, 'metrics.enabled=false leaves no metrics objects');
  assert.is(driverConfig(container(podSpec(controllerOf(off)), 'linstor-csi', 'off'), 'off').metricsAddress, undefined);
});

test('per-sidecar log level, extraArgs and resources; leader election and API limits; pod extras', async () => {
  const f = await helmFull();
  const cps = podSpec(controllerOf(f));
  const prov = full(container(cps, 'csi-provisioner', 'full'));
  assert.is(flag(prov, 'v'), '5');
  assert.is(prov.args?.at(-1), '--capacity-poll-interval=5m', 'extraArgs come last, so they can override');
  assert.equal(prov.resources?.requests, { cpu: '50m', memory: '64Mi' });
  for (const name of ['csi-provisioner', 'csi-attacher', 'csi-snapshotter', 'csi-resizer']) {
    const c = container(cps, name, 'full');
    assert.equal(
      ['leader-election-lease-duration', 'leader-election-renew-deadline', 'leader-election-retry-period', 'kube-api-qps', 'kube-api-burst'].map((n) => flag(c, n)),
      ['60s', '40s', '10s', '50', '100'],
      `${name} tuning flags`,
    );
  }
  const hm = container(cps, 'csi-external-health-monitor-controller', 'full');
  assert.is(flag(hm, 'kube-api-qps'), undefined, 'the health monitor has no API-limit flags');
  const d = await helmDefault();
  for (const c of podSpec(controllerOf(d)).containers) assert.is(flag(c, 'kube-api-qps'), undefined, `${c.name}: sidecar defaults unless set`);
  const reg = container(podSpec(nodeOf(f)), 'csi-node-driver-registrar', 'full');
  assert.is(flag(reg, 'v'), '4');
  assert.ok(reg.args?.includes('--timeout=10s'));
  assert.is(flag(reg, 'health-port'), undefined, 'the registrar uses --http-endpoint (--health-port is deprecated)');

  const tpl = (o: K8sObject) => (o.spec as { template: { metadata: { labels: Record<string, string> }; spec: { topologySpreadConstraints?: unknown[]; volumes: Array<{ name: string }> } } }).template;
  for (const o of [controllerOf(f), nodeOf(f)]) assert.is(tpl(o).metadata.labels['example.com/tier'], 'storage', `${o.kind} pod labels`);
  assert.is(tpl(controllerOf(f)).spec.topologySpreadConstraints?.length, 1);
  const drv = full(container(cps, 'linstor-csi', 'full'));
  assert.ok(drv.env?.some((e) => e.name === 'TZ' && e.value === 'UTC'), 'extraEnv');
  assert.ok(drv.volumeMounts?.some((m) => m.name === 'extra-ca' && m.mountPath === '/etc/extra-ca'), 'extraVolumeMounts');
  assert.ok(tpl(controllerOf(f)).spec.volumes.some((v) => v.name === 'extra-ca'), 'extraVolumes');
});

test('the node plugin: read-only root, no settings privileged implies, writable tool state', async () => {
  for (const r of await allRenderings()) {
    const ps = podSpec(nodeOf(r));
    const drv = full(container(ps, 'linstor-csi', r.name));
    assert.equal(drv.securityContext, { privileged: true, readOnlyRootFilesystem: true, runAsUser: 0 }, `${r.name}: node plugin securityContext`);
    for (const dir of ['/run/drbd', '/run/fsck', '/var/lib/drbd', '/tmp', '/run/mount', '/run/lock']) {
      assert.ok(drv.volumeMounts?.some((m) => m.mountPath === dir), `${r.name}: ${dir} is writable`);
    }
  }
});

type HostPathVolume = { name: string; hostPath?: { path: string; type?: string } };
const hostVolumes = (ps: ReturnType<typeof podSpec>): HostPathVolume[] => (ps as unknown as { volumes: HostPathVolume[] }).volumes;

test('the node plugin mounts DRBD configuration and the LINSTOR resource files read-only from the host', async () => {
  const want = [{ path: '/var/lib/linstor.d', type: 'DirectoryOrCreate' }];
  const hostConf = await helmTemplate('helm host drbd.conf', 'linstor-csi', 'linstor-csi', [
    ...apiArgs(TYPICAL_APIS),
    ...['node.drbdConfig.drbdConf=/etc/drbd.conf', 'node.drbdConfig.drbdConfDir=/etc/drbd.d'].flatMap((s) => ['--set', s]),
  ]);
  const wantHost = [{ path: '/etc/drbd.conf', type: 'File' }, { path: '/etc/drbd.d', type: 'Directory' }, ...want];
  for (const [r, wanted] of [...(await allRenderings()).map((x) => [x, want] as const), [hostConf, wantHost] as const]) {
    const ps = podSpec(nodeOf(r));
    const drv = full(container(ps, 'linstor-csi', r.name));
    for (const w of wanted) {
      const m = drv.volumeMounts?.find((x) => x.mountPath === w.path);
      assert.ok(m, `${r.name}: ${w.path} is mounted in the node plugin`);
      assert.is((m as { readOnly?: boolean }).readOnly, true, `${r.name}: ${w.path} is mounted read-only`);
      const v = hostVolumes(ps).find((x) => x.name === m?.name);
      assert.equal(v?.hostPath, w, `${r.name}: ${w.path} comes from the same host path`);
    }
    // By default nothing of the host's /etc is mounted (no empty file created there to hide the image's).
    if (wanted === want) assert.not.ok((drv.volumeMounts ?? []).some((m) => m.mountPath.startsWith('/etc/drbd')), `${r.name}: the image's drbd.conf is used`);
    // drbdadm writes only its state and lock dirs, never the configuration.
    for (const m of drv.volumeMounts ?? []) {
      if (m.mountPath.startsWith('/etc/drbd') || m.mountPath === '/var/lib/linstor.d') assert.is((m as { readOnly?: boolean }).readOnly, true, `${r.name}: ${m.mountPath}`);
    }
  }
  const mountsWith = async (set: string[]) => {
    const r = await helmTemplate(`helm ${set.join(' ')}`, 'linstor-csi', 'linstor-csi', [...apiArgs(TYPICAL_APIS), ...set.flatMap((s) => ['--set', s])]);
    const ps = podSpec(nodeOf(r));
    return { mounts: (full(container(ps, 'linstor-csi', r.name)).volumeMounts ?? []).map((m) => m.mountPath), volumes: hostVolumes(ps).map((v) => v.hostPath?.path) };
  };
  const off = await mountsWith(['node.drbdConfig.enabled=false']);
  for (const p of ['/etc/drbd.conf', '/etc/drbd.d', '/var/lib/linstor.d']) {
    assert.not.ok(off.mounts.includes(p) || off.volumes.includes(p), `enabled=false mounts no ${p}`);
  }
  const image = await mountsWith(['node.drbdConfig.drbdConf=', 'node.drbdConfig.drbdConfDir=', 'node.drbdConfig.linstorResourceDir=/srv/linstor.d']);
  assert.equal(image.mounts.filter((p) => p.startsWith('/etc/drbd') || p.includes('linstor.d')), ['/srv/linstor.d'], 'only the resource dir, at the configured path');
});

test('the node plugin waits for LINSTOR: the rendered init container, run against the emulator', async () => {
  const r = await helmDefault();
  const ps = podSpec(nodeOf(r));
  const init = ps.initContainers?.find((c) => c.name === 'wait-for-linstor-node');
  assert.ok(init, 'an init container waits for the node');
  assert.is(init?.image, container(ps, 'linstor-csi', r.name).image, 'it is the driver image');
  const env = containerEnv(init as Container); // KUBE_NODE_NAME=worker-1
  const args = (init?.args ?? []).map((a) => expandVars(a, env));
  assert.equal(args.slice(0, 2), ['wait', 'node-online']);
  assert.is(podSpec(nodeOf(await helmFull())).initContainers, undefined, 'waitForLinstor.enabled=false drops it');
  const emu = await tempEmulator({ nodes: ['worker-1', 'worker-2'] });
  try {
    await emu.handle.control.setNodeOnline('worker-1', false);
    const blocked = await runCli([...args, '--interval=100ms', '--timeout=1s'], { ...env, LS_CONTROLLERS: emu.handle.url });
    assert.is(blocked.code, 1, 'it keeps waiting while LINSTOR reports the node OFFLINE');
    await emu.handle.control.setNodeOnline('worker-1', true);
    const ok = await runCli([...args, '--interval=100ms', '--timeout=10s'], { ...env, LS_CONTROLLERS: emu.handle.url });
    assert.is(ok.code, 0, ok.stderr);
  } finally {
    await emu.cleanup();
  }
});

test.run();
