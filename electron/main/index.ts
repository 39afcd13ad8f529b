/**
 * Electron main: thin glue. It opens the app engine (settings sealed by safeStorage, the station,
 * every operation), creates the locked-down window, registers validated IPC handlers and the QC
 * player's media protocol, and forwards coalesced job updates and engine restarts to the renderer.
 */
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVENT_CHANNELS } from '../common/api.js';
import { createJobUpdateForwarder } from '../common/coalesce.js';
import { openAppEngine, type AppEngine } from '../engine/app-engine.js';
import { registerIpc } from './ipc.js';
import { createMainWindow, installCsp } from './window.js';
import { createFinishNotifier } from './notifications.js';
import { safeStorageBox } from './safe-storage-box.js';
import { handleMediaProtocol, registerMediaScheme } from './media-protocol.js';
import { errorMessage } from '../engine/util/errors.js';

const appUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href;
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');

let engine: AppEngine | undefined;
let mainWindow: BrowserWindow | undefined;

const send = (channel: string, payload: unknown): void => {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
};

async function start(): Promise<void> {
  installCsp(session.defaultSession);
  engine = await openAppEngine({
    userDataDir: app.getPath('userData'),
    documentsDir: app.getPath('documents'),
    secretBox: safeStorageBox(safeStorage),
    resourcesDir: process.resourcesPath,
    async pickFiles() {
      const res = await dialog.showOpenDialog({
        title: 'Add source masters',
        properties: ['openFile', 'openDirectory', 'multiSelections'],
      });
      return res.canceled ? [] : res.filePaths;
    },
  });
  registerIpc(ipcMain, engine.handlers, appUrl);
  handleMediaProtocol(protocol, (p) => engine!.media(p));

  const forwarder = createJobUpdateForwarder((job) => send(EVENT_CHANNELS.jobUpdate, job));
  const notify = createFinishNotifier({
    isSupported: () => Notification.isSupported(),
    show: (title, body) => new Notification({ title, body }).show(),
  });
  engine.onJobUpdate((job) => {
    forwarder.forward(job);
    notify(job);
  });
  engine.onEngineState((state) => send(EVENT_CHANNELS.engineState, state));

  mainWindow = createMainWindow(preloadPath, appUrl);
  mainWindow.on('closed', () => (mainWindow = undefined));
}

/**
 * Start, or say why not: a failing start (unreadable settings, a work folder that cannot be made…)
 * shows the reason in a dialog, closes what was opened, gives up the single-instance lock so the
 * next launch is not refused, and exits with status 1 — never a silent process without a window.
 */
export async function launch(): Promise<void> {
  try {
    await app.whenReady();
    await start();
  } catch (err) {
    dialog.showErrorBox('Ingest Station could not start', `${errorMessage(err)}\n\nNothing was changed. Fix the cause and start Ingest Station again.`);
    const e = engine;
    engine = undefined;
    await e?.close().catch(() => undefined);
    app.releaseSingleInstanceLock();
    app.exit(1);
  }
}

registerMediaScheme(protocol);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => mainWindow?.focus());
  void launch();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && engine) mainWindow = createMainWindow(preloadPath, appUrl);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!engine) return;
    // Let the queue journal its state so running titles resume on next start.
    event.preventDefault();
    const e = engine;
    engine = undefined;
    void e.close().finally(() => app.quit());
  });
}
