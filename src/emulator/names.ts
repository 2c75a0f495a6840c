/** LINSTOR's name rules (core/identifier classes), with the controller's error wording. */

const RSC_RE = /^[A-Za-z_][A-Za-z0-9_-]{1,47}$/;
const POOL_RE = /^[A-Za-z_][A-Za-z0-9_-]{2,47}$/;
const RESERVED_RSC = new Set(['ALL', 'PROXY']);

/** Resource, resource-group and snapshot names: 2–48 chars, [A-Za-z_] first, then [A-Za-z0-9_-]. */
export function validRscName(name: unknown): name is string {
  return typeof name === 'string' && RSC_RE.test(name) && !RESERVED_RSC.has(name.toUpperCase());
}

export function validSnapName(name: unknown): name is string {
  return typeof name === 'string' && RSC_RE.test(name);
}

export function validRgName(name: unknown): name is string {
  return typeof name === 'string' && RSC_RE.test(name);
}

/** Storage-pool names: 3–48 chars. */
export function validPoolName(name: unknown): name is string {
  return typeof name === 'string' && POOL_RE.test(name);
}

/** Node names: host names, 2–255 chars, labels of [A-Za-z0-9-] not starting or ending with '-'. */
export function validNodeName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length < 2 || name.length > 255) return false;
  return name.split('.').every((l) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
}
