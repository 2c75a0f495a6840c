import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The generated LINSTOR tables carry hashes: `gen:check` fails on a hand edit, and on drift from
// LINSTOR's data files when they are there (../shared/linstor-data or $LINSTOR_DATA_DIR).
const repo = fileURLToPath(new URL('../../', import.meta.url));
const FILES = ['scripts/gen-linstor-data.mjs', 'src/linstor/generated/apiconsts.ts', 'src/emulator/generated/whitelist.ts'];

function copyRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gen-linstor-'));
  for (const f of FILES) cpSync(join(repo, f), join(dir, 'repo', f));
  return join(dir, 'repo');
}

function check(root: string, dataDir: string): { code: number | null; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'scripts/gen-linstor-data.mjs'), '--check'], { encoding: 'utf8', env: { ...process.env, LINSTOR_DATA_DIR: dataDir } });
  return { code: r.status, err: r.stderr };
}

test('the committed tables pass; a hand edit fails the check', () => {
  const root = copyRepo();
  try {
    assert.is(check(root, join(root, 'no-data')).code, 0);
    appendFileSync(join(root, 'src/emulator/generated/whitelist.ts'), '// edited\n');
    const r = check(root, join(root, 'no-data'));
    assert.is(r.code, 1);
    assert.match(r.err, /edited by hand/);
  } finally {
    rmSync(join(root, '..'), { recursive: true, force: true });
  }
});

test('drift from the data files fails the check', () => {
  const root = copyRepo();
  const data = join(root, 'data');
  try {
    cpSync(process.env['LINSTOR_DATA_DIR'] || join(repo, '..', 'shared', 'linstor-data'), data, { recursive: true });
  } catch {
    // Without LINSTOR's data files only the hand-edit check can run (the test above); say so.
    console.warn('gen-linstor-data.test: LINSTOR data files not found; drift from them not checked here');
    rmSync(join(root, '..'), { recursive: true, force: true });
    return;
  }
  try {
    assert.is(check(root, data).code, 0);
    appendFileSync(join(data, 'drbdsetup.xml'), '\n');
    const r = check(root, data);
    assert.is(r.code, 1);
    assert.match(r.err, /differs from/);
  } finally {
    rmSync(join(root, '..'), { recursive: true, force: true });
  }
});

test.run();
