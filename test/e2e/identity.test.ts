// The real CLI (`linstor-csi serve`) on a temp socket, called through grpc-js.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { tempEmulator, type TempEmulator } from '../helpers/emulator.js';
import { startDriver, type DriverProcess } from '../helpers/driver.js';

let emu: TempEmulator | undefined;
let drv: DriverProcess | undefined;

test.after.each(async () => {
  await drv?.stop();
  drv = undefined;
  await emu?.cleanup();
  emu = undefined;
});

test('GetPluginInfo: driver name, version from package.json, git commit in the manifest', async () => {
  emu = await tempEmulator();
  drv = await startDriver({ args: ['--node=node-a', `--linstor-endpoint=${emu.handle.url}`] });
  const info = await drv.identity.GetPluginInfo({});
  assert.is(info.name, 'linstor.csi.linbit.com');
  const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
  assert.is(info.vendor_version, pkg.version);
  assert.match(info.manifest['git-commit'] ?? '', /^[0-9a-f]{40}$/);
});

test('GetPluginCapabilities advertises exactly the services of the mode', async () => {
  emu = await tempEmulator();
  drv = await startDriver({ args: ['--mode=all', '--node=node-a', `--linstor-endpoint=${emu.handle.url}`] });
  const all = (await drv.identity.GetPluginCapabilities({})).capabilities.map((c: { service?: { type: string }; volume_expansion?: { type: string } }) => c.service?.type ?? `expansion:${c.volume_expansion?.type}`);
  assert.ok(all.includes('CONTROLLER_SERVICE'));
  assert.ok(all.includes('VOLUME_ACCESSIBILITY_CONSTRAINTS'));
  assert.ok(all.includes('expansion:ONLINE'));
  await drv.stop();

  drv = await startDriver({ args: ['--mode=node', '--node=node-a', `--linstor-endpoint=${emu.handle.url}`] });
  const node = (await drv.identity.GetPluginCapabilities({})).capabilities.map((c: { service?: { type: string } }) => c.service?.type);
  assert.not.ok(node.includes('CONTROLLER_SERVICE'), 'a node-only plugin does not claim the controller service');
  assert.not.ok(node.includes('GROUP_CONTROLLER_SERVICE'));
  const ctrl = await drv.controller.ControllerGetCapabilities({}).catch((e: { code: number }) => e.code);
  assert.is(ctrl, 12, 'Controller RPCs answer UNIMPLEMENTED in node mode');
});

test('Probe is ready when LINSTOR answers', async () => {
  emu = await tempEmulator();
  drv = await startDriver({ args: ['--node=node-a', `--linstor-endpoint=${emu.handle.url}`] });
  const r = await drv.identity.Probe({});
  assert.equal(r.ready, { value: true });
});

test('Probe with LINSTOR unreachable: not ready, the reason is logged, and the server keeps running', async () => {
  // A port that refuses connections: bind, note it, close.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  drv = await startDriver({ args: ['--node=node-a', `--linstor-endpoint=http://127.0.0.1:${port}`] });
  const r = await drv.identity.Probe({});
  assert.equal(r.ready, { value: false });
  assert.match(drv.logs(), /not ready/);
  assert.match(drv.logs(), /ECONNREFUSED/);
  const info = await drv.identity.GetPluginInfo({});
  assert.is(info.name, 'linstor.csi.linbit.com', 'still answering');
  assert.is(drv.child.exitCode, null, 'still running');
});

test.run();
