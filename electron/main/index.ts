/**
 * Electron main: thin glue. It opens the app engine (settings sealed by safeStorage, the station,
 * every operation), creates the locked-down window, registers validated IPC handlers and the QC
 * player's media protocol, and forwards coalesced job updates and engine restarts to the renderer.
 */
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session } from 'electron';
import { join } from 'node:path';
import { EVENT_CHANNELS } from '../common/api.js';
import { createJobUpdateForwarder } from '../common/coalesce.js';
import { openAppEngine, type AppEngine } from '../engine/app-engine.js';
import { registerIpc } from './ipc.js';
import { createMainWindow, guardWebContents, installCsp, rendererUrl } from './window.js';
import { APP_SCHEME_PRIVILEGES, APP_URL, handleAppProtocol, pageOrigin } from './app-protocol.js';
import { createFinishNotifier, createAlertNotifier } from './notifications.js';
import { createQueueProgress } from './queue-progress.js';
import { safeStorageBox } from './safe-storage-box.js';
import { handleMediaProtocol, MEDIA_SCHEME_PRIVILEGES } from './media-protocol.js';
import { errorMessage } from '../engine/util/errors.js';
import { teeConsoleToFile } from './log-file.js';

const appUrl = rendererUrl(app.isPackaged, process.env, APP_URL);
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');

let engine: AppEngine | undefined;
let mainWindow: BrowserWindow | undefined;

const send = (channel: string, payload: unknown): void => {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
};

async function start(): Promise<void> {
  console.info(`Ingest Station ${app.getVersion()} starting; log at ${teeConsoleToFile(app.getPath('logs'))}`);
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
  handleAppProtocol(protocol, join(import.meta.dirname, '../renderer'));
  handleMediaProtocol(protocol, (p) => engine!.media(p), pageOrigin(appUrl));

  const forwarder = createJobUpdateForwarder((job) => send(EVENT_CHANNELS.jobUpdate, job));
  const notify = createFinishNotifier({
    isSupported: () => Notification.isSupported(),
    show: (title, body) => new Notification({ title, body }).show(),
  });
  // The whole queue on the dock / taskbar (the bar on the window, the count on the app's icon).
  const progress = createQueueProgress({
    setProgress: (fraction, mode) => {
      if (mainWindow && !mainWindow.isDestroyed()) mainWindow.setProgressBar(fraction, { mode });
    },
    setBadge: (count) => void app.setBadgeCount(count),
    notify: (title, body) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
  });
  engine.onJobUpdate((job) => {
    forwarder.forward(job);
    notify(job);
    progress.update(job);
  });
  void engine.handlers.listJobs().then(
    (jobs) => progress.seed(jobs),
    () => undefined,
  );
  engine.onEngineState((state) => send(EVENT_CHANNELS.engineState, state));
  const alert = createAlertNotifier({
    isSupported: () => Notification.isSupported(),
    show: (title, body) => new Notification({ title, body }).show(),
  });
  engine.onAlert(alert);

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
    console.error(`start-up failed: ${errorMessage(err)}`);
    dialog.showErrorBox(
      'Ingest Station could not start',
      `${errorMessage(err)}\n\nNothing was changed. Fix the cause and start Ingest Station again.`,
    );
    const e = engine;
    engine = undefined;
    await e?.close().catch(() => undefined);
    app.releaseSingleInstanceLock();
    app.exit(1);
  }
}

// Both custom schemes, in the one call Electron allows, before 'ready'.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES, MEDIA_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => mainWindow?.focus());
  // Every web contents, not only the main window's, gets the same navigation and window guards.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, appUrl));
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
