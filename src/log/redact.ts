/**
 * Redaction, in one place: the keys the logger never writes, whatever object they are logged in,
 * and the request/response copy the interceptor logs at debug level, with every field the proto
 * marks `csi_secret` replaced by name.
 */

export const CENSOR = '[REDACTED]';

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_KEYS: readonly string[] = [
  'secrets',
  'password',
  'token',
  'bearerToken',
  'authorization',
  'Authorization',
  'passphrase',
  'volume_passphrases',
  'drbd_secret',
];

/** pino's redact paths: each key at any of the first four levels of a logged object. */
export const REDACT_PATHS: readonly string[] = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

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
      out[k] = v && typeof v === 'object' && Object.keys(v).length === 0 ? {} : CENSOR;
    } else {
      out[k] = redactSecrets(v, secretFields);
    }
  }
  return out;
}
