/**
 * Electron main when start() fails (electron stood in for: its binary cannot run here): a dialog
 * with the reason, the single-instance lock given back, exit status 1 — not a windowless process
 * that holds the lock and blocks every later launch.
 */
import { describe, expect, it, vi } from 'vitest';
import { electron } from '../helpers/fake-electron';

const calls: string[] = [];
vi.mock('electron', async () => (await import('../helpers/fake-electron')).electronModule());

vi.mock('../../electron/engine/app-engine', () => ({
  openAppEngine: vi.fn(async () => {
    calls.push('openAppEngine');
    throw new Error(
      'Settings file /home/op/.config/Ingest Station/settings.json is invalid: destinations.origin.bucket: Too small',
    );
  }),
}));

describe('Electron main start-up failure', () => {
  it('shows the reason, gives back the single-instance lock and exits 1, opening no window', async () => {
    electron.app.getPath.mockImplementation((name: string) => `/tmp/ingest-main-start-test/${name}`);
    const main = await import('../../electron/main/index');
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalled());
    expect(calls).toEqual(['openAppEngine']);
    expect(electron.dialog.showErrorBox).toHaveBeenCalledTimes(1);
    const [title, body] = electron.dialog.showErrorBox.mock.calls[0]!;
    expect(title).toBe('Ingest Station could not start');
    expect(body).toMatch(
      /^Settings file .*settings\.json is invalid: destinations\.origin\.bucket: Too small\n\nNothing was changed/,
    );
    expect(electron.app.releaseSingleInstanceLock).toHaveBeenCalled();
    expect(electron.app.exit).toHaveBeenCalledWith(1);
    expect(electron.BrowserWindow).not.toHaveBeenCalled();
    expect(typeof main.launch).toBe('function');
    // Before anything else: both custom schemes in the one call Electron allows, and the app-wide
    // guard every web contents gets (checklist items 13, 14, 18).
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(
      electron.protocol.registerSchemesAsPrivileged.mock.calls[0]![0].map((s: { scheme: string }) => s.scheme),
    ).toEqual(['app', 'station-media']);
    expect(electron.app.on.mock.calls.map((c) => c[0])).toContain('web-contents-created');
    // The reason is in the app's log too.
    const { readFile } = await import('node:fs/promises');
    expect(await readFile('/tmp/ingest-main-start-test/logs/main.log', 'utf8')).toMatch(
      /ERROR start-up failed: Settings file .* is invalid/,
    );
  });
});
