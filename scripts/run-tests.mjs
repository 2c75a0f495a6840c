#!/usr/bin/env node
// Runs every test suite of the project and prints one closing line, "N passed, N failed".
// Suites run one after another (they share loop devices and sockets). A suite whose
// prerequisites are missing fails: nothing here is skipped quietly.
// Usage: node scripts/run-tests.mjs [suite ...]   suites: unit integration e2e deploy sanity k8s
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNode24 } from './node24.mjs';

await ensureNode24();

const root = new URL('..', import.meta.url).pathname;
const all = ['unit', 'integration', 'e2e', 'deploy', 'sanity', 'k8s'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;

// A suite that leaves a handle open (a server a failed test never stopped) would keep its
// process alive after uvu's summary; a suite that hangs would stall CI. Both are ended here.
const EXIT_GRACE_MS = 20_000;
const SUITE_TIMEOUT_MS = 30 * 60_000;

function run(cmd, args, env = {}, summaryRe = null) {
  return new Promise((resolve) => {
    let out = '';
    let note = '';
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = (why) => {
      note = why;
      process.stderr.write(`\nrun-tests: ${why}; killing it\n`);
      child.kill('SIGKILL');
    };
    const timeout = setTimeout(() => kill(`${args.join(' ')} ran longer than ${SUITE_TIMEOUT_MS / 60_000} minutes`), SUITE_TIMEOUT_MS);
    let grace;
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
      if (summaryRe && !grace && summaryRe.test(strip(out))) {
        grace = setTimeout(() => kill(`${args.join(' ')} finished its tests but did not exit (an open handle)`), EXIT_GRACE_MS);
      }
    });
    child.stderr.on('data', (d) => { process.stderr.write(d); });
    child.on('close', (code) => {
      clearTimeout(timeout);
      clearTimeout(grace);
      resolve({ code: code ?? 1, out, note });
    });
  });
}

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

async function uvuSuite(name) {
  const dir = join(root, 'test', name);
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.test.ts'))) {
    console.log(`\n== ${name}: no test files in test/${name}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  console.log(`\n== ${name} (uvu test/${name})`);
  const { code, out, note } = await run(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', `test/${name}`, '.test.ts$'], { FORCE_COLOR: '0' }, /Duration:/);
  const text = strip(out);
  const num = (label) => Number((text.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  let failed = total - passed - skipped;
  // A crash before the summary is a failure; so is a suite that had to be killed after it.
  if ((code !== 0 || note) && failed === 0) failed = 1;
  return { passed, failed, skipped };
}

async function sanitySuite() {
  console.log('\n== sanity (official csi-sanity against linstor-csi dev)');
  const { code, out } = await run('bash', ['scripts/csi-sanity.sh']);
  const text = strip(out);
  let passed = 0; let failed = 0; let skipped = 0;
  for (const m of text.matchAll(/(\d+) Passed \| (\d+) Failed \| \d+ Pending \| (\d+) Skipped/g)) {
    passed += Number(m[1]); failed += Number(m[2]); skipped += Number(m[3]);
  }
  if (code !== 0 && failed === 0) failed = 1;
  return { passed, failed, skipped };
}

console.log(`run-tests: node ${process.version} (${process.execPath})`);
let passed = 0; let failed = 0; let skipped = 0;
for (const s of wanted) {
  if (!all.includes(s)) { console.error(`unknown suite "${s}"; choose from: ${all.join(' ')}`); process.exit(2); }
  const r = s === 'sanity' ? await sanitySuite() : await uvuSuite(s);
  console.log(`== ${s}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  passed += r.passed; failed += r.failed; skipped += r.skipped;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
