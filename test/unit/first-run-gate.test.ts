/**
 * The first run's gate, in the engine: until settings are saved (an origin chosen) the app engine
 * refuses masters with a sentence saying why — whatever the window does — and says it has not been
 * set up; once saved, masters pass the gate (to intake, which judges them as ever).
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppEngine } from '../../electron/engine/app-engine';
import { testSecretBox } from '../helpers/test-secret-box';

describe('first run', () => {
  it('no masters before an origin is chosen; the view says whether settings were saved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'first-run-'));
    const engine = await openAppEngine({
      userDataDir: join(dir, 'app'),
      documentsDir: join(dir, 'documents'),
      secretBox: testSecretBox('11'.repeat(32)),
      pickFiles: async () => [],
      watch: false,
    });
    try {
      const view = await engine.handlers.getSettings();
      expect(view.saved).toBe(false);
      await expect(engine.handlers.addMasters([join(dir, 'film.mov')])).rejects.toThrow(
        /^No origin is set yet: finish the setup \(choose and test the origin\) before adding masters/,
      );
      await engine.handlers.saveSettings({ config: view.config, credentials: {} });
      expect((await engine.handlers.getSettings()).saved).toBe(true);
      // Past the gate: intake judges the path (there is no such file).
      await expect(engine.handlers.addMasters([join(dir, 'film.mov')])).rejects.toThrow(/^Nothing to ingest/);
    } finally {
      await engine.close();
    }
  });
});
