// Shared helpers of the deploy tests: run the pinned helm/kustomize from .tools/bin, parse
// what they render, and look objects up. No network, no cluster.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const ROOT = new URL('../..', import.meta.url).pathname;
export const CHART = join(ROOT, 'deploy/helm/linstor-csi');
export const KUSTOMIZE_DIR = join(ROOT, 'deploy/kustomize');
export const FULL_VALUES = join(ROOT, 'test/deploy/fixtures/values-full.yaml');
export const OVERLAYS = ['tls', 'private-registry', 'ha', 'group-snapshots'] as const;
export const DRIVER_NAME = 'linstor.csi.linbit.com';
/** Kubernetes version handed to `helm template` (a go-installed helm defaults to v1.20). */
export const KUBE_VERSION = '1.34.0';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Absolute path of a pinned tool; fails (never skips) when it was not installed. */
export function tool(name: 'helm' | 'kustomize'): string {
  const path = join(ROOT, '.tools/bin', name);
  if (!existsSync(path)) {
    throw new Error(
      `${name} is not installed at ${path}. Run scripts/install-deploy-tools.sh (needs Go) to install the pinned helm and kustomize, then rerun the deploy tests.`,
    );
  }
  return path;
}

export async function runTool(name: 'helm' | 'kustomize', args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(tool(name), args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${name} ${args.join(' ')} failed:\n${err.stderr || err.stdout || err.message}`);
  }
}

/** Parses a multi-document YAML stream into objects; YAML errors and non-objects fail. */
export function parseObjects(text: string, source: string): K8sObject[] {
  const out: K8sObject[] = [];
  // YAML 1.1, as Kubernetes reads manifests (0440 is octal, yes/no are booleans).
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0) throw new Error(`${source}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const v = doc.toJS({ maxAliasCount: -1 }) as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${source}: a document is not an object`);
    const o = v as K8sObject;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new Error(`${source}: an object lacks apiVersion, kind or metadata.name: ${JSON.stringify(v).slice(0, 200)}`);
    }
    out.push(o);
  }
  return out;
}

export interface Rendering {
  /** Human name used in failure messages, e.g. "helm (default values)". */
  name: string;
  objects: K8sObject[];
}

const cache = new Map<string, Promise<Rendering>>();
function memo(key: string, f: () => Promise<Rendering>): Promise<Rendering> {
  let p = cache.get(key);
  if (!p) {
    p = f();
    cache.set(key, p);
  }
  return p;
}

export function helmTemplate(name: string, release: string, namespace: string, extra: string[] = []): Promise<Rendering> {
  return memo(`helm:${name}`, async () => {
    const { stdout } = await runTool('helm', ['template', release, CHART, '--namespace', namespace, '--kube-version', KUBE_VERSION, ...extra]);
    return { name, objects: parseObjects(stdout, name) };
  });
}

/**
 * The APIs a typical cluster serves beyond the core (helm's `--api-versions`, what
 * `.Capabilities.APIVersions` sees on install): the snapshot CRDs. The kustomize base is
 * generated from the chart with the same set (deploy/kustomize/sync-base-from-helm.mjs).
 */
export const TYPICAL_APIS = ['snapshot.storage.k8s.io/v1'];
export const GROUP_SNAPSHOT_API = 'groupsnapshot.storage.k8s.io/v1beta2';
export const SERVICE_MONITOR_API = 'monitoring.coreos.com/v1/ServiceMonitor';
export const apiArgs = (apis: readonly string[]): string[] => apis.flatMap((a) => ['--api-versions', a]);

export const helmDefault = (): Promise<Rendering> => helmTemplate('helm (default values)', 'linstor-csi', 'linstor-csi', apiArgs(TYPICAL_APIS));
export const helmFull = (): Promise<Rendering> =>
  helmTemplate('helm (values-full.yaml)', 'lcsi', 'storage', ['--values', FULL_VALUES, ...apiArgs([...TYPICAL_APIS, GROUP_SNAPSHOT_API, SERVICE_MONITOR_API])]);

export function kustomizeBuild(dir: string): Promise<Rendering> {
  const name = `kustomize ${dir}`;
  return memo(name, async () => {
    const { stdout } = await runTool('kustomize', ['build', join(KUSTOMIZE_DIR, dir)]);
    return { name, objects: parseObjects(stdout, name) };
  });
}

/** Every rendering the tests check: both helm value sets, the base and each overlay. */
export async function allRenderings(): Promise<Rendering[]> {
  return Promise.all([
    helmDefault(),
    helmFull(),
    kustomizeBuild('base'),
    ...OVERLAYS.map((o) => kustomizeBuild(`overlays/${o}`)),
  ]);
}

export function find(r: Rendering, kind: string, predicate: (o: K8sObject) => boolean = () => true): K8sObject[] {
  return r.objects.filter((o) => o.kind === kind && predicate(o));
}

export function one(r: Rendering, kind: string, predicate: (o: K8sObject) => boolean = () => true): K8sObject {
  const found = find(r, kind, predicate);
  if (found.length !== 1) throw new Error(`${r.name}: expected exactly one ${kind}, found ${found.length}`);
  return found[0] as K8sObject;
}

// Minimal typed views of the pod parts the invariants look at.
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: unknown; configMapKeyRef?: unknown };
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  mountPropagation?: string;
  readOnly?: boolean;
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  securityContext?: { privileged?: boolean };
}
export interface Volume {
  name: string;
  hostPath?: { path: string; type?: string };
  emptyDir?: object;
  secret?: { secretName: string };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  serviceAccountName?: string;
  hostNetwork?: boolean;
  imagePullSecrets?: { name: string }[];
  tolerations?: unknown[];
  nodeSelector?: Record<string, string>;
  priorityClassName?: string;
}

export function podSpec(o: K8sObject): PodSpec {
  const spec = o.spec as { template?: { spec?: PodSpec } } | undefined;
  const ps = spec?.template?.spec;
  if (!ps) throw new Error(`${o.kind}/${o.metadata.name} has no pod template`);
  return ps;
}

export function container(ps: PodSpec, name: string, where: string): Container {
  const c = ps.containers.find((x) => x.name === name);
  if (!c) throw new Error(`${where}: no container "${name}" (have ${ps.containers.map((x) => x.name).join(', ')})`);
  return c;
}

export const controllerOf = (r: Rendering): K8sObject => one(r, 'Deployment', (o) => o.metadata.name.endsWith('-controller'));
export const nodeOf = (r: Rendering): K8sObject => one(r, 'DaemonSet', (o) => o.metadata.name.endsWith('-node'));

/**
 * The environment a container sees, with downward-API fields filled in with stand-ins, so
 * `$(VAR)` references in args can be expanded the way the kubelet does.
 */
export function containerEnv(c: Container): Record<string, string> {
  const stand: Record<string, string> = {
    'spec.nodeName': 'worker-1',
    'metadata.namespace': 'linstor-csi',
    'metadata.name': 'linstor-csi-controller-abc12',
  };
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) env[e.name] = stand[e.valueFrom.fieldRef.fieldPath] ?? `<${e.valueFrom.fieldRef.fieldPath}>`;
    else if (e.valueFrom) env[e.name] = `<from ${Object.keys(e.valueFrom).join(',')}>`;
    else env[e.name] = '';
  }
  return env;
}

/** Kubernetes' $(VAR) expansion of command/args: $$ escapes, unknown references stay. */
export function expandVars(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in env ? (env[name] as string) : m;
  });
}
