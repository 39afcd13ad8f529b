/**
 * The desktop app's Settings operations over its settings store: the view (with what each
 * destination's store proved when last probed), a save (the work folder checked usable first, then
 * the station restarted on the new settings) and a connection test that never signs a request for
 * a host the renderer chose with a stored key.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { credentialBinding } from '../common/config.js';
import type { SettingsView } from '../common/settings.js';
import type { StoreFacts } from '../common/store-facts.js';
import type { SettingsOps } from './api-handlers.js';
import { checkConnection } from './destinations/check-connection.js';
import { FactsFile } from './destinations/facts-file.js';
import { resolveWorkDir } from './settings/config-paths.js';
import { destinationWithoutCredentials, type SettingsStore } from './settings/settings-store.js';
import { StationError } from './util/errors.js';

export interface AppSettingsDeps {
  userDataDir: string;
  settings: SettingsStore;
  /** The running station: restarted by a save; its work folder is where a test keeps its journals. */
  station: { restart(): Promise<void>; workDir(): string | undefined };
}

export function appSettings(deps: AppSettingsDeps): SettingsOps {
  const { userDataDir, settings } = deps;
  return {
    view: async () => withStoreFacts(await settings.view(), userDataDir),
    async save(update) {
      // The work folder must be usable before anything is written or the station stopped.
      await mkdir(join(resolveWorkDir(update.config, userDataDir), 'jobs'), { recursive: true }).catch((err: Error) => {
        throw new StationError(`The work folder cannot be used: ${err.message}`, 'config-invalid');
      });
      await settings.save(update);
      await deps.station.restart();
      return withStoreFacts(await settings.view(), userDataDir);
    },
    async test(name, destination, credentials) {
      const workDir = deps.station.workDir() ?? join(userDataDir, 'work');
      const journals = join(workDir, 'uploads');
      // Typed credentials go with the destination typed beside them. Stored ones go only to the
      // saved destination they are bound to: the renderer's endpoint and bucket are ignored, so
      // nothing signed with the real key can be sent to a host the renderer chose.
      if (credentials)
        return checkConnection(
          name,
          destination.type === 's3' ? { ...destination, ...credentials } : destination,
          userDataDir,
          journals,
          workDir,
        );
      const saved = await settings.savedDestination(name);
      if (!saved) return checkConnection(name, destination, userDataDir, journals, workDir);
      const cfg =
        saved.destination.type === 's3' && saved.credentials
          ? { ...saved.destination, ...saved.credentials }
          : saved.destination;
      const result = await checkConnection(name, cfg, userDataDir, journals, workDir);
      const differs = JSON.stringify(saved.destination) !== JSON.stringify(destinationWithoutCredentials(destination));
      return differs
        ? {
            ...result,
            note: 'Tested the saved destination with its stored credentials: save the changes (or type the credentials) to test what the screen shows.',
          }
        : result;
    },
  };
}

/** The settings as saved, with what each destination's store proved when last probed (the claim protocol). */
async function withStoreFacts(view: SettingsView, userDataDir: string): Promise<SettingsView> {
  const known = await new FactsFile(join(resolveWorkDir(view.config, userDataDir), 'stores.json')).all();
  const stores: Record<string, StoreFacts> = {};
  for (const [name, d] of Object.entries(view.config.destinations)) {
    const f = d.type === 's3' ? known[credentialBinding(d)] : undefined;
    if (f) stores[name] = f;
  }
  return { ...view, stores };
}
