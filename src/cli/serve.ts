import { checkKubeconfig, checkLinstorFiles, ConfigError, parseServeArgs, serveHelp, wantsHelp, type Config } from '../config/config.js';
import { driverVersion } from '../util/build-info.js';
import { createLogger, type Logger } from '../log/logger.js';
import { startDriver } from '../driver.js';
import type { CliIo } from './main.js';

/** `linstor-csi serve`: parse and validate the config, start the driver, run until a signal. */
export async function runServe(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(serveHelp());
    return 0;
  }
  if (argv.includes('--version') || argv.includes('-version')) {
    io.stdout.write(`linstor-csi ${driverVersion()}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = parseServeArgs(argv, env);
    checkLinstorFiles(config.linstor, env);
    if (config.ha?.kubeconfig) checkKubeconfig(config.ha.kubeconfig);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr.write(`linstor-csi serve: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  let driver;
  try {
    driver = await startDriver(config, { log });
  } catch (e) {
    log.fatal({ err: e }, 'could not start');
    io.stderr.write(`linstor-csi serve: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  await waitForSignal(log);
  const { drained } = await driver.stop(config.shutdownTimeoutMs);
  log.info({ drained }, 'stopped');
  return 0;
}

function waitForSignal(log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      log.info({ signal: sig }, 'shutting down: draining calls in flight');
      resolve();
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
