#!/usr/bin/env node
// Entry point. Uses the compiled build in dist/ (npm run build); from a checkout without a
// build, or with LINSTOR_CSI_FROM_SOURCE=1, it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.LINSTOR_CSI_FROM_SOURCE !== '1' && existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
