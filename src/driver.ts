/**
 * The composition root: builds the ports (LINSTOR client, node tools, clock), the services
 * the configured mode runs, and the gRPC server that carries them. The controller and node
 * service modules are imported only when the mode runs them: a node plugin (one per host)
 * does not load the controller's code, nor the controller the node tools.
 */
import type { Config } from './config/config.js';
import { toCsiError } from './controller-service/linstor-errors.js';
import type { CsiError } from './csi/errors.js';
import { ControllerService, GroupControllerService, IdentityService, NodeService, SnapshotMetadataService, secretFieldKeys } from './csi/proto.js';
import { createIdentityService } from './identity/index.js';
import { createLinstorClient, LinstorApiError, LinstorUnavailableError, type LinstorClient } from './linstor/index.js';
import type { Logger } from './log/logger.js';
import type { NodeOps } from './node-ops/index.js';
import type { HaKube, RunningHaAgent } from './ha/index.js';
import { InFlight } from './server/inflight.js';
import { startCsiServer, type CsiServer } from './server/server.js';
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

/** LINSTOR failures that escape a handler still get their proper gRPC code. */
function mapAdapterError(e: unknown): CsiError | undefined {
  if (e instanceof LinstorUnavailableError || e instanceof LinstorApiError) return toCsiError(e, 'LINSTOR request failed');
  return undefined;
}

export async function startDriver(config: Config, deps: DriverDeps): Promise<RunningDriver> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const runController = config.mode !== 'node';
  const runNode = config.mode !== 'controller';
  const [controllerMod, snapshotsMod, nodeOpsMod, nodeServiceMod] = await Promise.all([
    runController ? import('./controller-service/index.js') : undefined,
    runController ? import('./controller-service/snapshots/index.js') : undefined,
    runNode && !deps.nodeOps ? import('./node-ops/index.js') : undefined,
    runNode ? import('./node-service/index.js') : undefined,
  ]);
  const linstor = deps.linstor ?? createLinstorClient(config.linstor, { clock, logger: log.child({ component: 'linstor' }) });
  const inflight = new InFlight();

  const controllerDeps = { linstor, config, log, clock, inflight };
  const snapshots = snapshotsMod ? snapshotsMod.createSnapshotServices(controllerDeps) : undefined;
  const controller = snapshots && controllerMod
    ? {
        ...controllerMod.createControllerService({ ...controllerDeps, contentSource: snapshots.contentSource, extraCapabilities: snapshots.capabilities }),
        ...snapshots.controllerHandlers,
      }
    : {};
  const groupController = snapshots ? snapshots.groupControllerHandlers : {};

  const nodeOps = deps.nodeOps ?? nodeOpsMod?.createNodeOps({ clock, log: log.child({ component: 'node-ops' }) });
  const node = nodeServiceMod && nodeOps
    ? nodeServiceMod.createNodeService({
        config,
        ops: nodeOps,
        topology: { nodeProps: async (name, signal) => (await linstor.nodes.get(name, signal ? { signal } : {})).props ?? {} },
        clock,
        log,
        inflight,
      })
    : {};

  const identity = createIdentityService({
    running: {
      controller: runController,
      groupController: Object.keys(groupController).length > 0,
      node: runNode,
      onlineExpansion:
        (controllerMod !== undefined && controllerMod.controllerCapabilities().includes('EXPAND_VOLUME')) || (runNode && node.NodeExpandVolume !== undefined),
    },
    readiness: async (signal) => {
      await linstor.controller.version({ signal });
    },
    clock,
    log: log.child({ component: 'identity' }),
    probeCacheMs: config.probeCacheMs,
    probeTimeoutMs: config.probeTimeoutMs,
  });

  const server = await startCsiServer({
    endpoint: config.csiEndpoint,
    log,
    secretFields: new Set(secretFieldKeys()),
    mapError: mapAdapterError,
    services: [
      { name: 'csi.v1.Identity', definition: IdentityService, handlers: identity as never },
      { name: 'csi.v1.Controller', definition: ControllerService, handlers: controller as never },
      { name: 'csi.v1.GroupController', definition: GroupControllerService, handlers: groupController as never },
      { name: 'csi.v1.SnapshotMetadata', definition: SnapshotMetadataService, handlers: {} },
      { name: 'csi.v1.Node', definition: NodeService, handlers: node as never },
    ],
  });
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
