import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';
import { golinstorCheckBinary } from '../helpers/golinstor.js';

// golinstor (the Go client of the Go CSI driver) drives a fresh emulator through every call the
// Go driver makes; test/golinstor/main.go checks what each answer decodes to. Where golinstor
// and the emulator disagree, the emulator is wrong. A missing or stale build fails the test.
let emu: TempEmulator;
test.before(async () => {
  emu = await tempEmulator();
});
test.after(async () => {
  await emu.cleanup();
});

const STEPS = [
  'controller',
  'nodes',
  'resource-groups',
  'spawn',
  'resource-definitions',
  'whitelist',
  'autoplace',
  'make-available',
  'resize',
  'capacity',
  'snapshots',
  'restore',
  'clone',
  'remotes',
  'key-value-store',
  'cleanup',
];

test('golinstor: every call of the Go driver decodes and means what golinstor expects', async () => {
  const bin = await golinstorCheckBinary();
  const r = await execa(bin, ['-url', emu.handle.url], { reject: false, timeout: 240_000 });
  assert.is(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(
    r.stdout.trim().split('\n'),
    STEPS.map((s) => `ok ${s}`),
  );
});

test.run();
