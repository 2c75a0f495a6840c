/**
 * CSI access modes, shared by the controller's and the node's capability validation (each keeps
 * its own messages and error codes; this module only knows what the modes mean).
 */
import type { AccessMode__Output } from './types.js';

/** A decoded access-mode name other than UNKNOWN (types.ts's `AccessMode` is the wire enum). */
export type AccessMode = Exclude<AccessMode__Output, 'UNKNOWN'>;

/** In enum order: ACCESS_MODES[n - 1] is the mode with wire number n. */
export const ACCESS_MODES: readonly AccessMode[] = [
  'SINGLE_NODE_WRITER',
  'SINGLE_NODE_READER_ONLY',
  'MULTI_NODE_READER_ONLY',
  'MULTI_NODE_SINGLE_WRITER',
  'MULTI_NODE_MULTI_WRITER',
  'SINGLE_NODE_SINGLE_WRITER',
  'SINGLE_NODE_MULTI_WRITER',
];

export function isAccessMode(m: string): m is AccessMode {
  return (ACCESS_MODES as readonly string[]).includes(m);
}

/** The mode's name; a wire number becomes its name, anything unknown "UNKNOWN". */
export function accessModeName(m: string | number | undefined): string {
  if (typeof m === 'number') return ['UNKNOWN', ...ACCESS_MODES][m] ?? 'UNKNOWN';
  return m ?? 'UNKNOWN';
}

/** The mode confines the volume to one node. */
export function isSingleNode(mode: AccessMode): boolean {
  return mode.startsWith('SINGLE_NODE_');
}

/** The mode lets more than one node write (needs block access and DRBD dual-primary). */
export function isMultiNodeWriter(mode: AccessMode): boolean {
  return mode === 'MULTI_NODE_SINGLE_WRITER' || mode === 'MULTI_NODE_MULTI_WRITER';
}

export function isReadOnly(mode: AccessMode): boolean {
  return mode === 'SINGLE_NODE_READER_ONLY' || mode === 'MULTI_NODE_READER_ONLY';
}
