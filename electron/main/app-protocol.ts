/**
 * The renderer is served over app://station/ (not file://): a standard, secure custom scheme whose
 * handler answers only files inside the built renderer folder — the real path, symlinks resolved,
 * must stay inside it — with the CSP on every response. With file:// any page could read any file
 * the user can (the fuse that grants file:// extra privileges is off in packaged builds too).
 */
import type { CustomScheme, Protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { assertInside } from '../engine/util/contained-path.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'station';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * The origin of a page URL as the browser sees it. Node's URL gives custom schemes the origin
 * "null"; Chromium treats a standard scheme like http: scheme://host.
 */
export function pageOrigin(url: string): string {
  const u = new URL(url);
  return u.protocol === `${APP_SCHEME}:` ? `${APP_SCHEME}://${u.host}` : u.origin;
}

export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The file an app:// URL names, or undefined when it is not one of the renderer's. */
export async function appFile(rendererDir: string, rawUrl: string): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const file = join(rendererDir, normalize(path === '/' ? '/index.html' : path));
  try {
    await assertInside(rendererDir, file, 'the renderer');
  } catch {
    return undefined;
  }
  return file;
}

export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? await appFile(rendererDir, request.url) : undefined;
    const body = file ? await readFile(file).catch(() => undefined) : undefined;
    if (!body) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    return new Response(body, {
      headers: {
        'content-type': TYPES[extname(file!)] ?? 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      },
    });
  });
}
