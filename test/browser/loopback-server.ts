/**
 * The loopback bridge's server half: serves the test build of the renderer and puts the real
 * engine behind HTTP (POST /api/<channel>, arguments validated with the same schemas main uses)
 * and Server-Sent Events (GET /events, coalesced like main's IPC forwarding). 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { INVOKE_CHANNELS, type InvokeOp } from '../../electron/common/api';
import { createJobUpdateForwarder } from '../../electron/common/coalesce';
import { parseInvokeArgs } from '../../electron/common/schemas';
import type { Handlers } from '../../electron/engine/api-handlers';
import type { Station } from '../../electron/engine/station';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
const OPS = new Map<string, InvokeOp>(Object.entries(INVOKE_CHANNELS).map(([op, ch]) => [ch, op as InvokeOp]));

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]');
}

export async function startLoopbackServer(opts: { station: Station; handlers: Handlers; staticDir: string; indexPath: string; dropRoot: string }): Promise<LoopbackServer> {
  const clients = new Set<ServerResponse>();
  const forwarder = createJobUpdateForwarder((job) => {
    for (const c of clients) c.write(`event: jobUpdate\ndata: ${JSON.stringify(job)}\n\n`);
  });
  const off = opts.station.queue.onUpdate((job) => forwarder.forward(job));

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
          const result = await (opts.handlers[op] as (...a: unknown[]) => Promise<unknown>)(...args);
          return json(res, 200, { result: result ?? null });
        } catch (err) {
          return json(res, 400, { error: (err as Error).message });
        }
      }
      if (url.pathname === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (url.pathname === '/loopback/config') return json(res, 200, { dropRoot: opts.dropRoot });
      const file = url.pathname === '/' ? opts.indexPath : join(opts.staticDir, normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      off();
      forwarder.dispose();
      for (const c of clients) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
