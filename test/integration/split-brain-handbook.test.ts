// docs/split-brain.md cannot drift from the code: every command and output sample in it is run
// here, in the handbook's order, against the emulator (real loop devices, the drbdadm stand-ins,
// the linstor-csi CLI), and every sample must have been run. HANDBOOK_PRINT=1 prints what the
// commands answer (to update the handbook).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { volumeCondition as controllerCondition } from '../../src/controller-service/volume-condition.js';
import { parseParameters } from '../../src/controller-service/parameters.js';
import type { ResourceWithVolumes } from '../../src/linstor/types.js';
import { volumeCondition as nodeCondition } from '../../src/node-service/health.js';
import { parseDrbdStatusJson } from '../../src/node-ops/drbd-status.js';
import { type TempEmulator, tempEmulator } from '../helpers/emulator.js';

const REPO = new URL('../../', import.meta.url).pathname;
const PRINT = process.env['HANDBOOK_PRINT'] === '1';

interface Sample {
  id: string;
  on?: string;
  kind: string;
  lang: string;
  body: string;
}

/** `<!-- sample: ID [on=NODE] [kind=KIND] -->` followed by a fenced block. */
function samples(md: string): Sample[] {
  const out: Sample[] = [];
  const re = /<!-- sample: (\S+)((?: \w+=\S+)*) -->\n```(\w+)\n([\s\S]*?)```/g;
  for (const m of md.matchAll(re)) {
    const attrs = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)=(\S+)/g)].map((a) => [a[1], a[2]]));
    out.push({ id: m[1] ?? '', kind: attrs['kind'] ?? 'console', lang: m[3] ?? '', body: m[4] ?? '', ...(attrs['on'] ? { on: attrs['on'] } : {}) });
  }
  return out;
}

/** Values that differ run by run. */
const normalize = (s: string): string =>
  s
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\d{8}t\d{6}/g, '<stamp>')
    .replace(/[ \t]+$/gm, '');

let emu: TempEmulator;
let tmp: string;
let md: string;
let all: Sample[];
const ran = new Set<string>();

test.before(async () => {
  md = await readFile(join(REPO, 'docs/split-brain.md'), 'utf8');
  all = samples(md);
  emu = await tempEmulator({ resyncMs: 0 });
  tmp = await mkdtemp(join(tmpdir(), 'lcsi-handbook-'));
  // `linstor-csi` on PATH, talking to the emulator (LS_CONTROLLERS, as on a real node).
  await writeFile(join(tmp, 'linstor-csi'), `#!/bin/sh\nexec ${process.execPath} ${join(REPO, 'bin/linstor-csi.js')} "$@"\n`);
  await chmod(join(tmp, 'linstor-csi'), 0o755);
});
test.after(async () => {
  await emu.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

function sample(id: string): Sample {
  const s = all.find((x) => x.id === id);
  if (!s) throw new Error(`docs/split-brain.md has no sample "${id}"`);
  ran.add(id);
  return s;
}

/** Handbook paths → this emulator's paths. */
const localize = (cmd: string, node: string): string => cmd.replaceAll('/dev/drbd/by-res/', `${emu.handle.nodeDevRoot(node)}/drbd/by-res/`).replaceAll('/var/tmp/', `${tmp}/`);

/** Runs each `$ command` of a console sample on its node; compares the output with the text under it. */
async function runConsole(id: string): Promise<void> {
  const s = sample(id);
  const node = s.on ?? 'node-a';
  const parts = s.body.split(/^\$ /m).filter((p) => p !== '');
  for (const part of parts) {
    const [cmd = '', ...expected] = part.split('\n');
    const r = await execa('bash', ['-c', localize(cmd, node) + ' 2>&1'], {
      reject: false,
      env: { PATH: `${tmp}:${emu.handle.nodeBinDir(node)}:${process.env['PATH'] ?? ''}`, LS_CONTROLLERS: emu.handle.url, LINSTOR_CSI_FROM_SOURCE: '1' },
    });
    const got = normalize(r.stdout.trimEnd());
    if (PRINT) console.log(`--- ${id} on ${node}: $ ${cmd}\n${r.stdout}`);
    else assert.is(got, normalize(expected.join('\n').trimEnd()), `sample ${id}: $ ${cmd}`);
  }
}

function check(id: string, actual: string): void {
  const s = sample(id);
  if (PRINT) console.log(`--- ${id}\n${actual}`);
  else assert.is(normalize(actual), normalize(s.body.trimEnd()), `sample ${id}`);
}

const MiB = 1024 * 1024;
async function write(node: string, rsc: string, ch: string): Promise<void> {
  const dev = join(emu.handle.nodeDevRoot(node), 'drbd', 'by-res', rsc, '0');
  await execa('dd', [`of=${dev}`, 'bs=1M', 'count=1', 'oflag=direct', 'conv=notrunc', 'status=none'], { input: Buffer.alloc(MiB, ch) });
}
async function volume(name: string): Promise<void> {
  assert.is((await emu.api('POST', '/v1/resource-definitions', { resource_definition: { name } })).status, 201);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: 16 * 1024 } })).status, 200);
  assert.is((await emu.api('POST', `/v1/resource-definitions/${name}/autoplace`, { select_filter: { place_count: 2, node_name_list: ['node-a', 'node-b'] } })).status, 201);
}
const adm = (node: string, ...args: string[]) => emu.handle.control.drbd(node, 'drbdadm', args);

