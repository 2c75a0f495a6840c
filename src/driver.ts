/**
 * The composition root: builds the ports (LINSTOR client, node tools, clock), the services the
 * configured mode runs, and the gRPC server that carries them. Only the services of the mode are
 * registered, and their modules are imported only then: a node plugin (one per host) does not
 * load the controller's code, nor the controller the node service and its tools.
 */
import type { Config } from './config/config.js';
import type { CsiError } from './csi/errors.js';
import { InFlight } from './csi/inflight.js';
import { ControllerService, GroupControllerService, IdentityService, NodeService, secretFieldKeys } from './csi/proto.js';
import type { ControllerHandlers, GroupControllerHandlers, NodeHandlers } from './csi/types.js';
import { createIdentityService } from './identity/index.js';
import { mapLinstorError } from './linstor/csi-errors.js';
import { createLinstorClient, LinstorApiError, LinstorUnavailableError, type LinstorClient } from './linstor/index.js';
import type { Logger } from './log/logger.js';
import type { NodeOps } from './node-ops/index.js';
import type { HaKube, RunningHaAgent } from './ha/index.js';
import { currentCallStats } from './server/call-stats.js';
import { csiService, startCsiServer, type CsiServer, type ServiceRegistration } from './server/server.js';
import { systemClock, type Clock } from './util/clock.js';

export interface DriverDeps {
  log: Logger;
  clock?: Clock;
  /** Overrides for tests; built from the config otherwise. */
  linstor?: LinstorClient;
  nodeOps?: NodeOps;
  /** The HA agent's Kubernetes port (tests); built from the config otherwise. */
  haKube?: HaKube;
}

export interface RunningDriver {
  server: CsiServer;
  linstor: LinstorClient;
  /** The HA agent, when --ha is on. */
  ha?: RunningHaAgent;
  /** Drains calls for up to `graceMs`, closes the socket and the LINSTOR connections. */
  stop(graceMs: number): Promise<{ drained: boolean }>;
}

/** What every service of the process shares. */
interface Shared {
  config: Config;
  log: Logger;
  clock: Clock;
  linstor: LinstorClient;
  inflight: InFlight;
}

interface ControllerServices {
  controller: Partial<ControllerHandlers>;
  groupController: Partial<GroupControllerHandlers>;
  expandsOnline: boolean;
}

/** LINSTOR failures that escape a handler still get their proper gRPC code. */
function mapAdapterError(e: unknown): CsiError | undefined {
  if (e instanceof LinstorUnavailableError || e instanceof LinstorApiError) return mapLinstorError(e, 'LINSTOR request failed');
  return undefined;
}

/** The Controller and GroupController services, snapshots plugged into CreateVolume. */
async function controllerServices(shared: Shared): Promise<ControllerServices> {
  const [controllerMod, snapshotsMod] = await Promise.all([import('./controller-service/index.js'), import('./controller-service/snapshots/index.js')]);
  const deps = { ...shared, callStats: currentCallStats, hiddenVolumes: new controllerMod.HiddenVolumes({ linstor: shared.linstor, clock: shared.clock }) };
  const snapshots = snapshotsMod.createSnapshotServices(deps);
  const controller = {
    ...controllerMod.createControllerService({ ...deps, contentSource: snapshots.contentSource, extraCapabilities: snapshots.capabilities }),
    ...snapshots.controllerHandlers,
  };
  return { controller, groupController: snapshots.groupControllerHandlers, expandsOnline: controllerMod.controllerCapabilities().includes('EXPAND_VOLUME') };
}

/** The Node service over this host's tools; NodeGetInfo reads the node's LINSTOR properties. */
async function nodeService(shared: Shared, ops: NodeOps): Promise<Partial<NodeHandlers>> {
  const { clock, log, linstor } = shared;
  const nodeServiceMod = await import('./node-service/index.js');
  return nodeServiceMod.createNodeService({
    config: shared.config,
    ops,
    topology: { nodeProps: async (name, signal) => (await linstor.nodes.get(name, signal ? { signal } : {})).props ?? {} },
    history: nodeServiceMod.linstorHistoryStore(linstor.resourceDefinitions),
    clock,
    log,
    inflight: shared.inflight,
  });
}

export async function startDriver(config: Config, deps: DriverDeps): Promise<RunningDriver> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const linstor = deps.linstor ?? createLinstorClient(config.linstor, { clock, logger: log.child({ component: 'linstor' }), callStats: currentCallStats });
  const shared: Shared = { config, log, clock, linstor, inflight: new InFlight() };
  const controller = config.mode !== 'node' ? await controllerServices(shared) : undefined;
  // The node's tools serve the Node service and the HA agent.
  const nodeOps =
    config.mode !== 'controller' ? (deps.nodeOps ?? (await import('./node-ops/index.js')).createNodeOps({ clock, log: log.child({ component: 'node-ops' }) })) : undefined;
  const node = nodeOps ? await nodeService(shared, nodeOps) : undefined;

  const identity = createIdentityService({
    running: {
      controller: controller !== undefined,
      groupController: controller !== undefined && Object.keys(controller.groupController).length > 0,
      node: node !== undefined,
      onlineExpansion: controller?.expandsOnline === true || node?.NodeExpandVolume !== undefined,
    },
    readiness: async (signal) => {
      await linstor.controller.version({ signal });
    },
    clock,
    log: log.child({ component: 'identity' }),
    probeCacheMs: config.probeCacheMs,
    probeTimeoutMs: config.probeTimeoutMs,
  });

  const services: ServiceRegistration[] = [csiService('csi.v1.Identity', IdentityService, identity)];
  if (controller) {
    services.push(csiService('csi.v1.Controller', ControllerService, controller.controller));
    services.push(csiService('csi.v1.GroupController', GroupControllerService, controller.groupController));
  }
  if (node) services.push(csiService('csi.v1.Node', NodeService, node));
  const server = await startCsiServer({ endpoint: config.csiEndpoint, log, secretFields: new Set(secretFieldKeys()), mapError: mapAdapterError, services });
  log.info({ mode: config.mode, node: config.nodeName, linstor: config.linstor.endpoints }, 'driver started');

  // The HA agent is loaded only when enabled: @kubernetes/client-node is large.
  let ha: RunningHaAgent | undefined;
  if (config.ha && nodeOps && config.nodeName) {
    try {
      const { startHaAgent } = await import('./ha/index.js');
      ha = await startHaAgent({ config: config.ha, nodeName: config.nodeName, drbd: nodeOps.drbd, clock, log, ...(deps.haKube ? { kube: deps.haKube } : {}) });
    } catch (e) {
      await server.shutdown(0);
      linstor.close();
      throw e;
    }
  }

  return {
    server,
    linstor,
    ...(ha ? { ha } : {}),
    async stop(graceMs) {
      await ha?.stop().catch((e: unknown) => log.warn({ err: e }, 'ha agent did not stop cleanly'));
      const r = await server.shutdown(graceMs);
      linstor.close();
      return r;
    },
  };
}
