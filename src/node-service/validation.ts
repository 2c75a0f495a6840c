/** Request validation for the node RPCs: ids, paths, capabilities (pure, unit-tested). */
import { isMultiNodeWriter, isReadOnly, type AccessMode } from '../csi/capabilities.js';
import { invalidArgument, notFound } from '../csi/errors.js';
import type { VolumeCapability__Output } from '../csi/types.js';
import { isSupportedFs, SUPPORTED_FS, type FsType } from '../node-ops/mkfs-options.js';
import { CTX_FS_TYPE, CTX_MOUNT_OPTIONS, DEFAULT_FS_TYPE } from '../csi/volume-context.js';

/** LINSTOR resource names: 2–48 chars, [A-Za-z_] first, then [A-Za-z0-9_-]; ALL and PROXY are reserved. */
const RSC_RE = /^[A-Za-z_][A-Za-z0-9_-]{1,47}$/;
const RESERVED = new Set(['ALL', 'PROXY']);

export function isValidResourceName(s: string): boolean {
  return RSC_RE.test(s) && !RESERVED.has(s.toUpperCase());
}

/** volume_id is the LINSTOR resource name; it reaches drbdadm and a device path, so it is checked strictly. */
export function validateVolumeId(id: string | undefined): string {
  if (!id) throw invalidArgument('volume_id is required');
  if (!isValidResourceName(id)) {
    throw invalidArgument(
      `volume_id "${printable(id)}" is not a LINSTOR resource name (2–48 characters: a letter or _ first, then letters, digits, _ or -)`,
    );
  }
  return id;
}

function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}

/** An absolute, normalised path without NUL or newline (kubelet never sends anything else). */
export function validatePath(field: string, p: string | undefined): string {
  if (!p) throw invalidArgument(`${field} is required`);
  if (p.includes('\0') || p.includes('\n')) throw invalidArgument(`${field} must not contain NUL or newline characters`);
  if (!p.startsWith('/')) throw invalidArgument(`${field} must be an absolute path, got "${printable(p)}"`);
  if (p.length > 4096) throw invalidArgument(`${field} is longer than 4096 characters`);
  const parts = p.split('/');
  if (parts.some((x) => x === '..' || x === '.')) throw invalidArgument(`${field} must not contain "." or ".." components, got "${printable(p)}"`);
  if (p === '/') throw invalidArgument(`${field} must not be /`);
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : p;
}

/**
 * volume_path of NodeGetVolumeStats / NodeExpandVolume: required (INVALID_ARGUMENT), but a
 * relative path names nothing on this node, which the spec answers with NOT_FOUND.
 */
export function validateVolumePath(p: string | undefined): string {
  if (p && !p.startsWith('/') && !p.includes('\0')) {
    throw notFound(`volume_path "${printable(p)}" does not exist on this node (volume paths are absolute)`);
  }
  return validatePath('volume_path', p);
}

export type NodeCapability =
  | { access: 'mount'; mode: AccessMode; readOnly: boolean; fsType: FsType; mountFlags: string[] }
  | { access: 'block'; mode: AccessMode; readOnly: boolean };

const OPTION_RE = /^[A-Za-z0-9_.:@+=\/-]+$/;

/** Splits and checks mount options (flags from the capability, and the volume context's comma list). */
export function parseMountOptions(field: string, values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const o of v.split(',')) {
      const t = o.trim();
      if (t === '') continue;
      if (!OPTION_RE.test(t)) throw invalidArgument(`${field}: mount option "${printable(t)}" has characters mount options never contain`);
      // mount options are words such as noatime or discard; "-o", "--bind" are command-line flags, not options.
      if (t.startsWith('-')) throw invalidArgument(`${field}: mount option "${printable(t)}" starts with "-": pass mount options such as noatime or discard, not command-line flags`);
      // These would turn our mount into something else entirely.
      if (['remount', 'bind', 'rbind', 'move'].includes(t)) throw invalidArgument(`${field}: mount option "${t}" is not allowed`);
      out.push(t);
    }
  }
  return out;
}

/**
 * The capability as the node service uses it. The fs type comes from the capability,
 * then the volume context, then ext4.
 */
export function parseCapability(cap: VolumeCapability__Output | null | undefined, volumeContext: Record<string, string> = {}): NodeCapability {
  if (!cap) throw invalidArgument('volume_capability is required');
  const mode = cap.access_mode?.mode;
  if (!mode || mode === 'UNKNOWN') throw invalidArgument('volume_capability.access_mode is required (UNKNOWN is not an access mode)');
  const readOnly = isReadOnly(mode);
  if (cap.access_type === 'block' || (cap.block && !cap.mount)) return { access: 'block', mode, readOnly };
  if (cap.access_type !== 'mount' && !cap.mount) throw invalidArgument('volume_capability needs mount or block access');
  if (isMultiNodeWriter(mode)) {
    throw invalidArgument(`access mode ${mode} is only supported for block volumes (a filesystem cannot be mounted on two nodes at once)`);
  }
  const requested = (cap.mount?.fs_type || volumeContext[CTX_FS_TYPE] || DEFAULT_FS_TYPE).toLowerCase();
  if (!isSupportedFs(requested)) throw invalidArgument(`fs_type "${printable(requested)}" is not supported; use one of ${SUPPORTED_FS.join(', ')}`);
  const ctxOpts = volumeContext[CTX_MOUNT_OPTIONS];
  const mountFlags = [
    ...parseMountOptions('volume_capability.mount.mount_flags', cap.mount?.mount_flags ?? []),
    ...parseMountOptions(`volume_context ${CTX_MOUNT_OPTIONS}`, ctxOpts ? [ctxOpts] : []),
  ];
  return { access: 'mount', mode, readOnly, fsType: requested, mountFlags };
}

/** Options for the staging mount: the user's, `nouuid` for xfs (restored clones share a UUID), `ro,norecovery` for read-only modes. */
export function stageMountOptions(cap: Extract<NodeCapability, { access: 'mount' }>): string[] {
  const opts = cap.mountFlags.filter((o) => o !== 'rw' && o !== 'ro');
  if (cap.fsType === 'xfs' && !opts.includes('nouuid')) opts.push('nouuid');
  if (cap.readOnly) opts.unshift('ro', ...(opts.includes('norecovery') ? [] : ['norecovery']));
  return opts;
}
