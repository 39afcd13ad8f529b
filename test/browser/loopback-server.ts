/**
 * The loopback bridge's server half: serves the test build of the renderer and puts the real app
 * engine behind HTTP (POST /api/<channel>, arguments validated with the same schemas main uses),
 * Server-Sent Events (GET /events: job updates coalesced like main's IPC forwarding, and engine
 * state) and GET /media/… (the QC player's files, answered by the same function as main's
 * station-media: protocol). 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { INVOKE_CHANNELS, type InvokeOp } from '../../electron/common/api';
import { createJobUpdateForwarder } from '../../electron/common/coalesce';
import { parseInvokeArgs } from '../../electron/common/schemas';
import type { AppEngine } from '../../electron/engine/app-engine';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
};
const OPS = new Map<string, InvokeOp>(Object.entries(INVOKE_CHANNELS).map(([op, ch]) => [ch, op as InvokeOp]));

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

export interface LoopbackOptions {
  engine: Pick<AppEngine, 'handlers' | 'onJobUpdate' | 'onEngineState' | 'media'>;
  staticDir: string;
  indexPath: string;
  dropRoot: string;
  /** Fixed port (a restarted engine process comes back where the page expects it); default any. */
  port?: number;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]');
}

export async function startLoopbackServer(opts: LoopbackOptions): Promise<LoopbackServer> {
  const clients = new Set<ServerResponse>();
  const send = (event: string, data: unknown): void => {
    for (const c of clients) c.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const forwarder = createJobUpdateForwarder((job) => send('jobUpdate', job));
  const offJobs = opts.engine.onJobUpdate((job) => forwarder.forward(job));
  const offState = opts.engine.onEngineState((state) => send('engineState', state));

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
        const op = OPS.get(url.pathname.slice(5));
        if (!op) return json(res, 404, { error: 'no such operation' });
        try {
          const raw = await readBody(req);
          const args = parseInvokeArgs(op, Array.isArray(raw) ? raw : [raw]);
          const result = await (opts.engine.handlers[op] as (...a: unknown[]) => Promise<unknown>)(...args);
          return json(res, 200, { result: result ?? null });
        } catch (err) {
          return json(res, 400, { error: (err as Error).message });
        }
      }
      if (url.pathname === '/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (url.pathname.startsWith('/media/')) {
        try {
          const r = await opts.engine.media(url.pathname.slice('/media/'.length));
          res.writeHead(r.status, { 'content-type': r.contentType, 'cache-control': 'no-store' });
          return res.end(r.body);
        } catch (err) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          return res.end((err as Error).message);
        }
      }
      if (url.pathname === '/loopback/config') return json(res, 200, { dropRoot: opts.dropRoot });
      const file =
        url.pathname === '/'
          ? opts.indexPath
          : join(opts.staticDir, normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      offJobs();
      offState();
      forwarder.dispose();
      for (const c of clients) c.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
