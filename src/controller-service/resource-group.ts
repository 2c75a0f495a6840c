/**
 * One LINSTOR resource group per distinct parameter set.
 *
 * The group carries the select filter (replica count, pools, layers, replicasOn*, …) and the
 * StorageClass's LINSTOR properties. Without `resourceGroup`, its name is
 * `sc-<uuidv5(desired state)>`, so StorageClasses with equal parameters share a group.
 *
 * Reconciling an existing group fills in what is missing; a field or property that already has
 * a different value is a conflict (INVALID_ARGUMENT naming group, field and both values): changing
 * it would silently re-place or re-configure every volume of the group.
 */
import { invalidArgument } from '../csi/errors.js';
import type { AutoSelectFilter, LayerKind, ResourceGroup, ResourceGroupModify } from '../linstor/types.js';
import { generatedResourceGroupName } from './naming.js';
import { type VolumeParameters, replicaCount } from './parameters.js';

export interface DesiredGroup {
  name: string;
  /** Whether the name was generated (the driver may delete the group when unused). */
  generated: boolean;
  selectFilter: AutoSelectFilter;
  props: Record<string, string>;
  /** Filter fields holding a default rather than a StorageClass value (for conflict messages). */
  defaulted?: readonly FilterKey[];
}

export const RG_DESCRIPTION = 'created by linstor-csi for a StorageClass parameter set';

export function layerKinds(layers: readonly string[]): LayerKind[] {
  return layers.map((l) => l.toUpperCase());
}

export function desiredGroup(p: VolumeParameters): DesiredGroup {
  const f: AutoSelectFilter = { layer_stack: layerKinds(p.layerList) };
  if (p.placementPolicy !== 'Manual') f.place_count = replicaCount(p);
  if (p.storagePools.length > 0) f.storage_pool_list = [...p.storagePools];
  if (p.replicasOnSame.length > 0) f.replicas_on_same = [...p.replicasOnSame];
  if (p.replicasOnDifferent.length > 0) f.replicas_on_different = [...p.replicasOnDifferent];
  if (Object.keys(p.xReplicasOnDifferent).length > 0) f.x_replicas_on_different_map = { ...p.xReplicasOnDifferent };
  if (p.doNotPlaceWithRegex !== undefined) f.not_place_with_rsc_regex = p.doNotPlaceWithRegex;
  if (p.disklessOnRemaining) f.diskless_on_remaining = true;
  const props = { ...p.properties };
  const name = p.resourceGroup ?? generatedResourceGroupName({ select_filter: f, props });
  const defaulted: FilterKey[] = p.placementPolicy !== 'Manual' && p.placementCount === undefined ? ['place_count'] : [];
  return { name, generated: p.resourceGroup === undefined, selectFilter: f, props, ...(defaulted.length > 0 ? { defaulted } : {}) };
}

type FilterKey = keyof AutoSelectFilter;
const COMPARED: readonly FilterKey[] = [
  'place_count',
  'storage_pool_list',
  'layer_stack',
  'replicas_on_same',
  'replicas_on_different',
  'x_replicas_on_different_map',
  'not_place_with_rsc_regex',
  'diskless_on_remaining',
];

function norm(key: FilterKey, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    // Pool and layer names are case-insensitive in LINSTOR; order of pools does not matter.
    const items = v.map((x) => String(x));
    const ci = key === 'storage_pool_list' || key === 'layer_stack' ? items.map((x) => x.toUpperCase()) : items;
    return JSON.stringify(key === 'layer_stack' ? ci : [...ci].sort());
  }
  if (typeof v === 'object') {
    const e = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return e.length === 0 ? undefined : JSON.stringify(e);
  }
  if (key === 'diskless_on_remaining' && v === false) return undefined;
  return String(v);
}

function existingValue(rg: ResourceGroup, key: FilterKey): unknown {
  const f = rg.select_filter ?? {};
  // LINSTOR reports a one-pool list as `storage_pool` only.
  if (key === 'storage_pool_list') return f.storage_pool_list && f.storage_pool_list.length > 0 ? f.storage_pool_list : f.storage_pool ? [f.storage_pool] : undefined;
  return f[key];
}

export type GroupPlan = { action: 'create'; create: { name: string; select_filter: AutoSelectFilter; description: string }; props?: ResourceGroupModify } | { action: 'modify'; modify: ResourceGroupModify } | { action: 'none' };

/** What to do so that `existing` (or nothing) becomes `desired`; throws on a conflict. */
export function planGroup(desired: DesiredGroup, existing: ResourceGroup | undefined): GroupPlan {
  if (!existing) {
    const create = { name: desired.name, select_filter: desired.selectFilter, description: RG_DESCRIPTION };
    // LINSTOR ignores props on create: they follow in a modify.
    return Object.keys(desired.props).length > 0 ? { action: 'create', create, props: { override_props: { ...desired.props } } } : { action: 'create', create };
  }
  const fill: AutoSelectFilter = {};
  for (const key of COMPARED) {
    const want = norm(key, desired.selectFilter[key]);
    if (want === undefined) continue;
    const have = norm(key, existingValue(existing, key));
    if (have === undefined) {
      (fill as Record<string, unknown>)[key] = desired.selectFilter[key];
      continue;
    }
    if (have !== want) {
      // A default the StorageClass did not ask for must not read as if it did.
      const asks = desired.defaulted?.includes(key) ? `${want} (the default: placementCount is not set; set it to ${have} to use this group)` : want;
      throw invalidArgument(
        `resource group "${desired.name}" already has ${key}=${have}, but the StorageClass asks for ${asks}; ` +
          `changing it would affect every volume of the group — use a StorageClass with another resourceGroup, or change the group in LINSTOR`,
      );
    }
  }
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired.props)) {
    const have = existing.props?.[k];
    if (have === undefined) props[k] = v;
    else if (have !== v) {
      throw invalidArgument(
        `resource group "${desired.name}" already has property ${k}="${have}", but the StorageClass asks for "${v}"; ` +
          `use a StorageClass with another resourceGroup, or change the property in LINSTOR`,
      );
    }
  }
  const modify: ResourceGroupModify = {};
  if (Object.keys(fill).length > 0) modify.select_filter = { ...(existing.select_filter ?? {}), ...fill };
  if (Object.keys(props).length > 0) modify.override_props = props;
  return Object.keys(modify).length > 0 ? { action: 'modify', modify } : { action: 'none' };
}
