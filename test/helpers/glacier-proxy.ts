/**
 * An S3 proxy in front of radosgw that behaves like an archive class (DEEP_ARCHIVE) for the objects
 * a test chooses — radosgw stores a "DEEP_ARCHIVE" object as readable as any other and implements
 * no restore. For those objects, per S3's documented behaviour: GET answers 403 InvalidObjectState
 * until a restore has completed; POST ?restore answers 202 the first time and 409
 * RestoreAlreadyInProgress while it runs; HEAD carries `x-amz-restore` (ongoing, or done with an
 * expiry). The test completes a restore when it likes (the hours a real one takes). Every request is
 * logged with the bytes of the answer, so a test can count what the station read.
 * Without `archived`, the proxy only forwards and counts (a readable archive class).
 */
import { createServer, request, type Server } from 'node:http';
import { listenLoopback } from './loopback-listen';

export interface ProxyRequest {
  method: string;
  /** Object key (path-style: after the bucket). */
  key: string;
  query: string;
  range?: string;
  status: number;
  bytes: number;
  body?: string;
}

export interface GlacierProxy {
  endpoint: string;
  log: ProxyRequest[];
  /** Restore state per key: absent (never asked), ongoing, or done. */
  restores: Map<string, 'ongoing' | 'done'>;
  complete(key: string): void;
  close(): Promise<void>;
}

export async function startGlacierProxy(target: string, archived?: (key: string) => boolean): Promise<GlacierProxy> {
  const upstream = new URL(target);
  const state: GlacierProxy = {
    endpoint: '',
    log: [],
    restores: new Map(),
    complete: (k) => void state.restores.set(k, 'done'),
    close: async () => undefined,
  };
  const xml = (code: string, message: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, , ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const query = url.search.replace(/^\?/, '');
    const entry: ProxyRequest = {
      method: req.method ?? '',
      key,
      query,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      status: 0,
      bytes: 0,
    };
    state.log.push(entry);
    const emulate = !!key && !!archived?.(key);
    const answer = (status: number, body: string, headers: Record<string, string> = {}): void => {
      entry.status = status;
      entry.bytes = Buffer.byteLength(body);
      res.writeHead(status, { 'content-type': 'application/xml', ...headers });
      res.end(body);
    };
    if (emulate && req.method === 'POST' && /(^|&)restore(=|&|$)/.test(query)) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        entry.body = Buffer.concat(chunks).toString('utf8');
        const s = state.restores.get(key);
        if (s === 'ongoing')
          return answer(409, xml('RestoreAlreadyInProgress', 'Object restore is already in progress'));
        if (s === 'done') return answer(200, '');
        state.restores.set(key, 'ongoing');
        answer(202, '');
      });
      return;
    }
    const restore = state.restores.get(key);
    if (emulate && req.method === 'GET' && restore !== 'done' && !/uploadId|partNumber/.test(query)) {
      req.resume();
      return answer(403, xml('InvalidObjectState', "The operation is not valid for the object's storage class"));
    }
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        const headers = { ...upRes.headers };
        if (emulate && req.method === 'HEAD' && (upRes.statusCode ?? 0) < 300) {
          headers['x-amz-storage-class'] = 'DEEP_ARCHIVE';
          if (restore === 'ongoing') headers['x-amz-restore'] = 'ongoing-request="true"';
          if (restore === 'done')
            headers['x-amz-restore'] =
              `ongoing-request="false", expiry-date="${new Date(Date.now() + 7 * 86_400_000).toUTCString()}"`;
        }
        entry.status = upRes.statusCode ?? 0;
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.on('data', (c: Buffer) => (entry.bytes += c.length));
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const listening = await listenLoopback(server);
  state.endpoint = listening.endpoint;
  state.close = listening.close;
  return state;
}
