/**
 * ListVolumes, ControllerGetVolume and ValidateVolumeCapabilities: read-only views of the
 * volumes this driver provisioned, with health (VolumeCondition) and published nodes.
 */
import { invalidArgument, notFound } from '../csi/errors.js';
import type {
  ControllerGetVolumeRequest__Output,
  ControllerGetVolumeResponse,
  ListVolumesRequest__Output,
  ListVolumesResponse,
  ValidateVolumeCapabilitiesRequest__Output,
  ValidateVolumeCapabilitiesResponse,
} from '../csi/types.js';
import type { CallContext } from '../csi/handler.js';
import type { ResourceWithVolumes } from '../linstor/types.js';
import { checkCapabilities } from './capabilities.js';
import type { ControllerDeps } from './deps.js';
import { decodeToken, pageRange } from './pagination.js';
import { type Layer, parseMutableParameters, parseParameters } from './parameters.js';
import { PROP_FS_TYPE, PROP_VOLUME_MODE } from './props.js';
import { kibToBytes } from './sizes.js';
import { SplitBrainTracker, detectSplitBrain } from '../split-brain/detect.js';
import { volumeCondition } from './volume-condition.js';
import type { VolumeListings } from './volume-listing.js';
import { VOLUME_NUMBER, publishedNodes, requireVolume, requireVolumeId, viewResources } from './volumes.js';

// When each split brain was first seen by this controller (LINSTOR does not record it).
const trackers = new WeakMap<ControllerDeps, SplitBrainTracker>();

function status(deps: ControllerDeps, resources: readonly ResourceWithVolumes[]): { published_node_ids: string[]; volume_condition: { abnormal: boolean; message: string } } {
  let tracker = trackers.get(deps);
  if (!tracker) trackers.set(deps, (tracker = new SplitBrainTracker()));
  const sb = detectSplitBrain(resources);
  const rd = resources[0]?.name;
  const [seen] = tracker.observe(sb ? [sb] : [], deps.clock.now(), rd !== undefined ? [rd] : []);
  return { published_node_ids: publishedNodes(resources), volume_condition: volumeCondition(resources, VOLUME_NUMBER, seen?.since) };
}

export interface ListVolumesDeps extends ControllerDeps {
  listings: VolumeListings;
}

export async function listVolumes(deps: ListVolumesDeps, req: ListVolumesRequest__Output, ctx: CallContext): Promise<ListVolumesResponse> {
  const max = req.max_entries ?? 0;
  if (max < 0) throw invalidArgument(`max_entries must not be negative, got ${max}`);
  decodeToken(req.starting_token ?? ''); // a bad token is refused before any LINSTOR request
  const listing = await deps.listings.get(ctx);
  const page = pageRange(listing.ids, req.starting_token ?? '', max);
  return { entries: listing.slice(page.start, page.end, (resources) => status(deps, resources)), next_token: page.nextToken };
}

export async function getVolume(deps: ControllerDeps, req: ControllerGetVolumeRequest__Output, ctx: CallContext): Promise<ControllerGetVolumeResponse> {
  const id = requireVolumeId(req.volume_id);
  const [v, resources] = await Promise.all([requireVolume(deps.linstor, id, ctx), viewResources(deps.linstor, id, ctx)]);
  return {
    volume: { volume_id: v.rd.name, capacity_bytes: kibToBytes(v.vd?.size_kib ?? 0) },
    status: status(deps, resources),
  };
}

export async function validateVolumeCapabilities(
  deps: ControllerDeps,
  req: ValidateVolumeCapabilitiesRequest__Output,
  ctx: CallContext,
): Promise<ValidateVolumeCapabilitiesResponse> {
  const id = requireVolumeId(req.volume_id);
  if (!req.volume_capabilities || req.volume_capabilities.length === 0) throw invalidArgument('volume_capabilities is required');
  const v = await requireVolume(deps.linstor, id, ctx);
  if (!v) throw notFound(`volume ${id} does not exist`);
  const unconfirmed = (message: string): ValidateVolumeCapabilitiesResponse => ({ confirmed: null, message });
  let layers: Layer[] | undefined;
  try {
    if (req.parameters && Object.keys(req.parameters).length > 0) layers = parseParameters(req.parameters, { propertyNamespace: deps.config.propertyNamespace }).layerList;
    if (req.mutable_parameters && Object.keys(req.mutable_parameters).length > 0) parseMutableParameters(req.mutable_parameters);
  } catch (e) {
    return unconfirmed(e instanceof Error ? e.message : String(e));
  }
  layers ??= (v.rd.layer_data ?? []).map((l) => l.type.toLowerCase()).filter((l): l is Layer => l !== '') as Layer[];
  const check = checkCapabilities(req.volume_capabilities, 'volume_capabilities', layers.length > 0 ? layers : undefined);
  if (!check.ok) return unconfirmed(check.reason);
  const mode = v.rd.props?.[PROP_VOLUME_MODE];
  const wantMode = check.summary.accessType === 'block' ? 'block' : 'filesystem';
  if (mode !== undefined && mode !== wantMode) return unconfirmed(`volume ${id} is a ${mode} volume, not ${wantMode}`);
  const fs = v.rd.props?.[PROP_FS_TYPE];
  if (fs && check.summary.fsType && fs !== check.summary.fsType) return unconfirmed(`volume ${id} has filesystem ${fs}, not ${check.summary.fsType}`);
  return {
    confirmed: {
      volume_context: req.volume_context ?? {},
      volume_capabilities: req.volume_capabilities,
      parameters: req.parameters ?? {},
      mutable_parameters: req.mutable_parameters ?? {},
    },
    message: '',
  };
}
