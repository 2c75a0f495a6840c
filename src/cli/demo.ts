import type { CliIo } from './main.js';
export async function runDemo(_argv: string[], _env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  io.stderr.write('demo: not yet\n');
  return 1;
}