test('the handbook, sample by sample', async () => {
  // How split brain happens: node-a Primary; the network splits node-b off; node-b forced.
  for (const v of ['pvc-1', 'pvc-2']) {
    await volume(v);
    assert.is((await adm('node-a', 'primary', v)).code, 0);
  }
  await emu.handle.control.setPartition([['node-a', 'node-c'], ['node-b']]);
  await runConsole('force-primary');
  assert.is((await adm('node-b', 'primary', '--force', 'pvc-2')).code, 0);
  for (const v of ['pvc-1', 'pvc-2']) {
    await write('node-a', v, 'A');
    await write('node-b', v, 'B');
  }
  await emu.handle.control.setPartition(null);

  // Detection.
  await runConsole('status-split-a');
  await runConsole('status-split-b');
  const view = (await emu.api('GET', '/v1/view/resources?resources=pvc-1')).body as ResourceWithVolumes[];
  check('condition-controller', controllerCondition(view, 0, Date.parse('2026-11-26T05:12:00Z')).message);
  const [st] = parseDrbdStatusJson((await emu.handle.control.drbd('node-a', 'drbdsetup', ['status', 'pvc-1', '--json'])).stdout);
  check('condition-node', nodeCondition({ volumePath: '/var/lib/kubelet/pods/…/mount', mounted: true, fsReadOnlyUnexpectedly: false, device: { readable: true }, drbd: st, volume: 0, node: 'node-a' }).message);
  await runConsole('cli-list');
  await runConsole('cli-show');

  // Manual recovery of pvc-1 keeping node-a: back up node-b, then the DRBD steps.
  await runConsole('backup-victim');
  await runConsole('victim-steps');
  await runConsole('survivor-steps');
  await runConsole('verify');
  const backup = await readFile(join(tmp, 'pvc-1-node-b.img'));
  assert.is(backup[0], 'B'.charCodeAt(0), 'the backup holds node-b\'s discarded bytes');

  // The CLI on pvc-2: refused while node-b is Primary, then run on each node.
  await runConsole('cli-refused');
  await runConsole('cli-resolve-victim');
  await runConsole('cli-resolve-survivor');

  // The StorageClass settings are accepted by the driver and by LINSTOR's whitelist.
  for (const id of ['storageclass-prevent', 'storageclass-autorecover']) {
    const s = sample(id);
    const params = Object.fromEntries([...s.body.matchAll(/^ {2}(\S+): "?([^"\n]+)"?$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
    assert.ok(Object.keys(params).length > 0, `${id} has parameters`);
    const p = parseParameters(params, { propertyNamespace: 'Aux/topology' });
    const rg = await emu.api('POST', '/v1/resource-groups', { name: `rg-${id}`, props: p.properties });
    assert.is(rg.status, 201, `${id}: ${rg.text}`);
  }

  const missed = all.filter((s) => !ran.has(s.id)).map((s) => s.id);
  assert.equal(missed, [], 'every sample in the handbook is exercised');
});

test.run();
