// SIGTERM waits for calls in flight only, never for idle client connections (kubelet and the
// sidecars keep theirs open): issue 11, item 4.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDriver } from '../helpers/driver.js';
import { csiClients } from '../helpers/grpc-clients.js';

let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lcsi-shutdown-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LS = { LS_CONTROLLERS: 'http://127.0.0.1:9' };
// Far longer than the test may wait: a driver that waits for the grace period fails the test.
const GRACE = '--shutdown-timeout=300s';

/** Resolves with the exit code, or 'still running' when the process has not exited within `ms`. */
function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms).unref())]);
}

function stoppedLine(logs: string): { drained?: boolean } | undefined {
  return logs
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; drained?: boolean })
    .find((l) => l.msg === 'stopped');
}

test('SIGTERM with an idle open client connection exits at once, drained', async () => {
  const drv = await startDriver({ args: ['--mode=node', '--node=a', `--kubelet-dir=${dir}`, GRACE], env: LS, dir });
  // A second client, like kubelet's: one call, then the connection stays open and idle.
  const kubelet = csiClients(drv.address);
  try {
    await kubelet.node.NodeGetCapabilities({});
    drv.child.kill('SIGTERM');
    const code = await exitWithin(drv.exited, 20_000);
    if (code === 'still running') drv.child.kill('SIGKILL');
    assert.is(code, 0, 'exits 0 without waiting for the idle connection');
    assert.equal(stoppedLine(drv.logs())?.drained, true, 'logs drained=true');
  } finally {
    kubelet.close();
  }
});

test('SIGTERM with a connection holding an unfinished request (never handed to a handler) exits at once', async () => {
  const drv = await startDriver({ args: ['--mode=node', '--node=a', `--kubelet-dir=${dir}`, GRACE], env: LS, dir });
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(drv.socketPath) });
  session.on('error', () => undefined);
  try {
    // Headers and a message, but the request is never half-closed: no call reaches a handler.
    const req = session.request({ ':method': 'POST', ':path': '/csi.v1.Identity/Probe', 'content-type': 'application/grpc', te: 'trailers' });
    req.on('error', () => undefined);
    req.write(Buffer.from([0, 0, 0, 0, 0]));
    await new Promise((r) => setTimeout(r, 300));
    drv.child.kill('SIGTERM');
    const code = await exitWithin(drv.exited, 20_000);
    if (code === 'still running') drv.child.kill('SIGKILL');
    assert.is(code, 0, 'exits 0 at once: nothing is in flight');
    assert.equal(stoppedLine(drv.logs())?.drained, true, 'logs drained=true');
  } finally {
    session.destroy();
  }
});

test('SIGTERM with a call in flight waits for that call, which gets its real answer', async () => {
  const drv = await startDriver({ args: ['--mode=node', '--node=a', `--kubelet-dir=${dir}`, GRACE, '--device-wait-timeout=3s', `--device-path-template=${dir}/dev/{resource}/{volume}`], env: LS, dir });
  const kubelet = csiClients(drv.address);
  try {
    const staging = join(dir, 'plugins', 'staging', 'pv-wait');
    await mkdir(staging, { recursive: true });
    // The device never appears: the call runs for the device wait (3 s), then answers NOT_FOUND.
    const call = kubelet.node
      .NodeStageVolume({ volume_id: 'pv-wait', staging_target_path: staging, volume_capability: { mount: { fs_type: 'ext4', mount_flags: [] }, access_mode: { mode: 'SINGLE_NODE_WRITER' } }, volume_context: {} })
      .then(() => 'ok', (e: { code?: number }) => e.code);
    await new Promise((r) => setTimeout(r, 500));
    drv.child.kill('SIGTERM');
    assert.is(await call, 5, 'the call in flight finished with its own answer (NOT_FOUND), not CANCELLED');
    const code = await exitWithin(drv.exited, 20_000);
    if (code === 'still running') drv.child.kill('SIGKILL');
    assert.is(code, 0, 'exits right after the call in flight finished');
    assert.equal(stoppedLine(drv.logs())?.drained, true);
  } finally {
    kubelet.close();
  }
});

test.run();
