// Offline schema checks of rendered objects.
//  1. kubernetes-models: the OpenAPI schema of each built-in kind (types, required fields,
//     formats). Those schemas allow unknown fields, so:
//  2. a strict-field walk over @kubernetes/client-node's generated model type maps, which
//     reports a field the API does not know (a typo such as `mountPropogation` would be
//     dropped by the API server, or rejected under strict field validation).
//  3. VolumeSnapshotClass and ServiceMonitor (CRDs, in neither package): structural checks
//     written from the snapshot.storage.k8s.io/v1 and monitoring.coreos.com/v1 CRDs.
import * as k8s from '@kubernetes/client-node';
import type { K8sObject } from './render.js';

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: unknown) => Validatable;

/** kubernetes-models module path of a built-in kind, e.g. apps/v1 Deployment → apps/v1/Deployment. */
function modelPath(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

export function isCoreKind(o: K8sObject): boolean {
  return !o.apiVersion.startsWith('snapshot.storage.k8s.io/') && !o.apiVersion.startsWith('monitoring.coreos.com/');
}

export async function validateWithKubernetesModels(o: K8sObject): Promise<string[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modelPath(o.apiVersion, o.kind))) as Record<string, unknown>;
  } catch {
    return [`no kubernetes-models schema for ${o.apiVersion} ${o.kind} (unknown apiVersion/kind?)`];
  }
  const Ctor = mod[o.kind] as ModelCtor | undefined;
  if (typeof Ctor !== 'function') return [`kubernetes-models has no class ${o.kind}`];
  try {
    new Ctor(structuredClone(o)).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
}
interface ModelClass {
  getAttributeTypeMap(): AttributeType[];
}

const models = k8s as unknown as Record<string, unknown>;
const PRIMITIVES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

function modelClass(type: string): ModelClass | undefined {
  const c = models[type] as Partial<ModelClass> | undefined;
  return c && typeof c.getAttributeTypeMap === 'function' ? (c as ModelClass) : undefined;
}

/** The client-node model class of a top-level object, e.g. apps/v1 Deployment → V1Deployment. */
function topLevelType(o: K8sObject): string {
  const version = o.apiVersion.split('/').pop() as string;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${o.kind}`;
}

function walk(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined || PRIMITIVES.has(type)) return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, arr[1] as string, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as object)) walk(v, map[1] as string, `${path}.${k}`, out);
    }
    return;
  }
  const cls = modelClass(type);
  if (!cls) {
    out.push(`${path}: no model for type ${type} (checker out of date?)`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return; // type errors are kubernetes-models' job
  const fields = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as object)) {
    const t = fields.get(k);
    if (t === undefined) {
      out.push(`${path}.${k}: unknown field (${type} has ${[...fields.keys()].join(', ')})`);
      continue;
    }
    walk(v, t, `${path}.${k}`, out);
  }
}

export function unknownFields(o: K8sObject): string[] {
  const type = topLevelType(o);
  if (!modelClass(type)) return [`no @kubernetes/client-node model ${type} for ${o.apiVersion} ${o.kind}`];
  const out: string[] = [];
  walk(o, type, `${o.kind}/${o.metadata.name}`, out);
  return out;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** snapshot.storage.k8s.io/v1 VolumeSnapshotClass, per its CRD's openAPIV3Schema. */
export function validateVolumeSnapshotClass(o: K8sObject): string[] {
  const errs: string[] = [];
  if (o.apiVersion !== 'snapshot.storage.k8s.io/v1') errs.push(`apiVersion must be snapshot.storage.k8s.io/v1, got ${o.apiVersion}`);
  if (!DNS_SUBDOMAIN.test(o.metadata.name) || o.metadata.name.length > 253) errs.push(`metadata.name "${o.metadata.name}" is not a DNS subdomain`);
  if (o.metadata.namespace !== undefined) errs.push('VolumeSnapshotClass is cluster-scoped; metadata.namespace must not be set');
  const allowed = new Set(['apiVersion', 'kind', 'metadata', 'driver', 'deletionPolicy', 'parameters']);
  for (const k of Object.keys(o)) if (!allowed.has(k)) errs.push(`unknown field ${k}`);
  if (typeof o.driver !== 'string' || o.driver === '') errs.push('driver is required');
  if (o.deletionPolicy !== 'Delete' && o.deletionPolicy !== 'Retain') errs.push(`deletionPolicy must be Delete or Retain, got ${String(o.deletionPolicy)}`);
  if (o.parameters !== undefined) {
    if (typeof o.parameters !== 'object' || o.parameters === null || Array.isArray(o.parameters)) errs.push('parameters must be a map');
    else for (const [k, v] of Object.entries(o.parameters)) if (typeof v !== 'string') errs.push(`parameters.${k} must be a string`);
  }
  return errs;
}

const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** monitoring.coreos.com/v1 ServiceMonitor: the fields the chart sets, per the CRD's openAPIV3Schema. */
export function validateServiceMonitor(o: K8sObject): string[] {
  const errs: string[] = [];
  if (o.apiVersion !== 'monitoring.coreos.com/v1') errs.push(`apiVersion must be monitoring.coreos.com/v1, got ${o.apiVersion}`);
  if (o.metadata.namespace === undefined) errs.push('ServiceMonitor is namespaced; set metadata.namespace');
  for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) errs.push(`unknown field ${k}`);
  const spec = o.spec as { selector?: { matchLabels?: Record<string, unknown> }; namespaceSelector?: { matchNames?: unknown[] }; endpoints?: Array<Record<string, unknown>> } | undefined;
  if (!spec?.selector) errs.push('spec.selector is required');
  for (const [k, v] of Object.entries(spec?.selector?.matchLabels ?? {})) if (typeof v !== 'string') errs.push(`spec.selector.matchLabels.${k} must be a string`);
  for (const n of spec?.namespaceSelector?.matchNames ?? []) if (typeof n !== 'string') errs.push('spec.namespaceSelector.matchNames must hold strings');
  const endpoints = spec?.endpoints ?? [];
  if (endpoints.length === 0) errs.push('spec.endpoints is empty');
  const allowed = new Set(['port', 'path', 'interval', 'scrapeTimeout', 'scheme', 'honorLabels']);
  endpoints.forEach((e, i) => {
    for (const k of Object.keys(e)) if (!allowed.has(k)) errs.push(`spec.endpoints[${i}].${k}: not a field this check knows`);
    if (typeof e.port !== 'string' || e.port === '') errs.push(`spec.endpoints[${i}].port must name a Service port`);
    for (const d of ['interval', 'scrapeTimeout']) if (e[d] !== undefined && !(typeof e[d] === 'string' && DURATION.test(e[d] as string))) errs.push(`spec.endpoints[${i}].${d} is not a Prometheus duration`);
  });
  return errs;
}

/** All schema findings for one object; empty when it is valid. */
export async function validateObject(o: K8sObject): Promise<string[]> {
  if (o.kind === 'VolumeSnapshotClass') return validateVolumeSnapshotClass(o);
  if (o.kind === 'ServiceMonitor') return validateServiceMonitor(o);
  if (!isCoreKind(o)) return [`no schema known for ${o.apiVersion} ${o.kind}`];
  return [...(await validateWithKubernetesModels(o)), ...unknownFields(o)];
}
