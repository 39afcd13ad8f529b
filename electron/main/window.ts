/**
 * The main window, locked down: sandboxed renderer, context isolation, no Node integration, no
 * navigation away from the app (top frame or subframe, by link or redirect), no new windows, no
 * webviews, no permissions. The CSP is set as a response header (app:// and the dev server) and in
 * renderer/index.html. Links out go to the user's browser only for an allow-list of sites.
 */
import { BrowserWindow, shell, type Session, type WebContents, type WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp.js';
export { CONTENT_SECURITY_POLICY } from './csp.js';

/** Sites the app may open in the user's browser (documentation it links to); nothing else. */
export const EXTERNAL_ALLOW_LIST = [
  'https://ffmpeg.org',
  'https://www.backblaze.com',
  'https://docs.aws.amazon.com',
  'https://www.electronjs.org',
];

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password && EXTERNAL_ALLOW_LIST.includes(u.origin);
  } catch {
    return false;
  }
}

/**
 * The page the window loads: app://station/index.html; a dev server (ELECTRON_RENDERER_URL, set by
 * electron-vite dev) only when the app is not packaged — a packaged build never loads remote code.
 */
export function rendererUrl(isPackaged: boolean, env: NodeJS.ProcessEnv, appUrl: string): string {
  const dev = env.ELECTRON_RENDERER_URL;
  return !isPackaged && dev && /^http:\/\/(localhost|127\.0\.0\.1):\d+\/?$/.test(dev) ? dev : appUrl;
}

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** Header CSP for every response of the session, and no permission of any kind. */
export function installCsp(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // The station needs no camera, microphone, notifications-by-web-API, geolocation, clipboard…
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

const sameDocument = (url: string, appUrl: string): boolean => {
  try {
    const u = new URL(url);
    const a = new URL(appUrl);
    return u.protocol === a.protocol && u.host === a.host && u.pathname === a.pathname;
  } catch {
    return false;
  }
};

/**
 * For every web contents the app creates (the main window, and anything else — the app-wide
 * 'web-contents-created' guard applies this too): no navigation but to the app page itself, no
 * frame navigation, no redirects, no webviews, no new windows; allow-listed https links open in the
 * user's browser.
 */
export function guardWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, appUrl: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!sameDocument(url, appUrl)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame || !sameDocument(event.url, appUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

export function createMainWindow(preloadPath: string, appUrl: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Ingest Station',
    backgroundColor: '#1e1f22',
    webPreferences: secureWebPreferences(preloadPath),
  });
  // Navigation and window guards come from the app-wide 'web-contents-created' handler (index.ts).
  win.once('ready-to-show', () => win.show());
  void win.loadURL(appUrl);
  return win;
}
