// linstor-csi: one binary, several sub-commands. Each command module is imported only
// when it runs, so `serve` starts without loading the emulator or the demo.
import { driverVersion } from '../util/build-info.js';
import { DRIVER_NAME } from '../csi/driver-name.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

type Command = (argv: string[], env: NodeJS.ProcessEnv, io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'run the CSI driver (Identity, Controller, GroupController, Node) on a unix socket', load: async () => (await import('./serve.js')).runServe },
  emulator: { summary: 'run the embedded LINSTOR emulator (REST API, emulated satellites on loop devices)', load: async () => (await import('./emulator.js')).runEmulator },
  dev: { summary: 'run the emulator and a driver wired to it, for trying things out', load: async () => (await import('./dev.js')).runDev },
  demo: { summary: 'walk through a volume lifecycle on the emulator, step by step', load: async () => (await import('./demo.js')).runDemo },
  'split-brain': { summary: 'list, show and resolve DRBD split brains (see docs/split-brain.md)', load: async () => (await import('./split-brain.js')).runSplitBrain },
  ls: { summary: 'list LINSTOR nodes, storage-pools, resources, volumes or snapshots', load: async () => {
    const { runLs } = await import('./ls.js');
    return (argv, env, io) => runLs(argv, env, { stdout: io.stdout, stderr: io.stderr, isTTY: Boolean(io.stdout.isTTY) });
  } },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    `linstor-csi ${driverVersion()}: Kubernetes CSI driver for LINSTOR/DRBD (${DRIVER_NAME})`,
    '',
    'Usage: linstor-csi <command> [flags]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}${c.summary}`),
    '',
    'Run "linstor-csi <command> --help" for the flags of a command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(usage());
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === 'version') {
    io.stdout.write(`linstor-csi ${driverVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS[cmd];
  if (!entry) {
    io.stderr.write(`linstor-csi: unknown command "${cmd}"\n\n${usage()}`);
    return 2;
  }
  const run = await entry.load();
  return run(rest, env, io);
}

const code = await main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr });
// Commands that serve resolve only once they have shut down. Leave promptly (idle
// keep-alive sockets must not hold the process), but only after stdout is flushed.
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
