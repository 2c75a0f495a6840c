/**
 * The LINSTOR client's overhead per call: sequential GETs against an in-process HTTP server that
 * answers at once, through the client vs. through a bare keep-alive `http.request` (baseline).
 * Also the ret_code-exact JSON parse cost for a typical ApiCallRc reply.
 */
import http from 'node:http';
import { HttpLinstorClient } from '../src/linstor/http-client.js';
import { parseLinstorJson } from '../src/linstor/apicallrc.js';
import { silentLogger } from '../src/log/logger.js';
import { systemClock } from '../src/util/clock.js';

const BODY = JSON.stringify(
  Array.from({ length: 5 }, (_, i) => ({
    name: `node-${i}`,
    type: 'SATELLITE',
    connection_status: 'ONLINE',
    net_interfaces: [{ name: 'default', address: `10.0.0.${i + 1}`, satellite_port: 3366 }],
    props: { 'Aux/topology/kubernetes.io/hostname': `node-${i}` },
  })),
);
const RC_REPLY = '[{"ret_code":20447233,"message":"New resource definition \'pvc-1\' created.","obj_refs":{"RscDfn":"pvc-1"}},{"ret_code":-9223372036801033288,"message":"warn"}]';

async function rawGet(agent: http.Agent, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/nodes', agent, headers: { Accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve();
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export async function benchLinstorClient(): Promise<Record<string, number>> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const N = 2000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const client = new HttpLinstorClient({ endpoints: [`http://127.0.0.1:${port}`], maxConcurrency: 16 }, { clock: systemClock, logger: silentLogger() });
  try {
    for (let i = 0; i < 200; i++) {
      await rawGet(agent, port);
      await client.nodes.list();
    }
    // alternate batches so warm-up and GC affect both sides alike
    let rawMs = 0;
    let clientMs = 0;
    const B = 100;
    for (let b = 0; b < N / B; b++) {
      let s0 = performance.now();
      for (let i = 0; i < B; i++) await rawGet(agent, port);
      rawMs += performance.now() - s0;
      s0 = performance.now();
      for (let i = 0; i < B; i++) await client.nodes.list();
      clientMs += performance.now() - s0;
    }
    const rawUs = (rawMs * 1000) / N;
    const clientUs = (clientMs * 1000) / N;
    let t: number;

    t = performance.now();
    await Promise.all(Array.from({ length: N }, () => client.nodes.list()));
    const parallelMs = performance.now() - t;

    const P = 20_000;
    t = performance.now();
    for (let i = 0; i < P; i++) parseLinstorJson(RC_REPLY);
    const parseUs = ((performance.now() - t) * 1000) / P;
    t = performance.now();
    for (let i = 0; i < P; i++) JSON.parse(RC_REPLY);
    const plainParseUs = ((performance.now() - t) * 1000) / P;

    return {
      linstor_client_raw_http_us_per_get: round(rawUs),
      linstor_client_us_per_get: round(clientUs),
      linstor_client_overhead_us_per_get: round(clientUs - rawUs),
      linstor_client_sequential_calls_per_s: Math.round(1e6 / clientUs),
      linstor_client_parallel16_calls_per_s: Math.round((N / parallelMs) * 1000),
      linstor_client_apicallrc_parse_us: round(parseUs),
      linstor_client_apicallrc_parse_overhead_us: round(parseUs - plainParseUs),
    };
  } finally {
    client.close();
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  console.log(JSON.stringify(await benchLinstorClient(), null, 2));
}
