/**
 * The app's station config: settings.json in the user-data folder, validated like the CLI's
 * --config. With none, titles go to a folder destination under Documents. (Credentials for S3
 * destinations move to Electron safeStorage with the settings UI of the queue issue.)
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { stationConfigSchema } from '../common/config.js';
import { loadConfigFile, type LoadedConfig } from '../engine/config-file.js';

export async function loadAppConfig(userDataDir: string, documentsDir: string): Promise<LoadedConfig> {
  const file = join(userDataDir, 'settings.json');
  if (existsSync(file)) return loadConfigFile(file);
  return {
    config: stationConfigSchema.parse({
      destinations: { local: { type: 'folder', path: join(documentsDir, 'Ingest Station', 'Output') } },
      origin: 'local',
      workDir: join(userDataDir, 'work'),
    }),
    baseDir: userDataDir,
  };
}
