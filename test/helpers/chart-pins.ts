/**
 * The sidecar image pins of the Helm chart (values.yaml `sidecars.<key>.{repository,tag}`),
 * the one place they are written: the deploy tests check every rendering against them and the
 * k8s suite runs the sidecars built at exactly these versions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = new URL('../..', import.meta.url).pathname;
export const CHART_DIR = join(ROOT, 'deploy/helm/linstor-csi');

export interface SidecarPin {
  /** The key under `sidecars` in values.yaml (e.g. "provisioner"). */
  key: string;
  /** The image name without registry path (e.g. "csi-provisioner"). */
  image: string;
  tag: string;
}

/** Pins by image name (e.g. "csi-provisioner" → v6.4.0). */
export function sidecarPins(): Map<string, SidecarPin> {
  const values = parseYaml(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { sidecars: Record<string, unknown> };
  const pins = new Map<string, SidecarPin>();
  for (const [key, v] of Object.entries(values.sidecars)) {
    if (typeof v !== 'object' || v === null || !('repository' in v) || !('tag' in v)) continue;
    const { repository, tag } = v as { repository: string; tag: string };
    const image = repository.split('/').pop() as string;
    pins.set(image, { key, image, tag: String(tag) });
  }
  return pins;
}
