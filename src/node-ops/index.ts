/** The node's tools, each behind a port, bundled for the node service. */
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { createBlockDev, type BlockDev } from './blockdev.js';
import { createDeviceProbe, type DeviceProbe } from './device-probe.js';
import { createDrbd, type Drbd } from './drbd.js';
import { createFormatter, type Formatter } from './formatter.js';
import { createFs, type Fs } from './fs.js';
import { createMounter, type Mounter } from './mounter.js';
import { createResizer, type Resizer } from './resizer.js';
import { createToolRunner, type ToolRunner } from './run-tool.js';

export * from './run-tool.js';
export * from './mount-table.js';
export * from './mounter.js';
export * from './blkid.js';
export * from './device-probe.js';
export * from './blockdev.js';
export * from './mkfs-options.js';
export * from './formatter.js';
export * from './resizer.js';
export * from './drbd-status.js';
export * from './drbd.js';
export * from './fs.js';

export interface NodeOps {
  mounter: Mounter;
  probe: DeviceProbe;
  formatter: Formatter;
  resizer: Resizer;
  drbd: Drbd;
  blockdev: BlockDev;
  fs: Fs;
}

export interface NodeOpsOptions {
  clock: Clock;
  log?: Logger;
  /** Searched before PATH: the emulator's per-node `drbdadm`/`drbdsetup` stand-ins. */
  binDirs?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** A runner to use instead of a new one (tests). */
  tools?: ToolRunner;
}

export function createNodeOps(o: NodeOpsOptions): NodeOps {
  const tools = o.tools ?? createToolRunner({ binDirs: o.binDirs, env: o.env, log: o.log });
  const blockdev = createBlockDev({ tools });
  return {
    mounter: createMounter({ tools, clock: o.clock }),
    probe: createDeviceProbe({ tools, blockdev }),
    formatter: createFormatter({ tools }),
    resizer: createResizer({ tools }),
    drbd: createDrbd({ tools }),
    blockdev,
    fs: createFs(),
  };
}
