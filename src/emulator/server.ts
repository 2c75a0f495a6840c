/** The HTTP server: control hooks (latency, injected failures), routing, replies, request log. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { FAIL_UNKNOWN_ERROR, stringifyLinstorJson } from '../linstor/apicallrc.js';
import { apiCallRc, httpStatusFor } from './replies.js';
import type { Core } from './core.js';
import type { Control } from './control.js';
import { ApiFailure, type Reply, type Req, type Router, notFoundPath } from './http.js';

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function rdOfPath(path: string): string | undefined {
  const m = /^\/v1\/resource-definitions\/([^/]+)/.exec(path);
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

let reportSeq = 0;

export function createEmuServer(core: Core, router: Router, control: Control): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = performance.now();
    const at = core.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    const isControl = path.startsWith('/emulator/');
    const r: Req = { method, path, query: url.searchParams, params: {}, raw: '' };
    const rd = rdOfPath(path);
    if (rd !== undefined) r.rd = rd;
    let reply: Reply | undefined;
    try {
      r.raw = await readBody(req);
      if (!isControl) {
        const delay = control.latencyFor(method, path);
        if (delay > 0) await new Promise((res2) => setTimeout(res2, delay));
        reply = control.takeFailure(method, path);
      }
      if (!reply) {
        const m = router.match(method, path);
        if (m === undefined) reply = notFoundPath(path);
        else if (m === 'method') reply = { status: 405, text: '' };
        else {
          r.params = m.params;
          reply = await m.handler(r);
        }
      }
    } catch (e) {
      if (e instanceof ApiFailure) reply = { status: e.status ?? httpStatusFor(e.entries, 500), body: e.entries };
      else {
        const id = `EMU-${process.pid.toString(16).toUpperCase()}-${String(++reportSeq).padStart(6, '0')}`;
        core.log.error({ err: e, method, path, report: id }, 'emulator request failed');
        reply = {
          status: 500,
          body: [apiCallRc(FAIL_UNKNOWN_ERROR, 0n, 0n, { message: `An unknown error occurred: ${(e as Error).message}`, error_report_ids: [id] })],
        };
      }
    }
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let payload = '';
    if (reply.text !== undefined) {
      payload = reply.text;
      if (payload !== '') headers['content-type'] = 'text/plain; charset=utf-8';
    } else if (reply.body !== undefined) {
      payload = stringifyLinstorJson(reply.body);
      headers['content-type'] = 'application/json';
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload);
    if (!isControl) {
      control.record({
        method,
        path,
        status: reply.status,
        durationMs: Math.round((performance.now() - start) * 1000) / 1000,
        ...(r.rd !== undefined ? { rd: r.rd } : {}),
        at,
      });
    }
  };
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      core.log.error({ err: e }, 'emulator response failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}
