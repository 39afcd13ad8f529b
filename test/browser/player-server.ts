/**
 * The player tests' own web server on 127.0.0.1: a page with one <video>, the players' scripts
 * from node_modules, the packages under `root` with their content types (nothing outside it), and
 * any routes a test adds first (a key server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { ROOT } from './browser-harness';

export type Send = (status: number, body: Buffer | string, type?: string) => void;

export interface PlayerServer {
  base: string;
  close(): Promise<void>;
}

const TYPES: Array<[string, string]> = [
  ['.m3u8', 'application/vnd.apple.mpegurl'],
  ['.mpd', 'application/dash+xml'],
  ['.vtt', 'text/vtt'],
];

/** `scripts`: URL path → file under node_modules. `route` answers a request itself by returning true. */
export async function startPlayerServer(
  root: string,
  scripts: Record<string, string>,
  route?: (url: URL, send: Send) => boolean,
): Promise<PlayerServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send: Send = (status, body, type = 'application/octet-stream') => {
      res.writeHead(status, { 'content-type': type, 'access-control-allow-origin': '*' });
      res.end(body);
    };
    if (route?.(url, send)) return;
    if (url.pathname === '/probe.html')
      return send(
        200,
        '<!doctype html><html><body><video id="v" muted playsinline width="320"></video></body></html>',
        'text/html',
      );
    const script = scripts[url.pathname];
    if (script) return void readFile(join(ROOT, 'node_modules', script)).then((b) => send(200, b, 'text/javascript'));
    const file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root)) return send(403, 'no');
    readFile(file).then(
      (b) => send(200, b, TYPES.find(([ext]) => file.endsWith(ext))?.[1] ?? 'video/mp4'),
      () => send(404, 'not found'),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
