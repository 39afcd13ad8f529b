/**
 * A small HTTP fault-injection proxy for the S3 tests (there is no toxiproxy here), on 127.0.0.1
 * only, bounded in count and time. It forwards requests to the real radosgw and, for the requests
 * a plan selects, injects one fault: a connection reset in the middle of the request body, a
 * 503 SlowDown answer, a stall (the request is swallowed and never answered), a lost answer (the
 * store acts on the request, the client's connection is cut before the answer reaches it), or a
 * refusal (403 AccessDenied, as a key without the right gets).
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { listenLoopback } from './loopback-listen';

export type Fault = 'reset' | 'slowdown' | 'stall' | 'lose-answer' | 'forbidden';

export interface FaultProxy {
  endpoint: string;
  /** Faults injected so far, in order, with the request they hit. */
  injected: Array<{ fault: Fault; method: string; url: string }>;
  requests: number;
  close(): Promise<void>;
}

/** plan(n, req) → the fault for the n-th request (1-based), or undefined to forward it untouched. */
export async function startFaultProxy(
  target: string,
  plan: (n: number, req: IncomingMessage) => Fault | undefined,
  maxFaults = 20,
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const state: FaultProxy = { endpoint: '', injected: [], requests: 0, close: async () => undefined };

  const server: Server = createServer((req, res) => {
    const n = ++state.requests;
    const fault = state.injected.length < maxFaults ? plan(n, req) : undefined;
    if (fault) state.injected.push({ fault, method: req.method ?? '', url: req.url ?? '' });
    if (fault === 'forbidden') {
      // A key whose rights were taken away (or a bucket policy that says no): 403 AccessDenied.
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
        );
      });
      return;
    }
    if (fault === 'slowdown') {
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
      });
      return;
    }
    if (fault === 'stall') {
      req.resume(); // read everything, answer nothing: the client's idle timeout must fire
      return;
    }
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        if (fault === 'lose-answer') {
          upRes.resume();
          upRes.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    if (fault === 'reset') {
      // Forward some of the body, then cut the client's connection mid-body.
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > 64 * 1024) {
          up.destroy();
          req.socket.destroy();
        } else up.write(chunk);
      });
      req.on('end', () => up.end());
      return;
    }
    req.pipe(up);
  });
  const listening = await listenLoopback(server);
  state.endpoint = listening.endpoint;
  state.close = listening.close;
  return state;
}
