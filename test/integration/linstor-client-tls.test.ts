/**
 * The LINSTOR client over https with a test CA, a server certificate and a client certificate
 * (mTLS), all generated with openssl into a temp dir.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { HttpLinstorClient } from '../../src/linstor/http-client.js';
import { LinstorUnavailableError } from '../../src/linstor/errors.js';
import { linstorConnectionFromEnv } from '../../src/linstor/options.js';
import { silentLogger } from '../../src/log/logger.js';
import { systemClock } from '../../src/util/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'lstls-'));
const f = (n: string): string => join(dir, n);
const ossl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
};

function makePki(): void {
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=test-ca');
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=linstor-controller');
  ossl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext'));
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/CN=linstor-csi');
  ossl('x509', '-req', '-in', f('client.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('client.crt'), '-days', '2', '-extfile', f('client.ext'));
}

interface TlsFake {
  url: string;
  peers: string[];
  close(): Promise<void>;
}

async function httpsLinstor(): Promise<TlsFake> {
  const peers: string[] = [];
  const server = https.createServer(
    { key: readFileSync(f('server.key')), cert: readFileSync(f('server.crt')), ca: readFileSync(f('ca.crt')), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const cert = (req.socket as TLSSocket).getPeerCertificate();
      peers.push(String(cert.subject?.CN ?? ''));
      const body = JSON.stringify({ version: '1.31.0', rest_api_version: '1.28.0' });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    peers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

makePki();

test('mTLS with a CA file and a client certificate (files)', async () => {
  const srv = await httpsLinstor();
  const c = new HttpLinstorClient(
    { endpoints: [srv.url], caFile: f('ca.crt'), certFile: f('client.crt'), keyFile: f('client.key'), timeoutMs: 3000 },
    { clock: systemClock, logger: silentLogger() },
  );
  try {
    const v = await c.controller.version();
    assert.is(v.version, '1.31.0');
    assert.equal(srv.peers, ['linstor-csi']);
  } finally {
    c.close();
    await srv.close();
  }
});

test('mTLS configured through the golinstor env names (PEM text in LS_USER_*)', async () => {
  const srv = await httpsLinstor();
  const opts = linstorConnectionFromEnv({
    LS_CONTROLLERS: srv.url,
    LS_ROOT_CA: f('ca.crt'),
    LS_USER_CERTIFICATE: readFileSync(f('client.crt'), 'utf8'),
    LS_USER_KEY: readFileSync(f('client.key'), 'utf8'),
  });
  const c = new HttpLinstorClient({ ...opts, timeoutMs: 3000 }, { clock: systemClock, logger: silentLogger() });
  try {
    const v = await c.controller.version();
    assert.is(v.rest_api_version, '1.28.0');
  } finally {
    c.close();
    await srv.close();
  }
});

test('without the client certificate the controller refuses: Unavailable', async () => {
  const srv = await httpsLinstor();
  const c = new HttpLinstorClient(
    { endpoints: [srv.url], caFile: f('ca.crt'), timeoutMs: 3000, retries: 0 },
    { clock: systemClock, logger: silentLogger() },
  );
  try {
    const e = await c.controller.version().catch((x: unknown) => x);
    assert.instance(e, LinstorUnavailableError);
    assert.is(srv.peers.length, 0);
  } finally {
    c.close();
    await srv.close();
  }
});

test('an unknown CA is refused; skipTlsVerify accepts it', async () => {
  const srv = await httpsLinstor();
  const strict = new HttpLinstorClient(
    { endpoints: [srv.url], certFile: f('client.crt'), keyFile: f('client.key'), timeoutMs: 3000, retries: 0 },
    { clock: systemClock, logger: silentLogger() },
  );
  const lax = new HttpLinstorClient(
    { endpoints: [srv.url], certFile: f('client.crt'), keyFile: f('client.key'), skipTlsVerify: true, timeoutMs: 3000 },
    { clock: systemClock, logger: silentLogger() },
  );
  try {
    const e = await strict.controller.version().catch((x: unknown) => x);
    assert.instance(e, LinstorUnavailableError);
    assert.match((e as Error).message, /SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify|self-signed/i);
    const v = await lax.controller.version();
    assert.is(v.version, '1.31.0');
  } finally {
    strict.close();
    lax.close();
    await srv.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
