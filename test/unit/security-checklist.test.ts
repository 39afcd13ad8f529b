/**
 * Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security), item by
 * item, against the real main-process code with `electron` stood in for. docs/SECURITY.md lists each
 * item with its setting and the test that proves it; the numbers below are the checklist's.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

vi.mock('electron', () => ({
  BrowserWindow: vi.fn(),
  shell: { openExternal: vi.fn(async () => undefined) },
}));

import { shell } from 'electron';
import {
  CONTENT_SECURITY_POLICY,
  EXTERNAL_ALLOW_LIST,
  guardWebContents,
  installCsp,
  isAllowedExternal,
  rendererUrl,
  secureWebPreferences,
} from '../../electron/main/window';
import { APP_URL, appFile, handleAppProtocol } from '../../electron/main/app-protocol';

type Listener = (...a: unknown[]) => void;
function guarded() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  guardWebContents(
    {
      on: (ev: string, fn: Listener) => listeners.set(ev, fn),
      setWindowOpenHandler: (fn: typeof openHandler) => (openHandler = fn),
    } as never,
    APP_URL,
  );
  const fire = (ev: string, ...args: unknown[]): boolean => {
    const e = { preventDefault: vi.fn(), ...(typeof args[0] === 'object' ? (args.shift() as object) : {}) };
    listeners.get(ev)!(e, ...args);
    return e.preventDefault.mock.calls.length > 0;
  };
  return { fire, open: (url: string) => openHandler!({ url }) };
}

describe('Electron security checklist', () => {
  it('1. only secure content: the app page is app://; a packaged build ignores ELECTRON_RENDERER_URL; dev only on loopback', () => {
    expect(APP_URL).toBe('app://station/index.html');
    expect(rendererUrl(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, APP_URL)).toBe(APP_URL);
    expect(rendererUrl(false, { ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, APP_URL)).toBe(
      'http://localhost:5173/',
    );
    expect(rendererUrl(false, { ELECTRON_RENDERER_URL: 'https://evil.example/' }, APP_URL)).toBe(APP_URL);
    expect(rendererUrl(false, {}, APP_URL)).toBe(APP_URL);
  });

  it('2–4, 6, 8–10. no Node integration, context isolation, sandbox, web security, no insecure content, no experimental or Blink features', () => {
    const prefs = secureWebPreferences('/app/preload/index.cjs');
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  it('5. every permission request and permission check is refused', () => {
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: ((wc: unknown, p: string) => boolean) | undefined;
    installCsp({
      webRequest: { onHeadersReceived: vi.fn() },
      setPermissionRequestHandler: (fn: typeof request) => (request = fn),
      setPermissionCheckHandler: (fn: typeof check) => (check = fn),
    } as never);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const cb = vi.fn();
      request!({}, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
      expect(check!({}, p)).toBe(false);
    }
  });

  it('7. a strict CSP as a header, in the page, and on every app:// response', async () => {
    let headerHook: ((d: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | undefined;
    installCsp({
      webRequest: { onHeadersReceived: (fn: typeof headerHook) => (headerHook = fn) },
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
    } as never);
    const cb = vi.fn();
    headerHook!({ responseHeaders: { 'X-Other': ['1'] } }, cb);
    expect(cb).toHaveBeenCalledWith({
      responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    const html = await readFile(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta!.split('; ').slice(0, 8)).toEqual(CONTENT_SECURITY_POLICY.split('; ').slice(0, 8));
  });

  it('11–12. no webviews: the tag is off and an attach is prevented', () => {
    expect(secureWebPreferences('/p').webviewTag).toBe(false);
    expect(guarded().fire('will-attach-webview')).toBe(true);
  });

  it('13. no navigation away from the app page: links, frames and redirects', () => {
    const g = guarded();
    expect(g.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(g.fire('will-navigate', 'app://station/elsewhere.html')).toBe(true);
    expect(g.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(g.fire('will-navigate', APP_URL)).toBe(false);
    expect(g.fire('will-frame-navigate', { url: 'https://evil.example/', isMainFrame: false })).toBe(true);
    expect(g.fire('will-frame-navigate', { url: APP_URL, isMainFrame: false })).toBe(true);
    expect(g.fire('will-frame-navigate', { url: APP_URL, isMainFrame: true })).toBe(false);
    expect(g.fire('will-redirect', { url: 'https://evil.example/' })).toBe(true);
  });

  it('14–15. no new windows; only allow-listed https links open in the browser', () => {
    const g = guarded();
    vi.mocked(shell.openExternal).mockClear();
    for (const url of [
      'https://evil.example/x',
      'http://ffmpeg.org/download.html',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://user:pw@ffmpeg.org/',
      'smb://nas/share',
      'https://ffmpeg.org.evil.example/',
    ]) {
      expect(g.open(url), url).toEqual({ action: 'deny' });
      expect(isAllowedExternal(url), url).toBe(false);
    }
    expect(shell.openExternal).not.toHaveBeenCalled();
    expect(g.open('https://ffmpeg.org/download.html')).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledWith('https://ffmpeg.org/download.html');
    expect(EXTERNAL_ALLOW_LIST.every((o) => o.startsWith('https://'))).toBe(true);
  });

  it('16. a current Electron', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(Number(pkg.devDependencies.electron!.split('.')[0])).toBeGreaterThanOrEqual(45);
  });

  it('18. the renderer over app://, never file://: only files inside the renderer folder, symlinks resolved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'app-proto-'));
    const renderer = join(dir, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<!doctype html>');
    await writeFile(join(renderer, 'assets', 'a.js'), 'x');
    await writeFile(join(dir, 'secret.txt'), 'user data');
    await symlink(join(dir, 'secret.txt'), join(renderer, 'assets', 'link.js'));
    expect(await appFile(renderer, 'app://station/index.html')).toBe(join(renderer, 'index.html'));
    expect(await appFile(renderer, 'app://station/assets/a.js')).toBe(join(renderer, 'assets', 'a.js'));
    let handler: ((r: Request) => Promise<Response>) | undefined;
    handleAppProtocol({ handle: (_s: string, h: typeof handler) => void (handler = h) } as never, renderer);
    const ok = await handler!(new Request('app://station/index.html'));
    expect([
      ok.status,
      ok.headers.get('content-type'),
      ok.headers.get('content-security-policy'),
      ok.headers.get('x-content-type-options'),
    ]).toEqual([200, 'text/html; charset=utf-8', CONTENT_SECURITY_POLICY, 'nosniff']);
    for (const url of [
      'app://station/../secret.txt',
      'app://station/%2e%2e/secret.txt',
      'app://station/assets/%2e%2e%2f..%2fsecret.txt',
      'app://station/assets/..%5c..%5csecret.txt',
      'app://station/assets/link.js',
      'app://elsewhere/index.html',
      'app://station/%00',
      'app://station/%E0%A4%A',
    ]) {
      const file = await appFile(renderer, url);
      expect(file === undefined || file.startsWith(renderer + '/'), `${url} → ${file}`).toBe(true);
      const r = await handler!(new Request(url));
      expect(r.status, url).toBe(404);
      expect(await r.text()).not.toContain('user data');
    }
    expect(await appFile(renderer, 'file:///etc/passwd')).toBeUndefined();
    expect((await handler!(new Request('app://station/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
  });
});
