/**
 * Copies a request for logging with every secret replaced. Fields annotated
 * `csi_secret` in the proto are redacted by name wherever they occur, whatever the
 * nesting, so a new RPC with a secrets map is covered without touching this code.
 */
export function redactSecrets(value: unknown, secretFields: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, secretFields));
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (secretFields.has(k)) {
      out[k] = v && typeof v === 'object' && Object.keys(v).length === 0 ? {} : '[REDACTED]';
    } else {
      out[k] = redactSecrets(v, secretFields);
    }
  }
  return out;
}

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
