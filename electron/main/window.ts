/**
 * The main window, locked down: sandboxed renderer, context isolation, no Node integration, no
 * navigation away from the app, no new windows. The CSP is set both as a response header (dev
 * server) and in renderer/index.html (file:// in production).
 */
import { BrowserWindow, shell, type Session, type WebPreferences } from 'electron';
// The QC player (hls.js) fetches playlists and segments from the media protocol and plays them
// through MediaSource (blob:). Nothing else is reachable.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' station-media:",
  "media-src 'self' blob: station-media:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

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
    webviewTag: false,
    spellcheck: false,
  };
}

/** Header CSP for every response of the session (covers the dev server). */
export function installCsp(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // The station needs no camera, microphone, notifications-by-web-API or geolocation.
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

/** Deny navigation and window.open; http(s) links open in the user's browser instead. */
export function hardenWindow(win: BrowserWindow, appUrl: string): void {
  win.webContents.on('will-navigate', (event, url) => {
    if (url !== appUrl) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
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
  hardenWindow(win, appUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(appUrl);
  return win;
}
