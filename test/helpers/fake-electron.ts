/**
 * Electron stood in for (its binary cannot run here), for tests that load Electron main: every
 * object main touches, recording its calls. A test mocks 'electron' with it —
 * `vi.mock('electron', async () => (await import('../helpers/fake-electron')).electronModule())` — and
 * imports `electron` to look at what main did (the same object: one module instance per test file).
 */
import { vi } from 'vitest';

/** The window main creates (when a test stands in for createMainWindow). */
export const fakeWindow = {
  setProgressBar: vi.fn(),
  isDestroyed: () => false,
  on: vi.fn(),
  webContents: { send: vi.fn() },
};

export const electron = {
  app: {
    whenReady: vi.fn(() => Promise.resolve()),
    requestSingleInstanceLock: vi.fn(() => true),
    releaseSingleInstanceLock: vi.fn(),
    exit: vi.fn(),
    quit: vi.fn(),
    on: vi.fn(),
    getPath: vi.fn((name: string) => `/tmp/ingest-fake-electron/${name}`),
    getVersion: vi.fn(() => '0.0.0-test'),
    setBadgeCount: vi.fn(() => true),
    isPackaged: true,
  },
  dialog: { showErrorBox: vi.fn(), showOpenDialog: vi.fn() },
  ipcMain: { handle: vi.fn() },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  safeStorage: {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: vi.fn(),
    decryptString: vi.fn(),
  },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: vi.fn() },
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
    },
  },
  BrowserWindow: Object.assign(vi.fn(), { getAllWindows: () => [] }),
  Notification: Object.assign(
    vi.fn(function (this: { show(): void }) {
      this.show = vi.fn();
    }),
    { isSupported: () => true },
  ),
  shell: { openExternal: vi.fn() },
};

export const electronModule = (): typeof electron & { default: typeof electron } => ({
  ...electron,
  default: electron,
});
