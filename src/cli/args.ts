/** The start every command shares: --help, then its flags parsed, or the usage error (exit 2). */
import { ConfigError, wantsHelp } from '../config/flags.js';

export interface CommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * `{ args }` to run with, or `{ exit }`: 0 after printing `help`, 2 after naming a bad flag
 * (followed by `usageOnError`, when given). Errors other than ConfigError propagate.
 */
export function commandArgs<T>(
  command: string,
  argv: string[],
  io: CommandIo,
  help: string,
  parse: (argv: string[]) => T,
  usageOnError = '',
): { args: T } | { exit: number } {
  if (wantsHelp(argv)) {
    io.stdout.write(help);
    return { exit: 0 };
  }
  try {
    return { args: parse(argv) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr.write(`linstor-csi ${command}: ${e.message}\n${usageOnError}`);
    return { exit: 2 };
  }
}
