/**
 * Reads the structured StorageClass values the Go driver takes as YAML
 * (`allowRemoteVolumeAccess`, `xReplicasOnDifferent`): JSON, flow style (`{zone: 2}`) or the
 * block forms people write in StorageClasses. Anything that is not YAML throws.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

/** The YAML parser (a large module) is loaded on first use: most StorageClasses never need it. */
let yaml: typeof Yaml | undefined;
const loadYaml = (): typeof Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

export type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

export class StructuredValueError extends Error {}

export function parseStructured(text: string): Plain {
  if (text.trim() === '') throw new StructuredValueError('empty value');
  try {
    // YAML 1.1 as Kubernetes reads it; unique keys so a doubled key is an error, not a silent overwrite.
    return loadYaml().parse(text, { version: '1.1', uniqueKeys: true, prettyErrors: false }) as Plain;
  } catch (e) {
    throw new StructuredValueError(e instanceof Error ? e.message : String(e));
  }
}
