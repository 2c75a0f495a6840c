/**
 * The route template of a LINSTOR REST path, for metrics: the API's own words stay, every name
 * (resource, node, snapshot, pool, group, volume number) becomes "{name}". The set of templates
 * is bounded by the API, whatever names the cluster holds.
 */

/** The fixed path segments of the LINSTOR REST API v1 that this client (and the CLI) use. */
const API_WORDS = new Set([
  'v1',
  'actions',
  'autoplace',
  'clone',
  'config',
  'controller',
  'error-reports',
  'events',
  'info',
  'make-available',
  'multi',
  'net-interfaces',
  'node-connections',
  'nodes',
  'properties',
  'queries',
  'query-all-size-info',
  'query-max-volume-size',
  'query-size-info',
  'resource-definitions',
  'resource-groups',
  'resources',
  'snapshot',
  'snapshot-restore-resource',
  'snapshot-restore-volume-definition',
  'snapshot-rollback',
  'snapshots',
  'spawn',
  'storage-pools',
  'sync-status',
  'version',
  'view',
  'volume-definitions',
  'volume-groups',
  'volumes',
]);

/** Paths outside /v1 (not LINSTOR's API) all share one template. */
export function routeTemplate(path: string): string {
  const bare = path.split('?')[0] ?? '';
  const parts = bare.split('/').filter((p) => p !== '');
  if (parts[0] !== 'v1') return '{other}';
  return '/' + parts.map((p) => (API_WORDS.has(p) ? p : '{name}')).join('/');
}
