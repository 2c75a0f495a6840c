/** The LINSTOR connection flags and client shared by the operator commands (`ls`, `split-brain`). */
import { ConfigError, type FlagSpec, type ParsedFlags, flagValue, parseBool, parseDuration, parsePositiveInt } from '../config/flags.js';
import { LinstorApiError, LinstorConfigError, LinstorUnavailableError } from '../linstor/errors.js';
import { HttpLinstorClient } from '../linstor/http-client.js';
import { hasTlsMaterial, linstorConnectionFromEnv, parseEndpoints } from '../linstor/options.js';
import { silentLogger } from '../log/logger.js';
import { systemClock } from '../util/clock.js';

export const LINSTOR_CLI_FLAGS: readonly FlagSpec[] = [
  { name: 'linstor-endpoint', placeholder: 'URL[,URL...]', help: 'controller(s)', default: 'env LS_CONTROLLERS, else http://127.0.0.1:3370' },
  { name: 'linstor-skip-tls-verification', boolean: true, help: 'do not verify the controller\'s certificate' },
  { name: 'bearer-token', placeholder: 'FILE', help: 'bearer token file (env LS_BEARER_TOKEN_FILE)' },
  { name: 'linstor-request-timeout', placeholder: 'DURATION', help: 'timeout of one LINSTOR request, as for serve', default: '10s' },
  { name: 'timeout', placeholder: 'MS', help: 'the same in milliseconds (older spelling)' },
];

export interface LinstorCliArgs {
  endpoint?: string;
  skipTls: boolean;
  bearerToken?: string;
  timeoutMs: number;
}

/** Reads the connection flags; throws ConfigError naming the flag. */
export function linstorCliArgs(parsed: ParsedFlags): LinstorCliArgs {
  const timeout = flagValue(parsed, 'timeout');
  const requestTimeout = flagValue(parsed, 'linstor-request-timeout');
  if (timeout && requestTimeout) throw new ConfigError('--timeout', 'give --linstor-request-timeout or --timeout, not both');
  let timeoutMs = 10_000;
  if (timeout) timeoutMs = parsePositiveInt(timeout.source, timeout.value);
  if (requestTimeout) {
    timeoutMs = parseDuration(requestTimeout.source, requestTimeout.value);
    if (timeoutMs <= 0) throw new ConfigError(requestTimeout.source, `${requestTimeout.source} must be longer than 0, e.g. 10s`);
  }
  const skip = flagValue(parsed, 'linstor-skip-tls-verification');
  const out: LinstorCliArgs = { skipTls: skip !== undefined && parseBool(skip.source, skip.value), timeoutMs };
  const endpoint = flagValue(parsed, 'linstor-endpoint');
  if (endpoint !== undefined) out.endpoint = endpoint.value;
  const bearerToken = flagValue(parsed, 'bearer-token');
  if (bearerToken !== undefined) out.bearerToken = bearerToken.value;
  return out;
}

/** A client for an operator command: one retry, short backoff, the command's user agent. */
export function linstorCliClient(args: LinstorCliArgs, env: Readonly<Record<string, string | undefined>>, userAgent: string): { client: HttpLinstorClient; endpoints: readonly string[] } {
  const opts = linstorConnectionFromEnv(env);
  if (args.endpoint !== undefined) opts.endpoints = parseEndpoints(args.endpoint, hasTlsMaterial(opts));
  if (opts.endpoints.length === 0) throw new LinstorConfigError('--linstor-endpoint is empty');
  if (args.skipTls) opts.skipTlsVerify = true;
  if (args.bearerToken !== undefined) opts.bearerTokenFile = args.bearerToken;
  opts.timeoutMs = args.timeoutMs;
  opts.retries = 1;
  opts.retryBaseDelayMs = 100;
  opts.userAgent = userAgent;
  return { client: new HttpLinstorClient(opts, { clock: systemClock, logger: silentLogger() }), endpoints: opts.endpoints };
}

export function describeFailure(e: unknown, endpoints: readonly string[]): string {
  if (e instanceof LinstorUnavailableError) {
    const why = e.failures.map((f) => `${f.endpoint}: ${f.reason}`).join('; ');
    return `cannot reach the LINSTOR controller (${why || endpoints.join(', ')})`;
  }
  if (e instanceof LinstorApiError) {
    let s = `LINSTOR answered an error (HTTP ${e.status}): ${e.message}`;
    if (e.cause) s += ` (cause: ${e.cause})`;
    if (e.correction) s += ` (correction: ${e.correction})`;
    return s;
  }
  if (e instanceof LinstorConfigError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
