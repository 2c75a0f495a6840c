/** What the controller handlers are built from: the ports and the process-wide guards. */
import type { Config } from '../config/config.js';
import type { InFlight } from '../csi/inflight.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import type { CallStatsSource } from '../linstor/call-stats.js';
import type { LinstorClient } from '../linstor/client.js';
import type { HiddenVolumes } from './hidden-volumes.js';

export interface ControllerDeps {
  linstor: LinstorClient;
  config: Config;
  log: Logger;
  clock: Clock;
  inflight: InFlight;
  /** The current RPC's LINSTOR statistics (provided by the gRPC server); absent outside one. */
  callStats?: CallStatsSource;
  /** Shared by DeleteVolume and DeleteSnapshot; without it DeleteSnapshot always checks the volume. */
  hiddenVolumes?: HiddenVolumes;
}
