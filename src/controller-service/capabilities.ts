/**
 * Access-mode validation (CreateVolume, ValidateVolumeCapabilities, publish).
 *
 * - Filesystem: every single-node mode and MULTI_NODE_READER_ONLY. Multi-node writers on a
 *   filesystem need a cluster filesystem or NFS, which this driver does not provide.
 * - Block: every mode; multi-node writers need DRBD on top (dual-primary, e.g. KubeVirt live
 *   migration).
 * - One request uses one access type and one filesystem type.
 */
import { accessModeName, isAccessMode, isMultiNodeWriter, isSingleNode, type AccessMode } from '../csi/capabilities.js';
import { invalidArgument } from '../csi/errors.js';
import type { Layer } from './parameters.js';

// What the node plugin can format and mount (src/node-ops/mkfs-options.ts); anything else would be created here and then fail at NodeStage.
export const SUPPORTED_FS = ['ext4', 'xfs'] as const;
export const DEFAULT_FS = 'ext4';

/** The shape of a decoded VolumeCapability that this module reads. */
export interface CapabilityLike {
  access_mode?: { mode?: string | number } | null;
  access_type?: 'mount' | 'block';
  mount?: { fs_type?: string; mount_flags?: string[] } | null;
  block?: object | null;
}

export interface CapabilitySummary {
  accessType: 'mount' | 'block';
  /** Filesystem type for mount volumes ("" when the CO did not say; the node uses ext4). */
  fsType: string;
  modes: AccessMode[];
  /** Some mode lets more than one node write. */
  multiNodeWriter: boolean;
  /** Every mode confines the volume to one node. */
  singleNode: boolean;
  mountFlags: string[];
}

export type CapabilityCheck = { ok: true; summary: CapabilitySummary } | { ok: false; reason: string };

/** Checks capabilities; `layers` (when known) enables the DRBD check for multi-node block writers. */
export function checkCapabilities(caps: readonly CapabilityLike[] | undefined, field: string, layers?: readonly Layer[]): CapabilityCheck {
  if (!caps || caps.length === 0) return { ok: false, reason: `${field} is required (at least one volume capability)` };
  let accessType: 'mount' | 'block' | undefined;
  let fsType = '';
  const modes: AccessMode[] = [];
  const flags: string[] = [];
  for (const [i, c] of caps.entries()) {
    const type = c.access_type ?? (c.block ? 'block' : c.mount ? 'mount' : undefined);
    if (!type) return { ok: false, reason: `${field}[${i}] has neither mount nor block access type` };
    if (accessType && accessType !== type) return { ok: false, reason: `${field} mixes block and mount access types; a volume is one or the other` };
    accessType = type;
    const mode = accessModeName(c.access_mode?.mode);
    if (!isAccessMode(mode)) return { ok: false, reason: `${field}[${i}].access_mode is missing or UNKNOWN` };
    modes.push(mode);
    if (type === 'mount') {
      const fs = (c.mount?.fs_type ?? '').trim().toLowerCase();
      if (fs !== '' && !(SUPPORTED_FS as readonly string[]).includes(fs)) {
        return { ok: false, reason: `${field}[${i}].mount.fs_type "${fs}" is not supported; use one of ${SUPPORTED_FS.join(', ')}` };
      }
      if (fs !== '' && fsType !== '' && fs !== fsType) return { ok: false, reason: `${field} asks for two filesystem types ("${fsType}" and "${fs}")` };
      if (fs !== '') fsType = fs;
      flags.push(...(c.mount?.mount_flags ?? []));
      if (isMultiNodeWriter(mode)) {
        return {
          ok: false,
          reason: `${field}[${i}]: access mode ${mode} (ReadWriteMany) is not supported for filesystem volumes; use volumeMode: Block or a single-node/read-only mode`,
        };
      }
    } else if (isMultiNodeWriter(mode) && layers && layers[0] !== 'drbd') {
      return { ok: false, reason: `${field}[${i}]: access mode ${mode} on a block volume needs DRBD as the top layer (dual-primary); layerList is "${layers.join(' ')}"` };
    }
  }
  return {
    ok: true,
    summary: {
      accessType: accessType as 'mount' | 'block',
      fsType,
      modes,
      multiNodeWriter: modes.some(isMultiNodeWriter),
      singleNode: modes.every(isSingleNode),
      mountFlags: [...new Set(flags)],
    },
  };
}

/** Like checkCapabilities, but throws INVALID_ARGUMENT. */
export function requireCapabilities(caps: readonly CapabilityLike[] | undefined, field: string, layers?: readonly Layer[]): CapabilitySummary {
  const r = checkCapabilities(caps, field, layers);
  if (!r.ok) throw invalidArgument(r.reason);
  return r.summary;
}
