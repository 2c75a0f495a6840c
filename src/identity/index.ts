/** The CSI Identity service: plugin info, capabilities that match what this process runs, and a cached readiness probe. */
import type { Logger } from '../log/logger.js';
import type { IdentityHandlers, PluginCapability } from '../csi/types.js';
import type { Clock } from '../util/clock.js';
import { DRIVER_NAME } from '../csi/driver-name.js';
import { driverVersion, gitCommit } from '../util/build-info.js';

/** What the other services of this process really do, so Identity advertises exactly that. */
export interface RunningServices {
  controller: boolean;
  groupController: boolean;
  node: boolean;
  /** ControllerExpandVolume or NodeExpandVolume works while the volume is in use. */
  onlineExpansion: boolean;
}

/** Resolves when the backend answers; rejects with an Error saying why not. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

export interface IdentityDeps {
  running: RunningServices;
  readiness: ReadinessCheck;
  clock: Clock;
  log: Logger;
  /** How long one Probe result is reused, so kubelet's liveness probes do not hammer LINSTOR. */
  probeCacheMs: number;
  probeTimeoutMs: number;
}

export function pluginCapabilities(running: RunningServices): PluginCapability[] {
  const caps: PluginCapability[] = [];
  if (running.controller) caps.push({ service: { type: 'CONTROLLER_SERVICE' } });
  if (running.controller || running.node) caps.push({ service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } });
  if (running.groupController) caps.push({ service: { type: 'GROUP_CONTROLLER_SERVICE' } });
  if (running.onlineExpansion) caps.push({ volume_expansion: { type: 'ONLINE' } });
  return caps;
}

export function createIdentityService(deps: IdentityDeps): IdentityHandlers {
  let last: { at: number; ready: boolean } | undefined;
  // The build's commit does not change while the process runs: read it once, on first use.
  let commit: Promise<string | undefined> | undefined;
  let pending: Promise<boolean> | undefined;

  const check = async (): Promise<boolean> => {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new Error(`no answer within ${deps.probeTimeoutMs} ms`)), deps.probeTimeoutMs);
    try {
      await deps.readiness(ctl.signal);
      if (last && !last.ready) deps.log.info('LINSTOR controller reachable again; ready');
      return true;
    } catch (e) {
      deps.log.warn({ reason: e instanceof Error ? e.message : String(e) }, 'not ready: the LINSTOR controller does not answer GET /v1/controller/version');
      return false;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    GetPluginInfo: async () => {
      commit ??= gitCommit();
      const sha = await commit;
      const manifest: Record<string, string> = {};
      if (sha) manifest['git-commit'] = sha;
      return { name: DRIVER_NAME, vendor_version: driverVersion(), manifest };
    },
    GetPluginCapabilities: async () => ({ capabilities: pluginCapabilities(deps.running) }),
    Probe: async () => {
      const now = deps.clock.now();
      if (last && now - last.at < deps.probeCacheMs) return { ready: { value: last.ready } };
      // Concurrent probes share one LINSTOR round trip.
      pending ??= check().finally(() => {
        pending = undefined;
      });
      const ready = await pending;
      last = { at: deps.clock.now(), ready };
      return { ready: { value: ready } };
    },
  };
}
