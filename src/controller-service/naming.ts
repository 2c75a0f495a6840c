/**
 * Deterministic names: CSI volume name → LINSTOR resource-definition name, and parameter set →
 * resource-group name. The CSI volume id is the resource-definition name.
 */
import { createHash } from 'node:crypto';
import { DRIVER_NAME } from '../csi/driver-name.js';

/** RFC 4122 DNS namespace. */
const NS_DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** RFC 4122 version-5 (SHA-1) UUID of `name` in `namespace`. */
export function uuidv5(name: string, namespace: string): string {
  const h = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = Buffer.from(h.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const x = b.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Namespaces of this driver's names (themselves v5 UUIDs of DNS names). */
export const VOLUME_NAMESPACE = uuidv5(DRIVER_NAME, NS_DNS);
export const RESOURCE_GROUP_NAMESPACE = uuidv5(`resourcegroup.${DRIVER_NAME}`, NS_DNS);

const RSC_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{1,47}$/;
const RESERVED = new Set(['all', 'proxy']);

/** A LINSTOR resource (definition) name: 2–48 chars, letter or "_" first, contains a letter, not reserved. */
export function isValidLinstorName(name: string): boolean {
  return RSC_NAME_RE.test(name) && /[A-Za-z]/.test(name) && !RESERVED.has(name.toLowerCase());
}

export interface VolumeNameInput {
  /** CreateVolumeRequest.name. */
  csiName: string;
  usePvcName: boolean;
  /** From the provisioner's --extra-create-metadata. */
  pvcName?: string | undefined;
  pvcNamespace?: string | undefined;
}

/**
 * The resource-definition name for a CreateVolume request:
 * `<namespace>-<pvc>` with usePvcName (when valid), else the CSI name when it is a valid
 * LINSTOR name, else `vol-<uuidv5(name)>`.
 */
export function resourceNameFor(input: VolumeNameInput): string {
  if (input.usePvcName && input.pvcName && input.pvcNamespace) {
    const n = `${input.pvcNamespace}-${input.pvcName}`;
    if (isPassThroughName(n)) return n;
  }
  if (isPassThroughName(input.csiName)) return input.csiName;
  return hashedName(input.csiName);
}

const HASHED_RE = /^vol-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function hashedName(csiName: string): string {
  return `vol-${uuidv5(csiName, VOLUME_NAMESPACE)}`;
}

/**
 * Names used as they are. Injective mapping: LINSTOR compares names without case, so only
 * lower-case names pass (else "PVC-A" and "pvc-a" would meet in one resource definition), and
 * a name shaped like a hashed one is hashed too (else "vol-<uuid of X>" would meet X's volume).
 */
function isPassThroughName(name: string): boolean {
  return isValidLinstorName(name) && name === name.toLowerCase() && !HASHED_RE.test(name);
}

/** JSON with sorted object keys, so equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Prefix of resource groups this driver generates (and may delete when unused). */
export const GENERATED_RG_PREFIX = 'sc-';

/** `sc-<uuidv5(canonical JSON of the group's desired state)>`. */
export function generatedResourceGroupName(desired: unknown): string {
  return `${GENERATED_RG_PREFIX}${uuidv5(canonicalJson(desired), RESOURCE_GROUP_NAMESPACE)}`;
}

export function isGeneratedResourceGroup(name: string): boolean {
  return /^sc-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(name);
}

/** A volume id as it reaches us: validated before it is put into a LINSTOR URL. */
export function isValidVolumeId(id: string): boolean {
  return isValidLinstorName(id);
}
