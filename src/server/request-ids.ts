/** Ids worth a field of their own in every log line of a call. */
export function requestIds(req: unknown): Record<string, string> {
  const ids: Record<string, string> = {};
  if (!req || typeof req !== 'object') return ids;
  const r = req as Record<string, unknown>;
  const pick = (field: string, as: string): void => {
    const v = r[field];
    if (typeof v === 'string' && v !== '') ids[as] = v.length > 200 ? v.slice(0, 200) + '…' : v;
  };
  pick('volume_id', 'volumeId');
  pick('snapshot_id', 'snapshotId');
  pick('source_volume_id', 'sourceVolumeId');
  pick('group_snapshot_id', 'groupSnapshotId');
  pick('node_id', 'nodeId');
  pick('name', 'name');
  pick('target_path', 'targetPath');
  pick('staging_target_path', 'stagingPath');
  pick('volume_path', 'volumePath');
  return ids;
}
