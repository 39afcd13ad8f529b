/**
 * Electron main: thin glue. It opens the engine's station, creates the locked-down window,
 * registers validated IPC handlers and forwards coalesced job updates to the renderer.
 */
import { app, BrowserWindow, dialog, ipcMain, Notification, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVENT_CHANNELS } from '../common/api.js';
import { createJobUpdateForwarder } from '../common/coalesce.js';
import { createHandlers } from '../engine/api-handlers.js';
import { openStation, type Station } from '../engine/station.js';
import { loadAppConfig } from './app-config.js';
import { registerIpc } from './ipc.js';
import { createMainWindow, installCsp } from './window.js';
import { createFinishNotifier } from './notifications.js';

const appUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href;
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');

let station: Station | undefined;
let mainWindow: BrowserWindow | undefined;

async function start(): Promise<void> {
  installCsp(session.defaultSession);
  const { config, baseDir } = await loadAppConfig(app.getPath('userData'), app.getPath('documents'));
  station = await openStation({ config, baseDir, resourcesDir: process.resourcesPath, watch: true });

  registerIpc(
    ipcMain,
    createHandlers({
      station,
      async pickFiles() {
        const res = await dialog.showOpenDialog({
          title: 'Add source masters',
          properties: ['openFile', 'openDirectory', 'multiSelections'],
        });
        return res.canceled ? [] : res.filePaths;
      },
    }),
    appUrl,
  );

  const forwarder = createJobUpdateForwarder((job) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(EVENT_CHANNELS.jobUpdate, job);
  });
  const notify = createFinishNotifier({
    isSupported: () => Notification.isSupported(),
    show: (title, body) => new Notification({ title, body }).show(),
  });
  station.queue.onUpdate((job) => {
    forwarder.forward(job);
    notify(job);
  });

  mainWindow = createMainWindow(preloadPath, appUrl);
  mainWindow.on('closed', () => (mainWindow = undefined));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => mainWindow?.focus());
  app.whenReady().then(start, (err: unknown) => {
    dialog.showErrorBox('Ingest Station could not start', String(err));
    app.exit(1);
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && station) mainWindow = createMainWindow(preloadPath, appUrl);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!station) return;
    // Let the queue journal its state so the running job resumes on next start.
    event.preventDefault();
    const s = station;
    station = undefined;
    void s.close().finally(() => app.quit());
  });
}
